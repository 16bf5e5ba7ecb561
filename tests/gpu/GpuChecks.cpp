// The list of GPU checks: each CUDA path, what it covers, and whether its kernels use shared
// memory (those also run under compute-sanitizer's racecheck in the bundle's run.sh).
#include "GpuCheckList.h"

#include "engine/core/Device.h"

#include <stdexcept>

namespace ls::test {

const std::vector<GpuCheck>& gpuChecks()
{
    static const std::vector<GpuCheck> checks{
        {"rf.forward", "GSpaRC project, tile keys (CUB scan), CUB radix sort, tile ranges, composite", true, checkRfForward},
        {"rf.backward", "GSpaRC composite backward (atomics) and per-Gaussian field backward", true, checkRfBackward},
        {"rf.training", "GSpaRC training steps on the GPU (render, backward, Adam on the host)", true, checkRfTraining},
        {"pointcloud.flatten", "FlatFormer window, z-order and Hilbert keys and CUB sort", false, checkFlattenOrder},
        {"pointcloud.attention", "FlatFormer group attention core, fp32 and fp16", true, checkAttentionCore},
        {"pointcloud.layer", "FlatFormer layer: gather, cuBLAS projections, attention, scatter, LayerNorm, GELU FFN", true, checkLayer},
        {"signals.steps", "instability entropy and divergence per step, and the engine end to end", false, checkSignals},
        {"consistency.sampling", "denoiser forward (cuBLAS + kernels): consistency, Euler and Heun sampling", true, checkSamplers},
        {"consistency.training", "denoiser forward with a sigma per row, backward of every layer, Adam, recipe steps", true, checkDenoiserTraining},
    };
    return checks;
}

const GpuCheck* findGpuCheck(const std::string& name)
{
    for (const GpuCheck& check : gpuChecks())
        if (name == check.name)
            return &check;
    return nullptr;
}

std::string runGpuCheckOnFirstDevice(const std::string& name, CheckOutcome& outcome, const std::string& traces)
{
    const GpuCheck* check = findGpuCheck(name);
    if (!check)
        throw std::invalid_argument("no GPU check named " + name);
    const auto cuda = enumerateCudaDevices();
    if (cuda.devices.empty())
        return "no CUDA device: " + cuda.reason;
    GpuCheckContext context;
    context.device = cuda.devices.front().index;
    context.traces = traces;
    check->run(context, outcome);
    return {};
}

} // namespace ls::test
