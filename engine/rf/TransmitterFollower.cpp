#include "TransmitterFollower.h"

#include "GsparcOutputs.h"
#if LS_HAS_CUDA
#include "SplatRendererCuda.h"
#endif

#include <algorithm>

namespace ls::rf {

TransmitterFollower::TransmitterFollower(TrainingState state, int frequency) : state_(std::move(state)), frequency_(frequency)
{
    if (frequency_ < 0 || frequency_ >= state_.field.frequencies)
        throw ArgumentError("frequency: the checkpoint holds " + std::to_string(state_.field.frequencies) + " frequencies (0 … "
                            + std::to_string(state_.field.frequencies - 1) + ")");
}

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
    outputs.push_back({"spectrum image", spectrumGrid(result.spectrum, frequency_, state_.mapping)});
    Table csi{{"frequency", "real", "imaginary", "amplitude", "phase (rad)"}, {}};
    int index = 0;
    for (const auto& h : channelEstimate(result.channels, frequencies, state_.mapping))
        csi.rows.push_back({std::to_string(index++), std::to_string(h.real()), std::to_string(h.imag()), std::to_string(std::abs(h)),
                            std::to_string(std::arg(h))});
    outputs.push_back({"channel estimate", std::move(csi)});
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
