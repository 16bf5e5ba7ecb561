#pragma once
// The picked-point window of the ImGui overlay, at the view's bottom right: what the engine says
// about the point (title, a profile such as attention weights along the group's order, facts) and,
// folded, the point's own attributes. Call inside the overlay's frame (VtkViewport's content).
#include "engine/core/PickDetail.h"

namespace ls::views {

using PickFacts = std::vector<std::pair<std::string, std::string>>;

void drawPickOverlay(const PickDetail& detail, const PickFacts& pointAttributes);

} // namespace ls::views
