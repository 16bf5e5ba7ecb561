#pragma once
// A Dear ImGui layer drawn into a QOpenGLWidget's GL context after the 3D scene. ImGui 1.86 has no
// Qt backend and no input-event queue: Qt events are queued here and applied one change per frame,
// so that a press and release between two frames still registers as a click.
#include <QElapsedTimer>
#include <QPointF>
#include <deque>
#include <functional>

struct ImGuiContext;
class QKeyEvent;
class QMouseEvent;
class QWheelEvent;

namespace ls::views {

class ImGuiOverlay {
public:
    ImGuiOverlay();
    ~ImGuiOverlay();
    ImGuiOverlay(const ImGuiOverlay&) = delete;
    ImGuiOverlay& operator=(const ImGuiOverlay&) = delete;

    ImGuiContext* context() const { return context_; }

    void initializeGL(); // with the widget's context current
    void shutdownGL();
    // Draws one frame; `drawContent` issues the ImGui calls. Logical size and device pixel ratio.
    void render(int width, int height, double devicePixelRatio, const std::function<void()>& drawContent);

    // Input; each returns true if ImGui wants the event (the 3D camera must not get it).
    bool mouseMove(QPointF position);
    bool mouseButton(QMouseEvent* event, bool pressed);
    bool wheel(QWheelEvent* event);
    bool wantsMouse() const;
    bool hasPendingInput() const { return !pendingButtons_.empty(); }

private:
    struct ButtonChange {
        int button;
        bool pressed;
    };
    ImGuiContext* context_ = nullptr;
    bool glReady_ = false;
    QElapsedTimer clock_;
    std::deque<ButtonChange> pendingButtons_;
    QPointF mousePosition_{-1, -1};
    float pendingWheel_ = 0;
};

} // namespace ls::views
