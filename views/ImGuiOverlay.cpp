#include "ImGuiOverlay.h"

#include <QMouseEvent>
#include <QWheelEvent>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

namespace ls::views {
namespace {

// Runs `body` with `context` current and restores the previous one: several overlays (and plugins
// adopting the host context) share ImGui's global current-context pointer.
template <class Body>
void withContext(ImGuiContext* context, Body&& body)
{
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(context);
    body();
    ImGui::SetCurrentContext(previous);
}

int imguiButton(Qt::MouseButton button)
{
    switch (button) {
    case Qt::LeftButton: return 0;
    case Qt::RightButton: return 1;
    case Qt::MiddleButton: return 2;
    default: return -1;
    }
}

} // namespace

ImGuiOverlay::ImGuiOverlay()
{
    ImGuiContext* previous = ImGui::GetCurrentContext();
    context_ = ImGui::CreateContext();
    ImGui::SetCurrentContext(context_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // the studio keeps view state in sessions, not imgui.ini
    ImGui::StyleColorsDark();
    ImGui::GetStyle().WindowRounding = 4.0f;
    ImGui::GetStyle().Alpha = 0.92f;
    ImGui::SetCurrentContext(previous ? previous : context_);
    clock_.start();
}

ImGuiOverlay::~ImGuiOverlay()
{
    ImGui::DestroyContext(context_);
}

void ImGuiOverlay::initializeGL()
{
    withContext(context_, [&] { glReady_ = ImGui_ImplOpenGL3_Init("#version 150"); });
}

void ImGuiOverlay::shutdownGL()
{
    if (!glReady_)
        return;
    withContext(context_, [] { ImGui_ImplOpenGL3_Shutdown(); });
    glReady_ = false;
}

void ImGuiOverlay::render(int width, int height, double devicePixelRatio, const std::function<void()>& drawContent)
{
    if (!glReady_)
        return;
    withContext(context_, [&] {
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
        io.DisplayFramebufferScale = ImVec2(static_cast<float>(devicePixelRatio), static_cast<float>(devicePixelRatio));
        const double seconds = clock_.restart() / 1000.0;
        io.DeltaTime = seconds > 0 ? static_cast<float>(seconds) : 1.0f / 60.0f;
        io.MousePos = ImVec2(static_cast<float>(mousePosition_.x()), static_cast<float>(mousePosition_.y()));
        // One button change per frame: ImGui 1.86 samples MouseDown once per NewFrame.
        if (!pendingButtons_.empty()) {
            const auto change = pendingButtons_.front();
            pendingButtons_.pop_front();
            io.MouseDown[change.button] = change.pressed;
        }
        io.MouseWheel = pendingWheel_;
        pendingWheel_ = 0;

        ImGui_ImplOpenGL3_NewFrame();
        ImGui::NewFrame();
        drawContent();
        ImGui::Render();
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    });
}

bool ImGuiOverlay::mouseMove(QPointF position)
{
    mousePosition_ = position;
    return wantsMouse();
}

bool ImGuiOverlay::mouseButton(QMouseEvent* event, bool pressed)
{
    mousePosition_ = event->position();
    const int button = imguiButton(event->button());
    if (button < 0)
        return false;
    const bool wanted = wantsMouse();
    if (wanted || !pressed)
        pendingButtons_.push_back({button, pressed});
    return wanted;
}

bool ImGuiOverlay::wheel(QWheelEvent* event)
{
    if (!wantsMouse())
        return false;
    pendingWheel_ += static_cast<float>(event->angleDelta().y()) / 120.0f;
    return true;
}

bool ImGuiOverlay::wantsMouse() const
{
    bool wants = false;
    withContext(context_, [&] { wants = ImGui::GetIO().WantCaptureMouse; });
    return wants;
}

} // namespace ls::views
