#include "TransmitterFollower.h"

#include "GsparcOutputs.h"
#if LS_HAS_CUDA
#include "SplatRendererCuda.h"
#endif

#include <algorithm>

namespace ls::rf {

TransmitterFollower::TransmitterFollower(TrainingState state) : state_(std::move(state)) {}

TransmitterFollower::~TransmitterFollower() = default; // out of line: SplatRendererCuda is complete here

RenderResult TransmitterFollower::render(const std::array<float, 3>& position, RunContext& context)
{
    auto& recorder = context.recorder();
    const RenderSettings settings{state_.mapping, state_.quantity};
#if LS_HAS_CUDA
    if (context.device().isCuda()) {
        if (!gpu_) {
            auto stage = recorder.stage("upload field");
            gpu_ = std::make_unique<SplatRendererCuda>(context.device().index);
            gpu_->upload(state_.field);
        }
        return gpu_->render(state_.receiver, position, settings, &recorder);
    }
#endif
    return renderCpu(state_.field, state_.receiver, position, settings, &recorder);
}

std::vector<Dataset> TransmitterFollower::outputsOf(const RenderResult& result) const
{
    const int frequencies = state_.field.frequencies;
    std::vector<Dataset> outputs;
    outputs.push_back({"spectrum", Grid{frequencies * state_.mapping.height, state_.mapping.width, 1, result.spectrum, "normalised power",
                                        "azimuth (deg)", "frequency × elevation (deg)", false}});
    outputs.push_back({"spectrum image", spectrumMaps(result.spectrum, frequencies, state_.mapping)});
    for (auto& csi : channelEstimateOutputs(channelEstimate(result.channels, frequencies, state_.mapping)))
        outputs.push_back(std::move(csi));
    return outputs;
}

std::vector<Dataset> TransmitterFollower::follow(const std::array<float, 3>& position, RunContext& context)
{
    const RenderResult result = [&] {
        auto stage = context.recorder().stage("render");
        return render(position, context);
    }();
    auto stage = context.recorder().stage("outputs");
    return outputsOf(result);
}

std::vector<DragHandle> transmitterHandles(const std::vector<Dataset>& datasets)
{
    for (const auto& dataset : datasets) {
        const auto* cloud = std::get_if<PointCloud>(&dataset.content);
        if (!cloud || dataset.name != kGaussianCloudName)
            continue;
        for (const auto& attribute : cloud->attributes) {
            if (attribute.name != kMarkerRoleAttribute || attribute.components != 1)
                continue;
            const auto found = std::find(attribute.values.begin(), attribute.values.end(), kTransmitterRole);
            if (found != attribute.values.end())
                return {{dataset.name, static_cast<std::size_t>(found - attribute.values.begin()), "transmitter"}};
        }
    }
    return {};
}

} // namespace ls::rf
