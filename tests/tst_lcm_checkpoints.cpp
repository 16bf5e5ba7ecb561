// Latent consistency checkpoints and the engines built on them: a checkpoint written, read back
// and resumed ends bit-identical to an uninterrupted training; malformed checkpoints are named
// with file and member; lcm-train (with cancel and resume), lcm-sample and lcm-eval end to end.
#include "TestSupport.h"
#include "engine/consistency/FashionMnist.h"
#include "engine/consistency/FeatureNetwork.h"
#include "engine/consistency/LatentConsistencyEngine.h"
#include "engine/consistency/LatentModels.h"
#include "engine/consistency/SamplerComparison.h"
#include "engine/consistency/Sampling.h"
#include "engine/consistency/LatentTraining.h"
#include "engine/core/Device.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/Error.h"
#include "engine/core/Npz.h"

#include <QTemporaryDir>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

using namespace ls;
using namespace ls::consistency;

// How trainTiny trains (outside the class: a nested struct's default member initialisers cannot serve
// as a default argument inside it).
struct TinyOptions {
    int denoiserThreads = 2;
    bool cosineRate = true;
    LatencyRecorder* timings = nullptr; // where the stages go (else nowhere)
    int autoencoderSteps = 20;
    int batch = 32;
    std::string cancelAt = "training iteration 50 "; // the progress message after which a checkpointed run is cancelled
};

class TestLcmCheckpoints : public QObject {
    Q_OBJECT
    // A tiny model trained for `iterations` in all; with `checkpoint`, the training is cancelled at
    // iteration 50, written there, read back and resumed.
    static LatentModels trainTiny(const LatentModelSpec& spec, std::int64_t iterations, const std::filesystem::path* checkpoint,
                                  TinyOptions options = {})
    {
        const ImageSet train = loadFashionMnist(Split::Train, spec.trainImages), test = loadFashionMnist(Split::Test, 200);
        TrainingSettings settings;
        settings.batch = options.batch;
        settings.classifierSteps = 20;
        settings.autoencoderSteps = options.autoencoderSteps;
        settings.iterations = iterations;
        settings.keepOnCancel = true;
        settings.denoiserThreads = options.denoiserThreads;
        settings.cosineDecay = options.cosineRate;
        const DeviceInfo cpu = cpuDevice();
        LatencyRecorder ownRecorder;
        LatencyRecorder& recorder = options.timings ? *options.timings : ownRecorder;
        std::atomic<bool> cancel{false};
        RunContext context(cpu, recorder, [&](double, const std::string& message) {
            cancel = checkpoint && (cancel || message.starts_with(options.cancelAt));
        }, &cancel);
        LatentModels models(spec);
        const TrainingRecord record = trainLatentModels(models, train, test, settings, context, 1.0);
        if (!checkpoint)
            return models;
        if (!record.stoppedEarly || models.consistencyIterations != 51)
            throw std::runtime_error("the cancel did not stop the training at iteration 51");
        writeNpz(*checkpoint, checkpointArchive(models));
        LatentModels resumed = loadCheckpoint(*checkpoint);
        cancel = false;
        RunContext again(cpu, recorder, {}, &cancel);
        trainLatentModels(resumed, train, test, settings, again, 1.0);
        return resumed;
    }

    static bool sameValues(const std::vector<Parameter*>& a, const std::vector<Parameter*>& b)
    {
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i]->value != b[i]->value)
                return false;
        return !a.empty() && a.size() == b.size();
    }

    static LatentModelSpec tinySpec()
    {
        LatentModelSpec spec;
        spec.latent = 4;
        spec.autoencoderHidden = 32;
        spec.hidden = 16;
        spec.blocks = 1;
        spec.trainImages = 512;
        spec.averageDecay = 0.99;
        spec.seed = static_cast<std::uint64_t>(test::uniformInt(0, 100000));
        return spec;
    }

private slots:
    void checkpointResumesExactlyWhereTrainingStopped()
    {
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        QTemporaryDir folder;
        const LatentModelSpec spec = tinySpec();
        const std::int64_t total = test::uniformInt(60, 90);
        const std::filesystem::path file = folder.filePath("half.npz").toStdString();
        const TinyOptions options{.cosineRate = test::uniformInt(0, 1) == 1}; // either schedule, the same for a run and its resumed twin
        LatentModels straight = trainTiny(spec, total, nullptr, options);
        LatentModels resumed = trainTiny(spec, total, &file, options);
        QCOMPARE(resumed.consistencyIterations, total);
        QCOMPARE(resumed.diffusionIterations, total);
        // Iteration k of the resumed run drew the batch and noise of iteration k of the straight one,
        // with the same Adam moments and the same curriculum: every tensor is equal, bit for bit.
        auto same = sameValues;
        QVERIFY(same(straight.classifier.parameters(), resumed.classifier.parameters()));
        QVERIFY(same(straight.autoencoder.parameters(), resumed.autoencoder.parameters()));
        QVERIFY(same(straight.diffusion.parameters(), resumed.diffusion.parameters()));
        QVERIFY(same(straight.consistency.parameters(), resumed.consistency.parameters()));
        QCOMPARE(resumed.consistencyOptimiser.steps, long(total));
        QVERIFY(!resumed.consistencyAverage.empty());
        QVERIFY(straight.consistencyAverage == resumed.consistencyAverage); // the weight averages went on too
        QVERIFY(straight.diffusionAverage == resumed.diffusionAverage);
        QVERIFY(!(resumed.consistencyAverage.back() == resumed.consistency.parameters().back()->value)); // an average, not a copy
        QCOMPARE(resumed.latentStatistics.mean, straight.latentStatistics.mean);

        // ...and a checkpoint read back equals what was written, tensor for tensor.
        writeNpz(file, checkpointArchive(resumed));
        LatentModels again = loadCheckpoint(file);
        QVERIFY(same(again.consistency.parameters(), resumed.consistency.parameters()));
        QVERIFY(same(again.diffusion.parameters(), resumed.diffusion.parameters()));
        QVERIFY(again.consistencyAverage == resumed.consistencyAverage);
        QCOMPARE(again.consistencyOptimiser.first.size(), resumed.consistencyOptimiser.first.size());
        QVERIFY(again.consistencyOptimiser.second.back() == resumed.consistencyOptimiser.second.back());
        QCOMPARE(again.spec.recipe.distance, resumed.spec.recipe.distance);
        QCOMPARE(again.plannedIterations, total);
        QCOMPARE(again.cosineRate, options.cosineRate);
    }

    // The consistency model and the baseline train side by side on two threads: the same weights, bit
    // for bit, as one after the other, and the baseline's stages on the timeline's second CPU lane.
    void denoisersTrainSideBySideWithTheSameResult()
    {
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        const LatentModelSpec spec = tinySpec();
        const std::int64_t total = test::uniformInt(20, 40);
        LatencyRecorder sequentialTimes, concurrentTimes;
        LatentModels sequential = trainTiny(spec, total, nullptr, {.denoiserThreads = 1, .timings = &sequentialTimes});
        LatentModels concurrent = trainTiny(spec, total, nullptr, {.denoiserThreads = 2, .timings = &concurrentTimes});
        QVERIFY(sameValues(sequential.consistency.parameters(), concurrent.consistency.parameters()));
        QVERIFY(sameValues(sequential.diffusion.parameters(), concurrent.diffusion.parameters()));
        QVERIFY(sequential.diffusionAverage == concurrent.diffusionAverage);
        QCOMPARE(concurrent.consistencyIterations, total);

        auto lanesOf = [](LatencyRecorder& recorder, const std::string& stage) {
            std::set<std::string> lanes;
            std::size_t count = 0;
            for (const StageSample& sample : recorder.record().samples)
                if (sample.path == stage) {
                    lanes.insert(sample.lane);
                    ++count;
                }
            return std::pair{lanes, count};
        };
        QCOMPARE(lanesOf(sequentialTimes, "diffusion training"), std::pair(std::set<std::string>{"cpu"}, std::size_t(total)));
        QCOMPARE(lanesOf(concurrentTimes, "consistency training"), std::pair(std::set<std::string>{"cpu"}, std::size_t(total)));
        if (std::thread::hardware_concurrency() < 2)
            QSKIP("one hardware thread: the denoisers took turns (the weights above were still compared)");
        QCOMPARE(lanesOf(concurrentTimes, "diffusion training"), std::pair(std::set<std::string>{"cpu 2"}, std::size_t(total)));
    }

    // The cosine schedule starts at the rate, halves it half-way, nearly stops at the end, and
    // changes what training does (the weights differ from a constant rate's).
    void cosineRateScheduleIsApplied()
    {
        TrainingSettings settings;
        settings.cosineDecay = true;
        const std::int64_t total = test::uniformInt(100, 10000);
        QCOMPARE(denoiserLearningRate(settings, 0, total), settings.learningRate);
        QVERIFY(std::abs(denoiserLearningRate(settings, total / 2, total) - settings.learningRate / 2) < 0.01f * settings.learningRate);
        QVERIFY(denoiserLearningRate(settings, total - 1, total) < 1e-3f * settings.learningRate);
        settings.cosineDecay = false;
        QCOMPARE(denoiserLearningRate(settings, total - 1, total), settings.learningRate);
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        const LatentModelSpec spec = tinySpec();
        LatentModels cosine = trainTiny(spec, 30, nullptr, {.cosineRate = true});
        LatentModels constant = trainTiny(spec, 30, nullptr, {.cosineRate = false});
        QVERIFY(cosine.cosineRate && !constant.cosineRate);
        QVERIFY(!sameValues(cosine.consistency.parameters(), constant.consistency.parameters()));
        QVERIFY(!sameValues(cosine.diffusion.parameters(), constant.diffusion.parameters()));
    }

    void badCheckpointsAreNamed()
    {
        LatentModelSpec spec = tinySpec();
        LatentModels models(spec);
        models.latentStatistics = latentStatistics(normalNoise(64, spec.latent, spec.seed, 3));
        const NpzArchive good = checkpointArchive(models);
        QVERIFY(modelsFromCheckpoint(good, "ok.npz").consistency.parameters().front()->value ==
                models.consistency.parameters().front()->value);
        auto problemOf = [](const NpzArchive& archive) {
            try {
                modelsFromCheckpoint(archive, "ckpt.npz");
            } catch (const FormatError& error) {
                return std::string(error.what());
            }
            return std::string("accepted");
        };
        NpzArchive missing = good;
        missing.erase("consistency/denoiser.output.weight");
        QVERIFY2(problemOf(missing).find("ckpt.npz") != std::string::npos &&
                     problemOf(missing).find("consistency/denoiser.output.weight") != std::string::npos,
                 problemOf(missing).c_str());
        NpzArchive reshaped = good;
        reshaped["diffusion/denoiser.input.bias"] = NpyArray::from<float>({3}, std::vector<float>{1, 2, 3});
        QVERIFY2(problemOf(reshaped).find("diffusion/denoiser.input.bias") != std::string::npos, problemOf(reshaped).c_str());
        NpzArchive poisoned = good;
        std::vector<float> nan(static_cast<std::size_t>(spec.latent), std::nanf(""));
        poisoned["latents/std"] = NpyArray::from<float>({spec.latent}, nan);
        QVERIFY2(problemOf(poisoned).find("latents/std") != std::string::npos, problemOf(poisoned).c_str());
        // `good` with its checkpoint.json replaced by this text.
        auto withMetaText = [&](const std::string& text) {
            NpzArchive archive = good;
            archive["checkpoint.json"] = NpyArray::from<std::uint8_t>({static_cast<std::int64_t>(text.size())},
                                                                      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
            return archive;
        };
        const NpzArchive foreign = withMetaText(R"({"format": "something else"})");
        QVERIFY2(problemOf(foreign).find("not a latent consistency checkpoint") != std::string::npos, problemOf(foreign).c_str());
        QVERIFY2(problemOf({}).find("checkpoint.json") != std::string::npos, problemOf({}).c_str());
        // A learning-rate schedule the trainer does not know is refused, by name; a checkpoint
        // without one (written before the cosine schedule) trained at a constant rate.
        const auto metaBytes = good.at("checkpoint.json").view<std::uint8_t>();
        nlohmann::json meta = nlohmann::json::parse(std::string(metaBytes.begin(), metaBytes.end()));
        auto withMeta = [&](const nlohmann::json& changed) { return withMetaText(changed.dump()); };
        meta["rateSchedule"] = "linear";
        QVERIFY2(problemOf(withMeta(meta)).find("rateSchedule") != std::string::npos, problemOf(withMeta(meta)).c_str());
        meta["rateSchedule"] = "cosine";
        QVERIFY(modelsFromCheckpoint(withMeta(meta), "ok.npz").cosineRate);
        meta.erase("rateSchedule");
        QVERIFY(!modelsFromCheckpoint(withMeta(meta), "ok.npz").cosineRate);
        // Searched noise levels that do not fall below the 2-step τ are refused, by name.
        models.twoStepTau = 1.5;
        models.laterTaus = {0.4, 0.9};
        QVERIFY2(problemOf(checkpointArchive(models)).find("laterTaus") != std::string::npos, problemOf(checkpointArchive(models)).c_str());
        models.laterTaus = {0.4, 0.1};
        QCOMPARE(modelsFromCheckpoint(checkpointArchive(models), "ok.npz").laterTaus, models.laterTaus);
    }

    void distillationLearnsTheTeachersOdeMap()
    {
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        // Consistency distillation learns the teacher's map from noise at σ_max to the end of its
        // probability-flow ODE: 1-step samples land near what 40 Heun steps of the trained diffusion
        // model reach from the same noise, much nearer than the untrained network's.
        LatentModelSpec spec = tinySpec();
        spec.averageDecay = 0;
        spec.hidden = 32;
        spec.recipe.distillation = true;
        spec.recipe.distillationLevels = 18;
        const LatentModels untrained(spec);
        LatentModels models = trainTiny(spec, 800, nullptr);
        QCOMPARE(models.diffusionIterations, std::int64_t{800});
        QCOMPARE(models.consistencyIterations, std::int64_t{800});
        Denoiser teacher = models.samplingDiffusion(), student = models.samplingConsistency();
        LatentModels fresh(spec);
        const Matrix target = sampleDiffusion(teacher, 256, 40, true, 9);
        const double distilled = (sampleConsistency(student, 256, {}, 9) - target).rowwise().norm().mean();
        const double initial = (sampleConsistency(fresh.consistency, 256, {}, 9) - target).rowwise().norm().mean();
        // Consistency training on the same batches (and the same diffusion baseline), for the log.
        LatentModelSpec trainedSpec = spec;
        trainedSpec.recipe.distillation = false;
        LatentModels trained = trainTiny(trainedSpec, 800, nullptr);
        Denoiser trainedStudent = trained.samplingConsistency();
        const double selfTrained = (sampleConsistency(trainedStudent, 256, {}, 9) - target).rowwise().norm().mean();
        qInfo("1-step samples from the 40-step Heun teacher's: %.4f distilled, %.4f trained, %.4f untrained", distilled, selfTrained, initial);
        // Measured over four seeds: distilled / untrained 0.31–0.50; consistency training came nearer
        // on one seed of the four, so only the first is asserted.
        QVERIFY2(distilled < 0.65 * initial, qPrintable(QString("%1 vs %2 (trained %3)").arg(distilled).arg(initial).arg(selfTrained)));

        // heunStep is Karras et al.'s step: the average of the slopes at both ends.
        Matrix x(3, spec.latent);
        for (Eigen::Index i = 0; i < x.size(); ++i)
            x.data()[i] = test::uniform(-2, 2);
        const std::vector<double> from{3.0, 1.0, 0.5}, to{2.0, 0.5, 0.2};
        const Matrix stepped = heunStep(teacher, x, from, to);
        for (Eigen::Index r = 0; r < 3; ++r) {
            const Matrix row = x.row(r);
            const Matrix slope = (row - teacher.forward(row, {from[r]})) / static_cast<float>(from[r]);
            const Matrix euler = row + static_cast<float>(to[r] - from[r]) * slope;
            const Matrix slopeTo = (euler - teacher.forward(euler, {to[r]})) / static_cast<float>(to[r]);
            const Matrix expected = row + static_cast<float>(0.5 * (to[r] - from[r])) * (slope + slopeTo);
            QVERIFY((stepped.row(r) - expected).cwiseAbs().maxCoeff() < 1e-4f);
        }
        // The mode and its grid survive a checkpoint.
        QTemporaryDir folder;
        const std::filesystem::path file = folder.filePath("distilled.npz").toStdString();
        writeNpz(file, checkpointArchive(models));
        const LatentModels read = loadCheckpoint(file);
        QVERIFY(read.spec.recipe.distillation);
        QCOMPARE(read.spec.recipe.distillationLevels, 18);
    }

    void distillationResumesExactly()
    {
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        // Cancelled in the distillation (after the teacher trained), written, read and resumed: the
        // same models as a run that was not interrupted, bit for bit.
        QTemporaryDir folder;
        LatentModelSpec spec = tinySpec();
        spec.recipe.distillation = true;
        const std::int64_t total = test::uniformInt(60, 90);
        const std::filesystem::path file = folder.filePath("half.npz").toStdString();
        TinyOptions options;
        options.cancelAt = "distillation iteration 50 ";
        LatentModels straight = trainTiny(spec, total, nullptr, options);
        LatentModels resumed = trainTiny(spec, total, &file, options);
        QCOMPARE(resumed.consistencyIterations, total);
        QCOMPARE(resumed.diffusionIterations, total);
        QVERIFY(sameValues(straight.diffusion.parameters(), resumed.diffusion.parameters()));
        QVERIFY(sameValues(straight.consistency.parameters(), resumed.consistency.parameters()));
    }

    void classConditionalSamplingFollowsTheClass()
    {
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        // Labels: balanced or one class; dropped at about the asked rate, the same on a rerun.
        QCOMPARE(sampleLabels(5, 10, -1), (std::vector<int>{0, 1, 2, 3, 4}));
        QCOMPARE(sampleLabels(3, 10, 7), (std::vector<int>{7, 7, 7}));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, sampleLabels(3, 10, 10));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, sampleLabels(3, 0, -1));
        std::vector<std::uint8_t> raw(4000);
        for (std::size_t i = 0; i < raw.size(); ++i)
            raw[i] = static_cast<std::uint8_t>(i % 10);
        const auto dropped = trainingLabels(raw, 0, 4000, 0.25, 3, 17);
        const auto droppedShare = static_cast<double>(std::count(dropped.begin(), dropped.end(), -1)) / 4000;
        QVERIFY2(std::abs(droppedShare - 0.25) < 0.03, qPrintable(QString::number(droppedShare)));
        QCOMPARE(trainingLabels(raw, 0, 4000, 0.25, 3, 17), dropped);
        QVERIFY(trainingLabels(raw, 0, 4000, 0.25, 3, 18) != dropped);
        for (std::size_t i = 0; i < dropped.size(); ++i)
            QVERIFY(dropped[i] == -1 || dropped[i] == raw[i]);

        LatentModelSpec spec = tinySpec();
        spec.latent = 16;
        spec.blocks = 2;
        spec.hidden = 128;
        spec.autoencoderHidden = 512;
        spec.averageDecay = 0;
        spec.trainImages = 4096;
        spec.classes = kClasses;
        spec.labelDropout = 0.2;
        TinyOptions options;
        options.autoencoderSteps = 300;
        options.batch = 128;
        LatentModels models = trainTiny(spec, 600, nullptr, options);

        // Guidance is the published combination of the unconditional and conditional outputs.
        Denoiser& net = models.consistency;
        Matrix x(6, spec.latent);
        for (Eigen::Index i = 0; i < x.size(); ++i)
            x.data()[i] = test::uniform(-1, 1);
        const std::vector<double> sigmas(6, 2.5);
        const std::vector<int> labels = sampleLabels(6, kClasses, -1);
        const Matrix u = net.forward(x, sigmas, {}), c = net.forward(x, sigmas, labels);
        QVERIFY(((c - u).cwiseAbs().maxCoeff()) > 1e-4); // the class embedding moves the output
        QVERIFY((guidedForward(net, x, sigmas, labels, 1.0) - c).cwiseAbs().maxCoeff() == 0);
        QVERIFY((guidedForward(net, x, sigmas, labels, 0.0) - u).cwiseAbs().maxCoeff() < 1e-6);
        QVERIFY((guidedForward(net, x, sigmas, labels, 2.5) - (u + 2.5f * (c - u))).cwiseAbs().maxCoeff() < 1e-5);

        // Samples asked for class k are classified as k by the fixed feature network far above chance
        // (0.1), and guidance makes them more so (1-step samples of this 600-iteration model: 0.25 at
        // w = 1 and 0.53 at w = 3 in one draw; sandals pass for sneakers at this size).
        FeatureClassifier judge = bundledFeatureNetwork();
        Denoiser sampler = models.samplingConsistency();
        auto classAccuracy = [&](double guidance) {
            int right = 0;
            for (int k = 0; k < kClasses; ++k) {
                const Matrix images = models.decode(sampleConsistency(sampler, 100, {}, 5, sampleLabels(100, kClasses, k), nullptr, guidance));
                const auto predicted = judge.predict(images);
                right += static_cast<int>(std::count(predicted.begin(), predicted.end(), k));
            }
            return right / (100.0 * kClasses);
        };
        const double plain = classAccuracy(1.0), guided = classAccuracy(3.0);
        qInfo("samples classified as their class: %.3f at guidance 1, %.3f at guidance 3", plain, guided);
        QVERIFY2(plain > 0.18, qPrintable(QString::number(plain)));
        QVERIFY2(guided > 0.3, qPrintable(QString::number(guided)));
        QVERIFY2(guided > plain, qPrintable(QString("%1 vs %2").arg(guided).arg(plain)));

        // The class and dropout survive a checkpoint; an unconditional checkpoint refuses a class.
        QTemporaryDir folder;
        const std::filesystem::path file = folder.filePath("conditional.npz").toStdString();
        writeNpz(file, checkpointArchive(models));
        const LatentModels read = loadCheckpoint(file);
        QCOMPARE(read.spec.classes, kClasses);
        QCOMPARE(read.spec.labelDropout, 0.2);
        LatentModelSpec plainSpec = spec;
        plainSpec.classes = 0;
        LatentModels unconditional(plainSpec);
        unconditional.latentStatistics = models.latentStatistics;
        const std::filesystem::path plainFile = folder.filePath("plain.npz").toStdString();
        writeNpz(plainFile, checkpointArchive(unconditional));
        LcmSampleEngine sample;
        RunRequest sampling;
        sampling.warmupRepeats = 0;
        sampling.parameters = defaultValues(sample.parameterSchema());
        sampling.parameters["checkpoint"] = plainFile.string();
        sampling.parameters["sampleClass"] = std::int64_t{3};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(sample, sampling));
        sampling.parameters["checkpoint"] = file.string();
        sampling.parameters["n"] = std::int64_t{8};
        sampling.parameters["guidance"] = 2.0;
        const CompletedRun threes = runEngine(sample, sampling);
        sampling.parameters["sampleClass"] = std::int64_t{5};
        const CompletedRun fives = runEngine(sample, sampling);
        QVERIFY(std::get<Grid>(threes.output.datasets.at(1).content).values != std::get<Grid>(fives.output.datasets.at(1).content).values);
    }

    void trainSampleAndEvaluateThroughCheckpoints()
    {
        if (!std::filesystem::exists(kFashionMnistFolder))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        QTemporaryDir folder;
        LcmTrainEngine train;
        RunRequest request;
        request.warmupRepeats = 0;
        request.parameters = defaultValues(train.parameterSchema());
        for (const auto& [key, value] : std::vector<std::pair<std::string, std::int64_t>>{
                 {"trainImages", 1024}, {"latent", 4}, {"autoencoderSteps", 30}, {"classifierSteps", 30}, {"iterations", 120},
                 {"batch", 32}, {"hidden", 32}, {"blocks", 1}, {"seed", test::uniformInt(0, 1000)}})
            request.parameters[key] = value;
        request.parameters["distance"] = std::string("pseudo-huber");

        // Cancel during the denoisers' training keeps what is trained, as a checkpoint that resumes.
        std::atomic<bool> cancel{false};
        const CompletedRun stopped = runEngine(train, request, [&](double, const std::string& message) {
            cancel = cancel || message.find("training iteration 50 ") != std::string::npos;
        }, &cancel);
        QCOMPARE(stopped.output.archives.size(), std::size_t(1));
        const std::filesystem::path half = folder.filePath("half.npz").toStdString();
        writeNpz(half, stopped.output.archives.at("checkpoint.npz"));
        const LatentModels partial = loadCheckpoint(half);
        QVERIFY2(partial.consistencyIterations == 51,
                 qPrintable(QString::number(partial.consistencyIterations)));
        QCOMPARE(partial.spec.recipe.distance, Distance::PseudoHuber);

        request.parameters["resume"] = half.string();
        request.parameters["distance"] = std::string("cauchy"); // ignored: a resume keeps the checkpoint's recipe
        const CompletedRun finished = runEngine(train, request);
        const std::filesystem::path checkpoint = folder.filePath("ckpt.npz").toStdString();
        writeNpz(checkpoint, finished.output.archives.at("checkpoint.npz"));
        const LatentModels done = loadCheckpoint(checkpoint);
        QCOMPARE(done.consistencyIterations, std::int64_t{120});
        QCOMPARE(done.spec.recipe.distance, Distance::PseudoHuber);
        QVERIFY(done.twoStepTau > 0.02 && done.twoStepTau < 20); // searched after training
        // …and the 3- and 4-step levels after it, each below the one before (kept in the checkpoint).
        QCOMPARE(done.laterTaus.size(), std::size_t{2});
        QVERIFY(done.laterTaus[0] < done.twoStepTau && done.laterTaus[1] < done.laterTaus[0] && done.laterTaus[1] > 0);
        QCOMPARE(consistencyTaus(4, done.twoStepTau, done.laterTaus), (std::vector<double>{done.twoStepTau, done.laterTaus[0], done.laterTaus[1]}));
        QCOMPARE(consistencyTaus(3, done.twoStepTau, done.laterTaus), (std::vector<double>{done.twoStepTau, done.laterTaus[0]}));
        QCOMPARE(consistencyTaus(5, done.twoStepTau, done.laterTaus).size(), std::size_t{4}); // not searched so far: a Karras grid
        request.parameters["resume"] = checkpoint.string();
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(train, request)); // nothing left to train

        // Sampling: the same seed gives the same latents; images are pixels in [0, 1].
        LcmSampleEngine sample;
        RunRequest sampling;
        sampling.warmupRepeats = 0;
        sampling.parameters = defaultValues(sample.parameterSchema());
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(sample, sampling)); // no checkpoint given
        sampling.parameters["checkpoint"] = checkpoint.string();
        const std::int64_t n = test::uniformInt(3, 20);
        sampling.parameters["n"] = n;
        sampling.parameters["steps"] = std::int64_t{2};
        auto latentsOf = [&](const CompletedRun& run) { return std::get<Grid>(run.output.datasets.at(1).content); };
        const CompletedRun first = runEngine(sample, sampling), second = runEngine(sample, sampling);
        QCOMPARE(latentsOf(first).height, int(n));
        QCOMPARE(latentsOf(first).width, 4);
        QVERIFY(latentsOf(first).values == latentsOf(second).values);
        const Grid& gallery = std::get<Grid>(first.output.datasets.at(0).content);
        QVERIFY(gallery.showAsImage);
        QCOMPARE(gallery.height, int((n + 7) / 8) * 30);
        const Grid& pixels = std::get<Grid>(first.output.datasets.at(2).content);
        QCOMPARE(pixels.width, kImagePixels);
        QVERIFY(std::all_of(pixels.values.begin(), pixels.values.end(), [](float v) { return v >= 0 && v <= 1; }));
        sampling.parameters["sampler"] = std::string("heun");
        sampling.parameters["steps"] = std::int64_t{5};
        QVERIFY(latentsOf(runEngine(sample, sampling)).values != latentsOf(first).values);
        sampling.parameters["checkpoint"] = folder.filePath("absent.npz").toStdString();
        QVERIFY_THROWS_EXCEPTION(FileError, runEngine(sample, sampling));

        // Evaluation: one row per sampler with finite distances.
        LcmEvalEngine eval;
        RunRequest evaluation;
        evaluation.warmupRepeats = 0;
        evaluation.parameters = defaultValues(eval.parameterSchema());
        evaluation.parameters["checkpoint"] = checkpoint.string();
        evaluation.parameters["samples"] = std::int64_t{64};
        evaluation.parameters["diffusionSteps"] = std::string("10, 50");
        evaluation.parameters["heun"] = true;
        const CompletedRun evaluated = runEngine(eval, evaluation);
        const Dataset* table = nullptr;
        for (const auto& d : evaluated.output.datasets)
            if (d.name == "samplers")
                table = &d;
        QVERIFY(table);
        const auto& rows = std::get<Table>(table->content).rows;
        QCOMPARE(rows.size(), std::size_t(7)); // 1, 2, 4 consistency; 10, 50 Euler; 10, 50 Heun
        for (const auto& row : rows)
            QVERIFY2(std::isfinite(std::stod(row[3])), row[0].c_str());
        QCOMPARE(rows[4][0], std::string("50-step Euler (diffusion)"));
        QCOMPARE(rows[4][6], std::string("1.0×")); // the reference, though Heun rows follow
        QCOMPARE(rows[6][0], std::string("50-step Heun (diffusion)"));
        QCOMPARE(rows[6][1], std::string("99"));
        for (const auto& row : rows) { // three evaluation seeds (the default): a mean with a real interval
            QCOMPARE(row[5], std::string("3"));
            QVERIFY2(std::stod(row[4]) > 0 && std::stod(row[4]) < std::stod(row[3]), (row[0] + ": ± " + row[4]).c_str());
        }
        // Latency: every sampler at each default batch size (1, 64), 15 timed calls after warm-up, in
        // the table and as repeated stages in the run's recorder.
        const Dataset* latency = nullptr;
        for (const auto& d : evaluated.output.datasets)
            if (d.name == "sampler latency")
                latency = &d;
        QVERIFY(latency);
        const auto& latencyRows = std::get<Table>(latency->content).rows;
        QCOMPARE(latencyRows.size(), std::size_t(14));
        QCOMPARE(latencyRows[0][1], std::string("1"));
        QCOMPARE(latencyRows[1][1], std::string("64"));
        for (const auto& row : latencyRows) {
            QCOMPARE(row[2], std::string("15"));
            QVERIFY(std::stod(row[3]) > 0 && std::stod(row[3]) <= std::stod(row[4]) && std::stod(row[4]) <= std::stod(row[7]));
        }
        std::size_t timedStages = 0;
        for (const auto& stage : evaluated.latency.samples)
            timedStages += stage.leafName() == "latency: 50-step Euler (diffusion), batch 64";
        QCOMPARE(timedStages, std::size_t(15));
    }
};

QTEST_GUILESS_MAIN(TestLcmCheckpoints)
#include "tst_lcm_checkpoints.moc"
