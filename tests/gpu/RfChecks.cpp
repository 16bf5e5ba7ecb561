// GSpaRC's CUDA renderer against the CPU renderer: forward maps and tile lists, the composite and
// whole-field backward, and training steps (moved here from tst_gsparc and tst_gsparc_training so
// the GPU check runner runs them without Qt).
#include "GpuCheckList.h"
#include "GsparcScenes.h"

#include "engine/rf/FieldTraining.h"
#include "engine/rf/SplatRendererCuda.h"

#include <algorithm>
#include <cmath>

namespace ls::test {

using namespace ls::rf;

namespace {

std::string trialName(int trial, const char* what) { return "trial " + std::to_string(trial) + ", " + what; }

// A random scene for one trial: up to `most` Gaussians of up to `maxFrequencies`, the emission
// form asked, a 360×90 map (90×24 at small sizes) of magnitude or real part (alternating), and
// `positions` moving-end positions (a batch renders them in one pass).
struct Scene {
    ReceiverPose receiver;
    GaussianField field;
    RenderSettings settings;
    std::vector<std::array<float, 3>> positions;
};

Scene randomScene(const GpuCheckContext& context, int trial, int most, int maxFrequencies, bool amplitudePhase, int positions)
{
    Scene scene;
    scene.receiver = randomReceiver();
    scene.field = randomField(scene.receiver, static_cast<int>(uniformInt(50, most)), static_cast<int>(uniformInt(1, maxFrequencies)), 8);
    scene.field.emissionForm = amplitudePhase ? EmissionForm::AmplitudePhase : EmissionForm::RealImaginary;
    scene.settings = RenderSettings{context.small ? PixelMapping{90, 24} : PixelMapping{360, 90},
                                    trial % 2 ? SpectrumQuantity::RealPart : SpectrumQuantity::Magnitude};
    scene.positions = randomPositions(positions);
    return scene;
}

} // namespace

void checkRfForward(const GpuCheckContext& context, CheckOutcome& outcome)
{
    SplatRendererCuda gpu(context.device);
    const int trials = context.small ? 2 : 5, most = context.small ? 120 : 2000;
    for (int trial = 0; trial < trials; ++trial) {
        // The last trial: a training batch in one pass.
        const Scene scene = randomScene(context, trial, most, 4, trial >= 3 || (context.small && trial == 1), trial == trials - 1 ? 3 : 1);
        const ReceiverPose& receiver = scene.receiver;
        const GaussianField& field = scene.field;
        const RenderSettings& settings = scene.settings;
        const auto& positions = scene.positions;
        const auto cpu = renderCpu(field, receiver, positions, settings);
        gpu.upload(field);
        const auto device = gpu.render(receiver, positions, settings);
        // Same tiles and the same front-to-back lists (keys from the same float ranges).
        outcome.require(device.state.radius == cpu.state.radius, trialName(trial, "splat radii differ"));
        outcome.require(device.state.bins.keys.size() == cpu.state.bins.keys.size(), trialName(trial, "tile list lengths differ"));
        outcome.require(device.state.bins.tileBegin == cpu.state.bins.tileBegin, trialName(trial, "tile ranges differ"));
        if (!outcome.require(device.spectrum.size() == cpu.spectrum.size(), trialName(trial, "spectrum sizes differ")))
            return;
        // Maps agree to a relative error of 1e-3 of the largest value (float on both sides; the
        // GPU's exp/atan2 differ from the host's in the last bits).
        double worst = 0, largest = 0;
        for (std::size_t i = 0; i < cpu.spectrum.size(); ++i) {
            worst = std::max<double>(worst, std::abs(device.spectrum[i] - cpu.spectrum[i]));
            largest = std::max<double>(largest, std::abs(cpu.spectrum[i]));
        }
        outcome.require(largest > 0, trialName(trial, "the CPU map is empty"));
        outcome.within(trialName(trial, "max |gpu - cpu| / max |cpu| of the spectrum"), worst / std::max(largest, 1e-30), 1e-3);
        // The same render again reuses the workspaces (no cudaMalloc) and gives the same maps; the
        // training download brings the maps and radii only.
        const int allocations = gpu.workspaceAllocations();
        const auto again = gpu.render(receiver, positions, settings, nullptr, RenderDownload::ForTraining);
        outcome.require(gpu.workspaceAllocations() == allocations, trialName(trial, "a second render of the same field allocated again"));
        outcome.require(again.spectrum == device.spectrum && again.state.radius == device.state.radius,
                        trialName(trial, "a second render of the same field differs"));
        outcome.require(again.state.u.empty() && again.state.bins.keys.empty(), trialName(trial, "the training download brought the whole state"));
    }
}

void checkRfBackward(const GpuCheckContext& context, CheckOutcome& outcome)
{
    SplatRendererCuda gpu(context.device);
    const int trials = context.small ? 2 : 4, most = context.small ? 100 : 1500;
    for (int trial = 0; trial < trials; ++trial) {
        // The last trial: a training batch in one pass.
        const Scene scene = randomScene(context, trial, most, 3, trial >= trials / 2, trial == trials - 1 ? 2 : 1);
        const ReceiverPose& receiver = scene.receiver;
        const GaussianField& field = scene.field;
        const RenderSettings& settings = scene.settings;
        const auto& positions = scene.positions;
        const MovingEnds position(positions);
        gpu.upload(field);
        const RenderResult rendered = gpu.render(receiver, position, settings);
        std::vector<float> upstream(rendered.spectrum.size());
        for (float& g : upstream)
            g = uniform(-1, 1) / static_cast<float>(upstream.size());
        // Both walks start from the same forward state (the GPU's), so they differ only by float
        // against double arithmetic and the order of the GPU's atomic sums.
        const int maps = static_cast<int>(positions.size()) * field.frequencies;
        const auto channelGradient = channelGradients(rendered, upstream, maps, settings.quantity);
        const CompositeGradients onCpu = compositeBackwardCpu(settings, 2 * maps, rendered.state, channelGradient);
        const CompositeGradients onGpu = gpu.backwardComposite(channelGradient);
        // Norm-wise relative error ≤ 1e-3 per gradient group.
        const std::pair<const char*, std::pair<const std::vector<double>*, const std::vector<double>*>> groups[] = {
            {"centre", {&onCpu.centre, &onGpu.centre}}, {"conic", {&onCpu.conic, &onGpu.conic}},
            {"opacity", {&onCpu.opacity, &onGpu.opacity}}, {"emission", {&onCpu.emission, &onGpu.emission}}};
        for (const auto& group : groups) {
            if (!outcome.require(group.second.first->size() == group.second.second->size(), trialName(trial, group.first) + " gradient sizes differ"))
                return;
            const auto [difference, norm] = differenceAndNorm(*group.second.first, *group.second.second);
            outcome.require(norm > 0, trialName(trial, group.first) + " gradient is zero on the CPU");
            outcome.within(trialName(trial, group.first) + " composite gradient, |gpu - cpu| / |cpu|", difference / std::max(norm, 1e-300), 1e-3);
        }
        // The whole backward from the GPU's composite gradients matches backwardCpu's the same way.
        const GaussianField whole = backwardCpu(field, receiver, position, settings, rendered, upstream);
        const GaussianField hybrid = backwardFromComposite(field, receiver, position, settings, rendered.state, onGpu);
        const auto expected = whole.parameterArrays();
        const auto got = hybrid.parameterArrays();
        for (std::size_t group = 0; group < expected.size(); ++group) {
            const auto [difference, norm] = differenceAndNorm(*expected[group].second, *got[group].second);
            outcome.within(trialName(trial, expected[group].first.c_str()) + " (CPU chain from the GPU composite)", difference, 1e-3 * norm + 1e-12);
        }
        // And the whole backward on the GPU (projection and MLPs in float on the device): 2e-3, the
        // duals' float rounding on top of the composite's.
        std::vector<float> cpuNorms, gpuNorms;
        const GaussianField cpuField = backwardCpu(field, receiver, position, settings, rendered, upstream, &cpuNorms);
        const GaussianField onDevice = gpu.backwardField(channelGradient, &gpuNorms);
        const auto deviceArrays = onDevice.parameterArrays();
        for (std::size_t group = 0; group < expected.size(); ++group) {
            const auto [difference, norm] = differenceAndNorm(*cpuField.parameterArrays()[group].second, *deviceArrays[group].second);
            outcome.within(trialName(trial, expected[group].first.c_str()) + " (GPU field backward)", difference, 2e-3 * norm + 1e-12);
        }
        if (!outcome.require(cpuNorms.size() == gpuNorms.size(), trialName(trial, "centre gradient norm counts differ")))
            return;
        const auto [normDifference, normSize] = differenceAndNorm(cpuNorms, gpuNorms);
        outcome.within(trialName(trial, "centre gradient norms"), normDifference, 2e-3 * normSize);
        // Another backward pass of the same render: the same gradients from the same workspace.
        const int allocations = gpu.workspaceAllocations();
        const GaussianField twice = gpu.backwardField(channelGradient);
        outcome.require(gpu.workspaceAllocations() == allocations, trialName(trial, "a second backward pass allocated again"));
        outcome.require(twice.parameterArrays()[0].second->size() == deviceArrays[0].second->size(), trialName(trial, "second backward: sizes"));
    }
}

void checkRfTraining(const GpuCheckContext& context, CheckOutcome& outcome)
{
    const ReceiverPose receiver = randomReceiver();
    const PixelMapping mapping = context.small ? PixelMapping{90, 24} : PixelMapping{360, 90};
    const RfDataset dataset = teacherDataset(receiver, randomField(receiver, 40, 1, 8), mapping, 8);
    const auto seed = static_cast<std::uint64_t>(uniformInt(1, 1000));
    TrainingSettings settings;
    settings.iterations = context.small ? 3 : 12;
    settings.curveEvery = 1;
    settings.seed = seed;
    settings.batch = 2; // both paths composite the batch in one pass
    TrainingState onCpu = startTraining(studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    outcome.require(trainSteps(onCpu, dataset, settings, {}, {}), "CPU training stopped early");
    settings.cudaDevice = context.device;
    TrainingState onGpu = startTraining(studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    outcome.require(trainSteps(onGpu, dataset, settings, {}, {}), "GPU training stopped early");
    // The same samples in the same order; float (GPU) against double (CPU) composite backward and
    // the GPU's atomic sums leave each step's loss within 1 % of the CPU run's.
    if (!outcome.require(onGpu.curveLoss.size() == onCpu.curveLoss.size() && !onCpu.curveLoss.empty(), "loss curves differ in length"))
        return;
    for (std::size_t i = 0; i < onCpu.curveLoss.size(); ++i)
        outcome.within("step " + std::to_string(i + 1) + " loss, |gpu - cpu| / cpu", std::abs(onGpu.curveLoss[i] - onCpu.curveLoss[i]) / onCpu.curveLoss[i], 0.01);
    if (!context.small)
        outcome.require(onGpu.curveLoss.back() < onGpu.curveLoss.front(), "GPU training did not lower the loss");
}

} // namespace ls::test
