#include "ParameterOverlay.h"

#include <algorithm>
#include <imgui.h>

namespace ls::views {

namespace {

float panelWidth()
{
    return std::clamp(ImGui::GetIO().DisplaySize.x * 0.3f, 200.0f, 320.0f);
}

// One control; true when a change is complete (a slider counts once released, not while dragged).
bool drawControl(const ParameterSpec& spec, ParameterValue& value)
{
    const std::string id = spec.label + "##" + spec.key;
    ImGui::SetNextItemWidth(panelWidth() * 0.6f);
    switch (spec.type) {
    case ParameterType::Int: {
        auto* v = std::get_if<std::int64_t>(&value);
        if (!v)
            return false;
        int current = static_cast<int>(std::clamp<std::int64_t>(*v, -1000000, 1000000));
        const int low = static_cast<int>(std::max(spec.minimum, -1e6)), high = static_cast<int>(std::min(spec.maximum, 1e6));
        if (high - low <= 100) // a slider over a short range (a class), a box with steps over a long one (a seed)
            ImGui::SliderInt(id.c_str(), &current, low, high);
        else if (ImGui::InputInt(id.c_str(), &current))
            current = std::clamp(current, low, high);
        *v = current;
        return ImGui::IsItemDeactivatedAfterEdit();
    }
    case ParameterType::Float: {
        auto* v = std::get_if<double>(&value);
        if (!v)
            return false;
        float current = static_cast<float>(*v);
        ImGui::SliderFloat(id.c_str(), &current, static_cast<float>(std::max(spec.minimum, -1e6)), static_cast<float>(std::min(spec.maximum, 1e6)),
                           "%.2f");
        *v = current;
        return ImGui::IsItemDeactivatedAfterEdit();
    }
    case ParameterType::Bool: {
        auto* v = std::get_if<bool>(&value);
        return v && ImGui::Checkbox(id.c_str(), v);
    }
    case ParameterType::Enum: {
        auto* v = std::get_if<std::string>(&value);
        if (!v || !ImGui::BeginCombo(id.c_str(), v->c_str()))
            return false;
        bool chosen = false;
        for (const std::string& choice : spec.choices)
            if (ImGui::Selectable(choice.c_str(), choice == *v) && choice != *v) {
                *v = choice;
                chosen = true;
            }
        ImGui::EndCombo();
        return chosen;
    }
    default:
        return false; // files, vectors and text stay in the parameters panel
    }
}

} // namespace

std::optional<std::pair<std::string, ParameterValue>> drawParameterOverlay(ParameterOverlay& panel, OverlayImage& picture)
{
    if (panel.specs.empty())
        return std::nullopt;
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x - 10, 10), ImGuiCond_Always, ImVec2(1, 0));
    ImGui::SetNextWindowBgAlpha(0.85f);
    const std::string title = panel.engineName + "###overlay parameters";
    ImGui::Begin(title.c_str(), nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    const float width = panelWidth();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextDisabled("a change re-runs with the run's other parameters");
    ImGui::PopTextWrapPos();
    std::optional<std::pair<std::string, ParameterValue>> changed;
    for (const ParameterSpec& spec : panel.specs) {
        auto found = panel.values.find(spec.key);
        if (found == panel.values.end())
            continue;
        if (drawControl(spec, found->second) && validateOne(spec, found->second).empty())
            changed = std::make_pair(spec.key, found->second);
        if (!spec.help.empty() && ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(panelWidth() * 1.5f);
            ImGui::TextUnformatted(spec.help.c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
    }
    if (!panel.pictureTitle.empty() && !picture.isEmpty()) {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
        ImGui::TextDisabled("%s", panel.pictureTitle.c_str());
        ImGui::PopTextWrapPos();
        picture.draw(width);
    }
    if (!panel.status.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
        ImGui::TextUnformatted(panel.status.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::End();
    return changed;
}

} // namespace ls::views
