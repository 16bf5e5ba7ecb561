#include "LatencyOverlay.h"

#include <imgui.h>

namespace ls::views {

void drawLatencyOverlay(const std::string& runLabel, const LatencyRecord& latency)
{
    ImGui::TextUnformatted(runLabel.c_str());
    ImGui::TextDisabled("%s", latency.device.c_str());
    if (!ImGui::BeginTable("stages", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit))
        return;
    ImGui::TableSetupColumn("stage");
    ImGui::TableSetupColumn("median ms");
    ImGui::TableSetupColumn("p90 ms");
    ImGui::TableHeadersRow();
    auto row = [](const std::string& name, const SampleStats& s) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(name.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.3f", s.median / 1000.0);
        ImGui::TableNextColumn();
        ImGui::Text("%.3f", s.p90 / 1000.0);
    };
    for (const auto& path : latency.stagePaths())
        row(path, latency.stageStats(path));
    row("total", latency.totalStats());
    ImGui::EndTable();
}

} // namespace ls::views
