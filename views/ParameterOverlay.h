#pragma once
// The overlay's parameter window, at the view's top right: the shown run's engine parameters that
// ask for it (ParameterSpec::overlay) as ImGui controls, and under them the run's picture (its
// first dataset shown as an image), so a what-if is seen where it is made. Call inside the
// overlay's frame.
#include "OverlayImage.h"

#include "engine/core/Parameters.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ls::views {

struct ParameterOverlay {
    std::string engineName;
    std::vector<ParameterSpec> specs; // the overlay ones, in schema order
    ParameterValues values;           // the shown run's
    std::string pictureTitle;         // empty: no picture
    std::string status;               // "re-running…", an error
};

// Returns the parameter the user finished changing (slider released, choice made) with its value.
std::optional<std::pair<std::string, ParameterValue>> drawParameterOverlay(ParameterOverlay& panel, OverlayImage& picture);

} // namespace ls::views
