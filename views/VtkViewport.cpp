#include "VtkViewport.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFramebufferObject>
#include <QOpenGLFunctions>
#include <QWheelEvent>
#include <cmath>
#include <imgui.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>

namespace ls::views {
namespace {
// A wheel turn ends this long after its last notch (there is no release to wait for).
constexpr int kWheelRestMs = 250;
} // namespace

VtkViewport::VtkViewport(QWidget* parent) : QOpenGLWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setMinimumSize(320, 240);

    renderer_->SetBackground(0.09, 0.10, 0.12);
    renderer_->SetBackground2(0.20, 0.22, 0.26);
    renderer_->GradientBackgroundOn();
    renderWindow_->AddRenderer(renderer_);
    // Qt owns the context and the framebuffer; VTK renders into its own FBOs and blits the result
    // into whatever framebuffer is bound (Qt's, or ours in renderImage()).
    renderWindow_->SetOwnContext(false);
    renderWindow_->SetFrameBlitModeToBlitToCurrent();
    renderWindow_->SetMultiSamples(0);

    windowCallback_->SetCallback(&VtkViewport::onVtkWindowEvent);
    windowCallback_->SetClientData(this);
    for (auto event : {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent,
                       vtkCommand::WindowSupportsOpenGLEvent, vtkCommand::WindowIsDirectEvent})
        renderWindow_->AddObserver(event, windowCallback_);
    frameClock_.start();
}

VtkViewport::~VtkViewport()
{
    makeCurrent();
    overlay_.shutdownGL();
    renderWindow_->Finalize();
    doneCurrent();
}

vtkRenderer* VtkViewport::renderer() const
{
    return renderer_;
}

void VtkViewport::onVtkWindowEvent(vtkObject*, unsigned long eventId, void* clientData, void* callData)
{
    auto* self = static_cast<VtkViewport*>(clientData);
    QOpenGLContext* context = self->context();
    switch (eventId) {
    case vtkCommand::WindowMakeCurrentEvent:
        // Not QOpenGLWidget::makeCurrent(): that rebinds Qt's FBO in the middle of VTK's
        // framebuffer set-up and blanks the image (STACK.md).
        if (context && QOpenGLContext::currentContext() != context)
            context->makeCurrent(context->surface());
        break;
    case vtkCommand::WindowIsCurrentEvent:
        *static_cast<bool*>(callData) = context && QOpenGLContext::currentContext() == context;
        break;
    case vtkCommand::WindowSupportsOpenGLEvent:
    case vtkCommand::WindowIsDirectEvent:
        *static_cast<int*>(callData) = 1;
        break;
    default: break;
    }
}

void VtkViewport::initializeGL()
{
    renderWindow_->SetIsCurrent(true);
    renderWindow_->InitializeFromCurrentContext();
    overlay_.initializeGL();
    glInitialized_ = true;
}

void VtkViewport::resizeGL(int width, int height)
{
    const double ratio = devicePixelRatioF();
    renderWindow_->SetSize(static_cast<int>(width * ratio), static_cast<int>(height * ratio));
}

void VtkViewport::paintGL()
{
    lastFrameIntervalMs_ = frameClock_.restart();
    const double ratio = devicePixelRatioF();
    renderFrame(static_cast<int>(width() * ratio), static_cast<int>(height() * ratio), width(), height(), ratio);
    // ImGui needs one more frame per queued click to apply it.
    if (overlay_.hasPendingInput())
        update();
}

void VtkViewport::renderFrame(int pixelWidth, int pixelHeight, int logicalWidth, int logicalHeight, double pixelRatio)
{
    QElapsedTimer renderClock;
    renderClock.start();
    renderWindow_->SetSize(pixelWidth, pixelHeight);
    renderWindow_->SetIsCurrent(true);
    renderWindow_->SetReadyForRendering(true);
    renderWindow_->Render();
    renderWindow_->SetReadyForRendering(false);
    lastRenderMs_ = renderClock.nsecsElapsed() / 1e6;

    auto* gl = context()->functions();
    gl->glViewport(0, 0, pixelWidth, pixelHeight);
    if (overlayVisible_) {
        overlay_.render(logicalWidth, logicalHeight, pixelRatio, [&] {
            ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
            ImGui::SetNextWindowBgAlpha(0.8f);
            if (pendingFold_ >= 0)
                ImGui::SetNextWindowCollapsed(pendingFold_ == 1, ImGuiCond_Always);
            pendingFold_ = -1;
            ImGui::Begin("Studio overlay (F2 hides)", nullptr, ImGuiWindowFlags_AlwaysAutoResize);
            ImGui::Text("frame interval %.1f ms   3D render %.2f ms", lastFrameIntervalMs_, lastRenderMs_);
            if (overlayContent_)
                overlayContent_();
            ImGui::End();
        });
    }
    // VTK leaves destination alpha below 1 in places; grabs would look translucent.
    gl->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
    gl->glClearColor(0, 0, 0, 1);
    gl->glClear(GL_COLOR_BUFFER_BIT);
    gl->glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
}

QImage VtkViewport::renderImage(double scale)
{
    if (!glInitialized_)
        return {};
    makeCurrent();
    const double ratio = devicePixelRatioF() * scale;
    const QSize pixels(static_cast<int>(width() * ratio), static_cast<int>(height() * ratio));
    QOpenGLFramebufferObjectFormat format;
    format.setAttachment(QOpenGLFramebufferObject::CombinedDepthStencil);
    QOpenGLFramebufferObject target(pixels, format);
    target.bind();
    renderFrame(pixels.width(), pixels.height(), width(), height(), ratio);
    QImage image = target.toImage(); // flipped from GL's bottom-up rows
    target.release();
    resizeGL(width(), height());
    doneCurrent();
    update();
    return image.convertToFormat(QImage::Format_RGB32);
}

bool VtkViewport::worldPointOnPlane(QPointF logicalPosition, const double origin[3], const double normal[3], double world[3]) const
{
    // VTK's display coordinates are device pixels from the bottom-left corner.
    const double ratio = devicePixelRatioF();
    const double x = logicalPosition.x() * ratio, y = (height() - logicalPosition.y()) * ratio;
    double ends[2][3];
    for (int end = 0; end < 2; ++end) { // the ray's points on the near and the far clipping plane
        renderer_->SetDisplayPoint(x, y, end);
        renderer_->DisplayToWorld();
        double homogeneous[4];
        renderer_->GetWorldPoint(homogeneous);
        if (homogeneous[3] == 0)
            return false;
        for (int k = 0; k < 3; ++k)
            ends[end][k] = homogeneous[k] / homogeneous[3];
    }
    double along = 0, towards = 0;
    for (int k = 0; k < 3; ++k) {
        along += (ends[1][k] - ends[0][k]) * normal[k];
        towards += (origin[k] - ends[0][k]) * normal[k];
    }
    if (std::abs(along) < 1e-9)
        return false;
    const double t = towards / along;
    for (int k = 0; k < 3; ++k)
        world[k] = ends[0][k] + t * (ends[1][k] - ends[0][k]);
    return true;
}

QPointF VtkViewport::logicalPositionOf(const double world[3]) const
{
    renderer_->SetWorldPoint(world[0], world[1], world[2], 1.0);
    renderer_->WorldToDisplay();
    double display[3];
    renderer_->GetDisplayPoint(display);
    const double ratio = devicePixelRatioF();
    return {display[0] / ratio, height() - display[1] / ratio};
}

void VtkViewport::resetCamera()
{
    renderer_->ResetCamera();
    update();
}

void VtkViewport::viewFromAbove()
{
    vtkCamera* camera = renderer_->GetActiveCamera();
    camera->SetFocalPoint(0, 0, 0);
    camera->SetPosition(0, 0, 1);
    camera->SetViewUp(0, 1, 0);
    renderer_->ResetCamera();
    update();
}

void VtkViewport::setOverlayVisible(bool visible)
{
    if (overlayVisible_ == visible)
        return;
    overlayVisible_ = visible;
    emit overlayVisibilityChanged(visible);
    update();
}

void VtkViewport::mousePressEvent(QMouseEvent* event)
{
    if (overlayVisible_ && overlay_.mouseButton(event, true)) {
        update();
        return;
    }
    if (event->button() == Qt::LeftButton && sceneDragHandler_ && sceneDragHandler_->beginSceneDrag(event->position())) {
        draggingForHandler_ = true;
        update();
        return;
    }
    dragButtons_ = event->buttons();
    lastMouse_ = event->position();
    if (event->button() == Qt::LeftButton) {
        pressPosition_ = event->position();
        leftPressForScene_ = true;
    }
}

void VtkViewport::mouseReleaseEvent(QMouseEvent* event)
{
    if (overlayVisible_)
        overlay_.mouseButton(event, false);
    if (draggingForHandler_ && event->button() == Qt::LeftButton) {
        draggingForHandler_ = false;
        sceneDragHandler_->endSceneDrag();
        update();
        return;
    }
    dragButtons_ = event->buttons();
    if (dragButtons_ == Qt::NoButton)
        setInteracting(false);
    if (event->button() == Qt::LeftButton && leftPressForScene_) {
        leftPressForScene_ = false;
        constexpr double kClickSlopPx = 4; // more than this is an orbit, not a click
        if ((event->position() - pressPosition_).manhattanLength() <= kClickSlopPx)
            emit clicked(event->position());
    }
    update();
}

void VtkViewport::mouseMoveEvent(QMouseEvent* event)
{
    if (draggingForHandler_) {
        sceneDragHandler_->moveSceneDrag(event->position(), event->modifiers());
        update();
        return;
    }
    const bool overlayWants = overlayVisible_ && overlay_.mouseMove(event->position());
    if (overlayWants || dragButtons_ == Qt::NoButton) {
        if (overlayVisible_)
            update();
        return;
    }
    const QPointF delta = event->position() - lastMouse_;
    lastMouse_ = event->position();
    setInteracting(true);
    vtkCamera* camera = renderer_->GetActiveCamera();
    if (dragButtons_ & Qt::LeftButton) {          // orbit
        camera->Azimuth(-delta.x() * 0.4);
        camera->Elevation(delta.y() * 0.4);
        camera->OrthogonalizeViewUp();
    } else if (dragButtons_ & Qt::RightButton) {  // zoom
        camera->Dolly(std::pow(1.01, -delta.y()));
    } else if (dragButtons_ & Qt::MiddleButton) { // pan in the view plane
        double position[3], focal[3], up[3], right[3], direction[3];
        camera->GetPosition(position);
        camera->GetFocalPoint(focal);
        camera->GetViewUp(up);
        camera->GetDirectionOfProjection(direction);
        right[0] = direction[1] * up[2] - direction[2] * up[1];
        right[1] = direction[2] * up[0] - direction[0] * up[2];
        right[2] = direction[0] * up[1] - direction[1] * up[0];
        const double scale = camera->GetDistance() * 0.002;
        for (int k = 0; k < 3; ++k) {
            const double shift = (-delta.x() * right[k] + delta.y() * up[k]) * scale;
            position[k] += shift;
            focal[k] += shift;
        }
        camera->SetPosition(position);
        camera->SetFocalPoint(focal);
    }
    renderer_->ResetCameraClippingRange();
    update();
}

void VtkViewport::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (overlayVisible_ && overlay_.wantsMouse())
        return;
    if (event->button() == Qt::LeftButton)
        resetCamera();
}

void VtkViewport::wheelEvent(QWheelEvent* event)
{
    if (overlayVisible_ && overlay_.wheel(event)) {
        update();
        return;
    }
    setInteracting(true);
    if (!wheelRest_) {
        wheelRest_ = new QTimer(this);
        wheelRest_->setSingleShot(true);
        connect(wheelRest_, &QTimer::timeout, this, [this] {
            if (dragButtons_ == Qt::NoButton)
                setInteracting(false);
        });
    }
    wheelRest_->start(kWheelRestMs);
    renderer_->GetActiveCamera()->Dolly(std::pow(1.1, event->angleDelta().y() / 120.0));
    renderer_->ResetCameraClippingRange();
    update();
}

void VtkViewport::setInteracting(bool interacting)
{
    if (interacting == interacting_)
        return;
    interacting_ = interacting;
    if (interacting)
        emit interactionStarted();
    else
        emit interactionEnded();
    update();
}

void VtkViewport::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == kOverlayToggleKey) {
        setOverlayVisible(!overlayVisible_);
        return;
    }
    if (event->key() == Qt::Key_R) {
        resetCamera();
        return;
    }
    if (event->key() == Qt::Key_T) {
        viewFromAbove();
        return;
    }
    QOpenGLWidget::keyPressEvent(event);
}

} // namespace ls::views
