#include "GsparcEngines.h"
#include "GsparcOutputs.h"
#include "GsparcParameters.h"
#if LS_HAS_CUDA
#include "SplatRendererCuda.h"
#endif

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
        {.key = "frequency", .label = "Frequency index", .type = ParameterType::Int, .defaultValue = std::int64_t{0}, .minimum = 0, .maximum = 4095,
         .help = "Which frequency's map the image shows (all are in the spectrum array)."},
    }};
}

RunOutput GsparcRenderEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    TrainingState state = [&] {
        auto stage = recorder.stage("load checkpoint");
        return checkpointFromParameter(parameters, "checkpoint");
    }();
    const auto& tx = vectorParameter(parameters, "tx");
    const std::array<float, 3> position{static_cast<float>(tx[0]), static_cast<float>(tx[1]), static_cast<float>(tx[2])};
    const int frequency = static_cast<int>(intParameter(parameters, "frequency"));
    if (frequency >= state.field.frequencies)
        throw ArgumentError("frequency: the checkpoint holds " + std::to_string(state.field.frequencies) + " frequencies (0 … "
                            + std::to_string(state.field.frequencies - 1) + ")");
    RenderResult result = [&] {
        auto stage = recorder.stage("render");
        if (context.device().isCuda()) {
#if LS_HAS_CUDA
            SplatRendererCuda gpu(context.device().index);
            gpu.upload(state.field);
            return gpu.render(state.receiver, position, {state.mapping, state.quantity}, &recorder);
#endif
        }
        return renderCpu(state.field, state.receiver, position, {state.mapping, state.quantity}, &recorder);
    }();
    RunOutput output;
    auto stage = recorder.stage("outputs");
    Grid spectrum{state.field.frequencies * state.mapping.height, state.mapping.width, 1, result.spectrum, "normalised power",
                  "azimuth (deg)", "frequency × elevation (deg)", false};
    output.datasets.push_back({"spectrum", std::move(spectrum)});
    output.datasets.push_back({"spectrum image", spectrumGrid(result.spectrum, frequency, state.mapping)});
    Table csi{{"frequency", "real", "imaginary", "amplitude", "phase (rad)"}, {}};
    int index = 0;
    for (const auto& h : channelEstimate(result.channels, state.field.frequencies, state.mapping))
        csi.rows.push_back({std::to_string(index++), std::to_string(h.real()), std::to_string(h.imag()), std::to_string(std::abs(h)), std::to_string(std::arg(h))});
    output.datasets.push_back({"channel estimate", std::move(csi)});
    output.datasets.push_back({"gaussians", gaussianCloud(state.field, state.receiver, position, 0.02f)});
    return output;
}

} // namespace ls::rf
