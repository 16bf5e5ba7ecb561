#pragma once
// The Qt 6 host for VTK: a QOpenGLWidget that lets vtkGenericOpenGLRenderWindow draw into Qt's
// framebuffer (Debian's VTK Qt module is Qt 5 only; see ../shared/STACK.md for why each step is
// here), with mouse camera control and a Dear ImGui overlay in the same GL context.
#include "ImGuiOverlay.h"

#include <QElapsedTimer>
#include <QOpenGLWidget>
#include <QTimer>
#include <functional>
#include <vtkNew.h>
#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkRenderer;
class vtkCallbackCommand;
class vtkObject;

namespace ls::views {

// Takes a left-button drag that starts on something in the scene (a handle) instead of the camera.
class SceneDragHandler {
public:
    virtual ~SceneDragHandler() = default;
    virtual bool beginSceneDrag(QPointF position) = 0; // logical pixels; true: this drag is the handler's
    virtual void moveSceneDrag(QPointF position, Qt::KeyboardModifiers modifiers) = 0;
    virtual void endSceneDrag() = 0;
};

class VtkViewport : public QOpenGLWidget {
    Q_OBJECT
public:
    static constexpr Qt::Key kOverlayToggleKey = Qt::Key_F2;

    explicit VtkViewport(QWidget* parent = nullptr);
    ~VtkViewport() override;

    vtkRenderer* renderer() const;
    void resetCamera();
    // Looks straight down the z axis with y up, the scene fitted: a map view of a LiDAR sweep,
    // where pillar orders and their groups read as on the grid.
    void viewFromAbove();

    // ImGui calls drawn each frame inside the overlay (after the frame-time line).
    void setOverlayContent(std::function<void()> drawContent) { overlayContent_ = std::move(drawContent); }
    void setOverlayVisible(bool visible);
    // Folds (or unfolds) the overlay's statistics window to its title bar at the next frame; the
    // user can still open it. For scenes where what to look at sits under it (a drag handle).
    void foldOverlayStatistics(bool folded)
    {
        pendingFold_ = folded ? 1 : 0;
        update();
    }
    bool overlayVisible() const { return overlayVisible_; }
    ImGuiContext* imguiContext() const { return overlay_.context(); }

    // Left drags that `handler` claims move what it grabbed instead of orbiting (null: none).
    void setSceneDragHandler(SceneDragHandler* handler) { sceneDragHandler_ = handler; }

    // Display ↔ world: VTK's display coordinates for a logical pixel, and the world point where the
    // ray through that pixel meets the plane through `origin` with normal `normal` (false: parallel).
    bool worldPointOnPlane(QPointF logicalPosition, const double origin[3], const double normal[3], double world[3]) const;
    QPointF logicalPositionOf(const double world[3]) const;

    // Renders the scene (and overlay) off screen at `scale` × the widget's pixel size.
    QImage renderImage(double scale = 1.0);
    double lastRenderMs() const { return lastRenderMs_; }

signals:
    void overlayVisibilityChanged(bool visible);
    // The camera starts or stops moving under the user's mouse (orbit, zoom, pan, wheel): views may
    // draw less while it moves, as VTK's LOD actors do, and full detail at rest.
    void interactionStarted();
    void interactionEnded();
    // A left click that did not orbit (press and release within a few pixels), in logical pixels.
    void clicked(QPointF position);

protected:
    void initializeGL() override;
    void paintGL() override;
    void resizeGL(int width, int height) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void renderFrame(int pixelWidth, int pixelHeight, int logicalWidth, int logicalHeight, double pixelRatio);
    static void onVtkWindowEvent(vtkObject* caller, unsigned long eventId, void* clientData, void* callData);

    vtkNew<vtkGenericOpenGLRenderWindow> renderWindow_;
    vtkNew<vtkRenderer> renderer_;
    vtkNew<vtkCallbackCommand> windowCallback_;
    ImGuiOverlay overlay_;
    std::function<void()> overlayContent_;
    bool overlayVisible_ = true;
    bool interacting_ = false;
    QTimer* wheelRest_ = nullptr; // a wheel turn has no release: the camera is at rest after a pause
    void setInteracting(bool interacting);
    int pendingFold_ = -1; // −1: leave the window as the user left it
    bool glInitialized_ = false;
    QPointF lastMouse_;
    QPointF pressPosition_;
    bool leftPressForScene_ = false; // the press went to the 3D scene, not to ImGui
    SceneDragHandler* sceneDragHandler_ = nullptr;
    bool draggingForHandler_ = false;
    Qt::MouseButtons dragButtons_;
    double lastRenderMs_ = 0;
    double lastFrameIntervalMs_ = 0;
    QElapsedTimer frameClock_;
};

} // namespace ls::views
