#include "GsparcEngines.h"
#include "GsparcOutputs.h"
#include "GsparcParameters.h"
#include "TransmitterFollower.h"

namespace ls::rf {

std::string GsparcRenderEngine::description() const
{
    return "Renders the spatial spectrum a GSpaRC checkpoint predicts at the receiver for one transmitter position, stage by stage "
           "(project, bin, sort, composite), with the channel estimate per frequency. CLI: latency-studio-cli run gsparc-render "
           "--checkpoint ckpt.npz --tx x,y,z --out spectrum.npy";
}

ParameterSchema GsparcRenderEngine::parameterSchema() const
{
    return {{
        checkpointParameterSpec("checkpoint", "Checkpoint", "A checkpoint .npz written by gsparc-train."),
        {.key = "tx", .label = "Transmitter", .type = ParameterType::Vector, .defaultValue = std::vector<double>{0.0, -0.4, 1.0}, .minimum = -1e4,
         .maximum = 1e4, .units = "m", .help = "Position of the moving end (the transmitter for RFID data), world frame.", .vectorSize = 3},
    }};
}

RunOutput GsparcRenderEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    TransmitterFollower follower = [&] {
        auto stage = recorder.stage("load checkpoint");
        return TransmitterFollower(checkpointFromParameter(parameters, "checkpoint"));
    }();
    const auto& tx = vectorParameter(parameters, "tx");
    const std::array<float, 3> position{static_cast<float>(tx[0]), static_cast<float>(tx[1]), static_cast<float>(tx[2])};
    const RenderResult result = [&] {
        auto stage = recorder.stage("render");
        return follower.render(position, context);
    }();
    auto stage = recorder.stage("outputs");
    RunOutput output;
    output.datasets = follower.outputsOf(result);
    const auto& state = follower.state();
    output.datasets.push_back({kGaussianCloudName, gaussianCloud(state.field, state.receiver, position, kShownOpacity)});
    return output;
}

std::vector<DragHandle> GsparcRenderEngine::dragHandles(const std::vector<Dataset>& datasets) const
{
    return transmitterHandles(datasets);
}

std::unique_ptr<HandleFollower> GsparcRenderEngine::followHandle(const DragHandle&, const std::vector<Dataset>&,
                                                                 const std::map<std::string, NpzArchive>&, const ParameterValues& parameters) const
{
    return std::make_unique<TransmitterFollower>(checkpointFromParameter(parameters, "checkpoint"));
}

} // namespace ls::rf
