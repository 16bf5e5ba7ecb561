#include "HandleOverlay.h"

#include "ColourRamp.h"
#include "LatencyOverlay.h"

#include <algorithm>
#include <imgui.h>

namespace ls::views {

namespace {

// Logical px: one per azimuth degree of the RFID map, less where the view is narrow.
float mapWidth()
{
    return std::clamp(ImGui::GetIO().DisplaySize.x * 0.45f, 240.0f, 360.0f);
}

void colourBar(float low, float high)
{
    const float kMapWidth = mapWidth();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    constexpr int kSteps = 48;
    constexpr float kHeight = 8;
    const float step = kMapWidth / kSteps;
    for (int i = 0; i < kSteps; ++i) {
        const QRgb colour = heatColour((i + 0.5f) / kSteps);
        draw->AddRectFilled(ImVec2(origin.x + i * step, origin.y), ImVec2(origin.x + (i + 1) * step + 0.5f, origin.y + kHeight),
                            IM_COL32(qRed(colour), qGreen(colour), qBlue(colour), 255));
    }
    ImGui::Dummy(ImVec2(kMapWidth, kHeight));
    ImGui::Text("%.3g", low);
    ImGui::SameLine(kMapWidth - 40);
    ImGui::Text("%.3g", high);
}

} // namespace

bool drawHandleOverlay(HandlePanel& panel, OverlayImage& map, const LatencyRecord& followLatency)
{
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(10, display.y - 10), ImGuiCond_Always, ImVec2(0, 1));
    ImGui::SetNextWindowBgAlpha(0.85f);
    const std::string title = "Drag: " + panel.label + "###drag handle"; // ### keeps one window whatever the label
    ImGui::Begin(title.c_str(), nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.2f, 1.0f), "drag the orange sphere (Shift: height)");
    const float width = mapWidth();
    ImGui::SetNextItemWidth(width - 90);
    const bool edited = ImGui::DragFloat3("position (m)", panel.position.data(), 0.01f, -1e4f, 1e4f, "%.3f");
    if (!panel.mapTitle.empty() && !map.isEmpty()) {
        ImGui::TextDisabled("%s", panel.mapTitle.c_str());
        map.draw(width);
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
        ImGui::TextDisabled("%s", panel.mapAxes.c_str());
        ImGui::PopTextWrapPos();
        colourBar(panel.mapLow, panel.mapHigh);
    }
    if (panel.follows > 0) {
        const SampleStats total = followLatency.totalStats();
        ImGui::Text("latest %.2f ms, median %.2f, p90 %.2f (%d positions)", panel.lastFollowMs, total.median / 1000.0, total.p90 / 1000.0,
                    panel.follows);
    }
    if (!panel.status.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
        ImGui::TextUnformatted(panel.status.c_str());
        ImGui::PopTextWrapPos();
    }
    if (panel.follows > 0 && ImGui::CollapsingHeader("stages of this drag"))
        drawLatencyOverlay(std::to_string(followLatency.repeats) + " renders", followLatency);
    ImGui::End();
    return edited;
}

} // namespace ls::views
