#include "FieldTraining.h"

#include "OptionalStage.h"
#if LS_HAS_CUDA
#include "SplatRendererCuda.h"
#endif

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"
#include "engine/core/ParallelFor.h"

#include <optional>

#include <cmath>
#include <cstring>
#include <random>
#include <utility>

namespace ls::rf {

double learningRate(const std::string& group, const LearningRates& rates, long step, long totalSteps)
{
    const double t = std::clamp(static_cast<double>(step) / std::max<long>(totalSteps, 1), 0.0, 1.0);
    auto logLinear = [t](double start, double end) { return std::exp((1 - t) * std::log(start) + t * std::log(end)); };
    if (group == "means")
        return logLinear(rates.positionStart, rates.positionEnd);
    if (group == "log_scales")
        return rates.scale;
    if (group == "rotations")
        return rates.rotation;
    if (group == "opacity_logits")
        return rates.opacity;
    if (group.starts_with("mlp_")) // mlp_w1, mlp_b1, mlp_w2, mlp_b2
        return rates.mlpEnd > 0 ? logLinear(rates.mlp, rates.mlpEnd) : rates.mlp;
    if (group.starts_with("confidence_")) // the confidence network's w1, b1, w2, b2
        return rates.confidence;
    // A misspelt group used to get the MLP's rate without a word.
    throw ArgumentError("learningRate: no rate for the parameter group '" + group + "'");
}

namespace {

constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kAdamEpsilon = 1e-15; // 3DGS's ε: tiny gradients still move
constexpr std::size_t kAdamValuesPerWorker = 1 << 15; // below this a thread costs more than it saves

// The draw-th training sample of the run (step s of batch B draws s·B … s·B + B − 1): a fresh
// permutation every epoch, from (seed, epoch).
std::size_t sampleForDraw(const RfDataset& dataset, std::uint64_t seed, long draw)
{
    const std::size_t count = dataset.train.size();
    const long epoch = draw / static_cast<long>(count);
    std::vector<std::size_t> order = dataset.train;
    std::mt19937_64 generator(seed * 1000003u + static_cast<std::uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), generator);
    return order[static_cast<std::size_t>(draw % static_cast<long>(count))];
}

} // namespace

TrainingState startTraining(GaussianField field, const RfDataset& dataset, SpectrumQuantity quantity)
{
    TrainingState state;
    state.firstMoment = field.zerosLike();
    state.secondMoment = field.zerosLike();
    state.field = std::move(field);
    state.receiver = dataset.receiver;
    state.mapping = dataset.mapping;
    state.quantity = quantity;
    return state;
}

bool trainSteps(TrainingState& state, const RfDataset& dataset, const TrainingSettings& settings, const TrainingProgress& progress,
                const CancelPoll& cancelled, LatencyRecorder* recorder)
{
    if (dataset.train.empty())
        throw ArgumentError("dataset: " + dataset.source + " has no training spectra");
    if (state.field.frequencies != dataset.frequencies)
        throw ArgumentError("checkpoint: the field renders " + std::to_string(state.field.frequencies) + " frequencies, the dataset holds "
                            + std::to_string(dataset.frequencies));
    RenderSettings render{state.mapping, state.quantity};
    render.binBy3SigmaRadius = settings.binBy3SigmaRadius;
    render.scalarComposite = settings.scalarComposite;
#if LS_HAS_CUDA
    const std::unique_ptr<SplatRendererCuda> gpu = settings.cudaDevice >= 0 ? std::make_unique<SplatRendererCuda>(settings.cudaDevice) : nullptr;
#else
    if (settings.cudaDevice >= 0)
        throw ArgumentError("device: this build has no CUDA path; train on the CPU");
#endif
    if (settings.batch < 1)
        throw ArgumentError("batch: " + std::to_string(settings.batch) + " spectra per step; at least 1");
    const int batchSize = settings.batch;
    // One render composites every spectrum of the batch at every frequency: the passes keep that many maps per pixel.
#if LS_HAS_CUDA
    const int mapLimit = settings.cudaDevice >= 0 ? kCudaMaxOutputs / 2 : kMaxFrequenciesPerField;
#else
    const int mapLimit = kMaxFrequenciesPerField;
#endif
    if (batchSize * state.field.frequencies > mapLimit)
        throw ArgumentError("batch: " + std::to_string(batchSize) + " spectra of " + std::to_string(state.field.frequencies) + " frequencies are "
                            + std::to_string(batchSize * state.field.frequencies) + " maps per step; one step composites at most "
                            + std::to_string(mapLimit) + (settings.cudaDevice >= 0 ? " on a GPU" : "") + " - lower the batch");
    Collective* const collective = settings.collective && settings.collective->distributed() ? settings.collective : nullptr;
    const int ranks = collective ? collective->size() : 1, rank = collective ? collective->rank() : 0;
    if (collective && batchSize < ranks)
        throw ArgumentError("batch: " + std::to_string(batchSize) + " spectra per step cannot be shared by " + std::to_string(ranks)
                            + " ranks; give each rank at least one (batch >= ranks)");
    if (collective && settings.densify.enabled && settings.cudaDevice >= 0)
        throw ArgumentError("densify: densification over several GPU ranks is not supported yet (its statistics need the summed "
                            "screen-space gradients, which the GPU backward keeps on the device); train on CPU ranks, or without densification");
    if (settings.confidence && !state.confidence.enabled()) {
        state.confidence = initialConfidenceNetwork(kConfidenceHidden, settings.seed);
        state.confidenceFirst = state.confidence.zerosLike();
        state.confidenceSecond = state.confidence.zerosLike();
        state.curveConfidence.resize(state.curveStep.size(), 1.0f); // steps trained before it: unweighted, C = 1
    }
    const bool weighted = settings.confidence;
    const int height = state.mapping.height, width = state.mapping.width;
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    double windowLoss = 0, windowSsim = 0, windowConfidence = 0;
    StepBuffers& kept = state.buffers;
    std::vector<LossWorkspace>& lossWorkspaces = kept.lossWorkspaces;
    std::vector<LossTerms>& mapLosses = kept.mapLosses;
    std::vector<float>& spectrumGradient = kept.spectrumGradient;
    int windowCount = 0;
    while (state.step < settings.iterations) {
        bool stop = cancelled && cancelled();
        if (collective) { // every rank stops at the same step, or the others would wait for it forever
            double stopping = stop ? 1 : 0;
            collective->sumInPlace(std::span<double>(&stopping, 1));
            stop = stopping > 0;
        }
        if (stop)
            return false;
        // The step's whole batch is drawn the same on every rank; this rank takes its share of it.
        std::vector<const SpectrumSample*> batch;
        std::vector<std::array<float, 3>> movingEnds;
        for (int b = 0; b < batchSize; ++b)
            if (b % ranks == rank) {
                batch.push_back(&dataset.samples[sampleForDraw(dataset, settings.seed, state.step * batchSize + b)]);
                movingEnds.push_back(batch.back()->movingEnd);
            }
        const int localBatch = static_cast<int>(batch.size());
        LatencyRecorder* timed = recorder && state.step % settings.curveEvery == 0 ? recorder : nullptr;
        std::optional<OptionalStage> stepStage(std::in_place, timed, "training step");
        RenderResult& rendered = kept.rendered;
#if LS_HAS_CUDA
        if (gpu) {
            {
                OptionalStage upload(timed, "upload");
                gpu->upload(state.field); // the field changes every step
            }
            rendered = gpu->render(state.receiver, movingEnds, render, timed, RenderDownload::ForTraining);
        } else
#endif
            renderCpuInto(state.field, state.receiver, movingEnds, render, rendered, timed);
        std::optional<OptionalStage> lossStage(std::in_place, timed, "loss");
        // The loss of each [H, W] map (a frequency of a spectrum in the batch), averaged over all of them.
        // The maps are independent, so they are scored in parallel and summed in map order after.
        // Every map's loss and gradient is divided by the whole batch's map count, on each rank.
        const int frequencies = state.field.frequencies, maps = batchSize * frequencies, localMaps = localBatch * frequencies;
        spectrumGradient.resize(rendered.spectrum.size());
        mapLosses.resize(static_cast<std::size_t>(localMaps));
        const int lossWorkers = parallelWorkers(mapLosses.size());
        if (lossWorkspaces.size() < static_cast<std::size_t>(lossWorkers))
            lossWorkspaces.resize(static_cast<std::size_t>(lossWorkers));
        parallelFor(mapLosses.size(), lossWorkers, [&](std::size_t begin, std::size_t end, int worker) {
            for (std::size_t map = begin; map < end; ++map) {
                const float* measured = batch[map / frequencies]->spectrum.data() + (map % frequencies) * pixels;
                mapLosses[map] = spectrumLossInto(rendered.spectrum.data() + map * pixels, measured, height, width, settings.ssimWeight,
                                                  static_cast<float>(maps), spectrumGradient.data() + map * pixels, lossWorkspaces[worker]);
            }
        });
        double loss = 0, ssimValue = 0;
        for (const LossTerms& terms : mapLosses) {
            loss += terms.loss / maps;
            ssimValue += terms.ssim / maps;
        }
        lossStage.reset();
        std::optional<OptionalStage> backwardStage(std::in_place, timed, "backward");
        std::vector<float>& centreGradientNorms = kept.centreGradientNorms;
        centreGradientNorms.clear();
        std::vector<double>& channelGradient = kept.channelGradient;
        channelGradientsInto(rendered, spectrumGradient, localMaps, state.quantity, channelGradient);
        std::vector<float>* norms = settings.densify.enabled ? &centreGradientNorms : nullptr;
        bool summedOnDevice = false; // by NCCL, between the ranks' GPUs
        GaussianField& gradients = kept.gradients;
        [&] {
#if LS_HAS_CUDA
            if (gpu) {
                gradients = gpu->backwardField(channelGradient, norms, timed, collective, &summedOnDevice);
                return;
            }
#endif
            const CompositeGradients& composite =
                compositeBackwardCpuInto(render, localBatch * state.field.outputs(), rendered.state, channelGradient, kept.compositeParts);
            if (collective && norms) {
                // Densification reads |screen-space gradient| summed over the whole batch: sum the
                // ranks' parts before taking norms, as one process would.
                std::vector<double> centre = composite.centre;
                collective->sumInPlace(centre);
                norms->resize(state.field.count());
                for (std::size_t g = 0; g < state.field.count(); ++g)
                    (*norms)[g] = static_cast<float>(std::hypot(centre[g * 2], centre[g * 2 + 1]));
                backwardFromCompositeInto(state.field, state.receiver, movingEnds, render, rendered.state, composite, nullptr, gradients);
                return;
            }
            backwardFromCompositeInto(state.field, state.receiver, movingEnds, render, rendered.state, composite, norms, gradients);
        }();
        if (collective) {
            // The field's gradient, the loss and the SSIM, summed over the ranks (in double, so the
            // parts round to float once, as one process's sum does).
            auto arrays = gradients.parameterArrays();
            std::vector<double> summed;
            if (!summedOnDevice)
                for (const auto& [name, array] : arrays)
                    summed.insert(summed.end(), array->begin(), array->end());
            summed.push_back(loss);
            summed.push_back(ssimValue);
            collective->sumInPlace(summed);
            std::size_t at = 0;
            if (!summedOnDevice)
                for (const auto& [name, array] : arrays)
                    for (float& value : *array)
                        value = static_cast<float>(summed[at++]);
            loss = summed[at];
            ssimValue = summed[at + 1];
        }
        double confidence = 1; // the loss's weight C (1: unweighted)
        ConfidenceNetwork confidenceGradient;
        if (weighted) {
            // The whole step's loss (summed over the ranks above), so every rank weights alike.
            ConfidenceStep weighting = confidenceStep(state.confidence, state.receiver.position, loss, settings.confidenceAlpha);
            confidence = weighting.confidence;
            confidenceGradient = std::move(weighting.gradient);
            const float factor = static_cast<float>(confidence);
            for (const auto& [name, array] : gradients.parameterArrays())
                for (float& value : *array)
                    value *= factor;
            for (float& norm : centreGradientNorms) // the reference densifies on the weighted loss's gradients
                norm *= factor;
        }
        if (settings.densify.enabled)
            state.densifyStatistics.add(centreGradientNorms, rendered.state.radius);

        backwardStage.reset();
        {
            OptionalStage adamStage(timed, "adam");
            ++state.step;
            const double correction1 = 1 - std::pow(kBeta1, static_cast<double>(state.step));
            const double correction2 = 1 - std::pow(kBeta2, static_cast<double>(state.step));
            auto adam = [&](std::vector<float>& values, std::vector<float>& m, std::vector<float>& v, const std::vector<float>& g, double rate) {
                // Element by element, so splitting the array over the workers changes no value; the
                // MLP groups hold about 200 values per Gaussian, a tenth of a step on one thread.
                parallelFor(values.size(), parallelWorkers(values.size() / kAdamValuesPerWorker), [&](std::size_t begin, std::size_t end, int) {
                    for (std::size_t i = begin; i < end; ++i) {
                        m[i] = static_cast<float>(kBeta1 * m[i] + (1 - kBeta1) * g[i]);
                        v[i] = static_cast<float>(kBeta2 * v[i] + (1 - kBeta2) * static_cast<double>(g[i]) * g[i]);
                        values[i] -= static_cast<float>(rate * (m[i] / correction1) / (std::sqrt(v[i] / correction2) + kAdamEpsilon));
                    }
                });
            };
            auto parameters = state.field.parameterArrays();
            auto firsts = state.firstMoment.parameterArrays();
            auto seconds = state.secondMoment.parameterArrays();
            const auto grads = gradients.parameterArrays();
            for (std::size_t group = 0; group < parameters.size(); ++group)
                adam(*parameters[group].second, *firsts[group].second, *seconds[group].second, *grads[group].second,
                     learningRate(parameters[group].first, settings.rates, state.step, settings.iterations));
            if (weighted) {
                auto network = state.confidence.parameterArrays();
                auto networkFirsts = state.confidenceFirst.parameterArrays();
                auto networkSeconds = state.confidenceSecond.parameterArrays();
                const auto networkGrads = std::as_const(confidenceGradient).parameterArrays();
                for (std::size_t group = 0; group < network.size(); ++group)
                    adam(*network[group].second, *networkFirsts[group].second, *networkSeconds[group].second, *networkGrads[group].second,
                         learningRate("confidence_" + network[group].first, settings.rates, state.step, settings.iterations));
            }
        }
        if (densifiesAt(settings.densify, state.step, settings.iterations)) {
            OptionalStage densifyStage(recorder, "densify");
            const DensifyTally tally = densifyAndPrune(state.field, state.firstMoment, state.secondMoment, state.densifyStatistics, settings.densify,
                                                       rng::mix64(settings.seed) ^ static_cast<std::uint64_t>(state.step));
            state.densified.cloned += tally.cloned;
            state.densified.split += tally.split;
            state.densified.pruned += tally.pruned;
        }
        if (resetsOpacityAt(settings.densify, state.step, settings.iterations)) {
            OptionalStage resetStage(recorder, "opacity reset");
            resetOpacities(state.field, state.firstMoment, state.secondMoment, settings.densify.resetOpacity);
        }
        stepStage.reset();
        windowLoss += loss;
        windowSsim += ssimValue;
        windowConfidence += confidence;
        ++windowCount;
        if (windowCount == settings.curveEvery || state.step == settings.iterations) {
            state.curveStep.push_back(static_cast<float>(state.step));
            state.curveLoss.push_back(static_cast<float>(windowLoss / windowCount));
            state.curveSsim.push_back(static_cast<float>(windowSsim / windowCount));
            state.curveGaussians.push_back(static_cast<float>(state.field.count()));
            if (weighted || !state.curveConfidence.empty())
                state.curveConfidence.push_back(static_cast<float>(windowConfidence / windowCount));
            if (progress)
                progress(state.step, settings.iterations, windowLoss / windowCount, windowSsim / windowCount);
            windowLoss = windowSsim = windowConfidence = 0;
            windowCount = 0;
        }
    }
    return true;
}

NpzArchive checkpointToNpz(const TrainingState& state)
{
    NpzArchive archive = fieldToNpz(state.field);
    for (const auto& [prefix, moments] : {std::pair{"adam_m_", &state.firstMoment}, std::pair{"adam_v_", &state.secondMoment}}) {
        const NpzArchive shaped = fieldToNpz(*moments);
        for (const auto& [name, array] : moments->parameterArrays())
            archive[prefix + name] = shaped.at(name);
    }
    const std::int64_t step = state.step;
    archive["step"] = NpyArray::from<std::int64_t>({1}, std::span(&step, 1));
    const std::vector<float> position(state.receiver.position.begin(), state.receiver.position.end());
    const std::vector<float> orientation(state.receiver.orientation.begin(), state.receiver.orientation.end());
    archive["receiver_position"] = NpyArray::from<float>({3}, position);
    archive["receiver_orientation_wxyz"] = NpyArray::from<float>({4}, orientation);
    // The same pose bit for bit (float64 bit patterns): a resumed run must project exactly as before.
    std::int64_t poseBits[7];
    std::memcpy(poseBits, state.receiver.position.data(), 3 * sizeof(double));
    std::memcpy(poseBits + 3, state.receiver.orientation.data(), 4 * sizeof(double));
    archive["receiver_pose_float64_bits"] = NpyArray::from<std::int64_t>({7}, poseBits);
    const std::int32_t map[2] = {state.mapping.height, state.mapping.width};
    archive["map_height_width"] = NpyArray::from<std::int32_t>({2}, map);
    const std::int32_t quantity = state.quantity == SpectrumQuantity::Magnitude ? 0 : 1;
    archive["spectrum_is_real_part"] = NpyArray::from<std::int32_t>({1}, std::span(&quantity, 1));
    archive["curve_step"] = NpyArray::from<float>({static_cast<std::int64_t>(state.curveStep.size())}, state.curveStep);
    archive["curve_loss"] = NpyArray::from<float>({static_cast<std::int64_t>(state.curveLoss.size())}, state.curveLoss);
    archive["curve_ssim"] = NpyArray::from<float>({static_cast<std::int64_t>(state.curveSsim.size())}, state.curveSsim);
    archive["curve_gaussians"] = NpyArray::from<float>({static_cast<std::int64_t>(state.curveGaussians.size())}, state.curveGaussians);
    // Densification's running statistics and totals: a resumed run densifies exactly as an unbroken one.
    const auto& statistics = state.densifyStatistics;
    archive["densify_gradient_sum"] = NpyArray::from<float>({static_cast<std::int64_t>(statistics.gradientSum.size())}, statistics.gradientSum);
    archive["densify_drawn_count"] = NpyArray::from<float>({static_cast<std::int64_t>(statistics.drawnCount.size())}, statistics.drawnCount);
    const std::int64_t totals[3] = {static_cast<std::int64_t>(state.densified.cloned), static_cast<std::int64_t>(state.densified.split),
                                    static_cast<std::int64_t>(state.densified.pruned)};
    archive["densify_cloned_split_pruned"] = NpyArray::from<std::int64_t>({3}, totals);
    if (state.confidence.enabled()) {
        const std::int64_t hidden = state.confidence.hidden;
        for (const auto& [prefix, network] : {std::pair{"confidence_", &state.confidence}, std::pair{"adam_m_confidence_", &state.confidenceFirst},
                                              std::pair{"adam_v_confidence_", &state.confidenceSecond}})
            for (const auto& [name, array] : network->parameterArrays()) {
                const std::vector<std::int64_t> shape = name == "w1" ? std::vector<std::int64_t>{hidden, 3}
                                                        : name == "b2" ? std::vector<std::int64_t>{1}
                                                                       : std::vector<std::int64_t>{hidden};
                archive[prefix + name] = NpyArray::from<float>(shape, *array);
            }
        archive["curve_confidence"] = NpyArray::from<float>({static_cast<std::int64_t>(state.curveConfidence.size())}, state.curveConfidence);
    }
    return archive;
}

TrainingState checkpointFromNpz(const NpzArchive& archive, const std::string& source)
{
    auto member = [&](const std::string& name, std::size_t expected) {
        const auto found = archive.find(name);
        if (found == archive.end())
            throw FormatError(source, "no '" + name + "' array: not a GSpaRC checkpoint (written by gsparc-train)");
        auto values = found->second.toFloat();
        if (expected && values.size() != expected)
            throw FormatError(source, "'" + name + "' holds " + std::to_string(values.size()) + " values; " + std::to_string(expected) + " expected");
        return values;
    };
    TrainingState state;
    state.field = fieldFromNpz(archive, source);
    for (const auto& [prefix, moments] : {std::pair{"adam_m_", &state.firstMoment}, std::pair{"adam_v_", &state.secondMoment}}) {
        *moments = state.field.zerosLike();
        for (auto& [name, array] : moments->parameterArrays())
            if (archive.count(prefix + name)) // a field without moments (exported) resumes with fresh ones
                *array = member(prefix + name, array->size());
    }
    const auto stepArray = archive.find("step");
    if (stepArray != archive.end()) {
        const auto step = stepArray->second.view<std::int64_t>(source + " step");
        if (step.size() != 1 || step[0] < 0)
            throw FormatError(source, "'step' must hold one count ≥ 0");
        state.step = static_cast<long>(step[0]);
    }
    const auto position = member("receiver_position", 3), orientation = member("receiver_orientation_wxyz", 4);
    std::copy(position.begin(), position.end(), state.receiver.position.begin());
    std::copy(orientation.begin(), orientation.end(), state.receiver.orientation.begin());
    if (const auto bits = archive.find("receiver_pose_float64_bits"); bits != archive.end()) {
        const auto words = bits->second.view<std::int64_t>(source + " receiver_pose_float64_bits");
        if (words.size() != 7)
            throw FormatError(source, "receiver_pose_float64_bits must hold 7 values (position, orientation w x y z)");
        std::memcpy(state.receiver.position.data(), words.data(), 3 * sizeof(double));
        std::memcpy(state.receiver.orientation.data(), words.data() + 3, 4 * sizeof(double));
    }
    const auto map = member("map_height_width", 2);
    if (!(map[1] >= 16 && map[1] <= 4096 && map[0] >= 4 && map[0] <= 1024)) // the scene limits; checked as floats, before any cast
        throw FormatError(source, "map_height_width is " + std::to_string(map[0]) + "×" + std::to_string(map[1]) +
                                      "; expected height 4 … 1024 and width 16 … 4096");
    state.mapping = {static_cast<int>(map[1]), static_cast<int>(map[0])};
    state.quantity = member("spectrum_is_real_part", 1)[0] != 0 ? SpectrumQuantity::RealPart : SpectrumQuantity::Magnitude;
    if (archive.count("curve_step")) {
        state.curveStep = member("curve_step", 0);
        state.curveLoss = member("curve_loss", state.curveStep.size());
        state.curveSsim = member("curve_ssim", state.curveStep.size());
        state.curveGaussians = archive.count("curve_gaussians") ? member("curve_gaussians", state.curveStep.size())
                                                                : std::vector<float>(state.curveStep.size(), static_cast<float>(state.field.count()));
    }
    if (archive.count("densify_gradient_sum")) {
        const std::size_t n = state.field.count();
        const auto sums = member("densify_gradient_sum", 0);
        const auto counts = member("densify_drawn_count", sums.size());
        if (!sums.empty() && sums.size() != n)
            throw FormatError(source, "densify_gradient_sum holds " + std::to_string(sums.size()) + " values for " + std::to_string(n) + " Gaussians");
        state.densifyStatistics.gradientSum = sums;
        state.densifyStatistics.drawnCount = counts;
        const auto found = archive.find("densify_cloned_split_pruned");
        if (found == archive.end())
            throw FormatError(source, "densify_gradient_sum without densify_cloned_split_pruned");
        const auto totals = found->second.view<std::int64_t>(source + " densify_cloned_split_pruned");
        if (totals.size() != 3 || totals[0] < 0 || totals[1] < 0 || totals[2] < 0)
            throw FormatError(source, "densify_cloned_split_pruned must hold 3 counts (cloned, split, pruned)");
        state.densified = {static_cast<std::size_t>(totals[0]), static_cast<std::size_t>(totals[1]), static_cast<std::size_t>(totals[2])};
    }
    if (archive.count("confidence_b1")) {
        // The network's width from its first bias, checked before the other arrays are sized by it.
        const std::size_t hidden = member("confidence_b1", 0).size();
        if (hidden < 1 || hidden > 1024)
            throw FormatError(source, "confidence_b1 holds " + std::to_string(hidden) + " values; a confidence network has 1 … 1024 hidden units");
        state.confidence.hidden = static_cast<int>(hidden);
        for (const auto& [prefix, network] : {std::pair{"confidence_", &state.confidence}, std::pair{"adam_m_confidence_", &state.confidenceFirst},
                                              std::pair{"adam_v_confidence_", &state.confidenceSecond}}) {
            network->hidden = static_cast<int>(hidden);
            for (auto& [name, array] : network->parameterArrays()) {
                *array = member(prefix + name, name == "w1" ? hidden * 3 : name == "b2" ? 1 : hidden);
                for (float value : *array)
                    if (!std::isfinite(value)) // a NaN here would turn every gradient of the run into NaN
                        throw FormatError(source, prefix + name + " holds a non-finite value (NaN or infinity)");
            }
        }
        state.curveConfidence = member("curve_confidence", 0);
        if (state.curveConfidence.size() != state.curveStep.size()) // one point per curve step, none without curves
            throw FormatError(source, "curve_confidence holds " + std::to_string(state.curveConfidence.size()) + " points for "
                                          + std::to_string(state.curveStep.size()) + " curve steps");
    }
    return state;
}

} // namespace ls::rf
