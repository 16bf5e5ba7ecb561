#include "PickOverlay.h"

#include <algorithm>
#include <imgui.h>

namespace ls::views {

namespace {

void factTable(const char* id, const PickFacts& facts)
{
    if (!ImGui::BeginTable(id, 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit))
        return;
    for (const auto& [label, value] : facts) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(label.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(value.c_str());
    }
    ImGui::EndTable();
}

} // namespace

void drawPickOverlay(const PickDetail& detail, const PickFacts& pointAttributes)
{
    // A window of its own (nested Begin is allowed), kept clear of the colour bar on the right.
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.88f, display.y - 10), ImGuiCond_Always, ImVec2(1, 1));
    ImGui::SetNextWindowBgAlpha(0.8f);
    ImGui::Begin("Picked point (Esc clears)", nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.85f, 1.0f), "%s", detail.title.c_str());
    if (!detail.profile.empty()) {
        const float top = *std::max_element(detail.profile.begin(), detail.profile.end());
        ImGui::TextDisabled("%s", detail.profileLabel.c_str());
        ImGui::PlotHistogram("##profile", detail.profile.data(), static_cast<int>(detail.profile.size()), 0, nullptr, 0.0f,
                             top > 0 ? top : 1.0f, ImVec2(260, 50));
    }
    factTable("engine facts", detail.facts);
    if (ImGui::CollapsingHeader("point attributes"))
        factTable("point attributes", pointAttributes);
    ImGui::End();
}

} // namespace ls::views
