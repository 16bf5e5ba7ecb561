// GSpaRC data and training (engine/rf): the RFID loader on the bundled real sample and on broken
// copies of it, checkpoints that resume exactly, and a short training run on spectra rendered by
// a random "teacher" field that lowers the loss and raises held-out SSIM, one on a simulated room
// that beats the nearest-training-position baseline on far transmitters; dragging the transmitter
// of a run renders what gsparc-render renders there.
#include "GsparcScenes.h"
#include "GpuCheckSupport.h"
#include "TestSupport.h"
#include "ThreadCollective.h"

#include "engine/core/EngineRunner.h"
#include "engine/rf/GsparcEngines.h"
#include "engine/rf/GsparcOutputs.h"

#include "engine/core/Device.h"
#include "engine/core/Error.h"
#include "engine/rf/GreyPng.h"
#include "engine/rf/HeldOutEvaluation.h"
#include "engine/rf/MultipathSimulator.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace ls;
using namespace ls::rf;
using ls::test::studentField;
namespace fs = std::filesystem;

class GsparcTrainingTest : public QObject {
    Q_OBJECT

private slots:
    void loadsTheRfidSample();
    void brokenDatasetsAreNamed_data();
    void brokenDatasetsAreNamed();
    void heldOutSplitIsSeededAndDisjoint();
    void resumedTrainingContinuesExactly();
    void learningRatesFollowTheirSchedules();
    void trainingOnATeacherFieldLowersLossAndRaisesSsim_data();
    void trainingOnATeacherFieldLowersLossAndRaisesSsim();
    void trainingOnASimulatedRoomBeatsTheNearestPosition();
    void draggingTheTransmitterRendersWhereItIsDropped();
    void cudaTrainingFollowsTheCpu();
    void dataParallelRanksTrainTheOneProcessField();
};

void GsparcTrainingTest::loadsTheRfidSample()
{
    const RfDataset dataset = loadRfDataset(STUDIO_RFID_SAMPLE);
    QCOMPARE(dataset.samples.size(), std::size_t{160});
    QCOMPARE(dataset.train.size(), std::size_t{160});
    QVERIFY(dataset.test.empty()); // the folder holds the training part only
    QCOMPARE(dataset.mapping.width, 360);
    QCOMPARE(dataset.mapping.height, 90);
    // gateway_info.yml: position [5.0, 0.26, 0], orientation written x, y, z, w.
    QCOMPARE(dataset.receiver.position[0], 5.0);
    QCOMPARE(dataset.receiver.position[1], 0.26);
    QVERIFY(std::abs(dataset.receiver.orientation[0] - 0.51291602) < 1e-8); // w
    QVERIFY(std::abs(dataset.receiver.orientation[1] - 0.51291602) < 1e-8); // x
    // train_index.txt starts with 132: spectrum/00132.png with row 132 of tx_pos.csv (header skipped).
    QCOMPARE(dataset.samples.front().number, 132);
    const auto& first = dataset.samples.front();
    std::ifstream csv(fs::path(STUDIO_RFID_SAMPLE) / "tx_pos.csv");
    std::string line;
    for (int row = 0; row <= 132; ++row)
        std::getline(csv, line);
    float x, y, z;
    QCOMPARE(std::sscanf(line.c_str(), "%f,%f,%f", &x, &y, &z), 3);
    QCOMPARE(first.movingEnd[0], x);
    QCOMPARE(first.movingEnd[2], z);
    const GreyImage png = readGreyPng(fs::path(STUDIO_RFID_SAMPLE) / "spectrum" / "00132.png");
    QCOMPARE(first.spectrum, png.values);
    const auto [low, high] = std::minmax_element(first.spectrum.begin(), first.spectrum.end());
    QCOMPARE(*low, 0.0f); // min–max normalised images
    QCOMPARE(*high, 1.0f);
}

void GsparcTrainingTest::brokenDatasetsAreNamed_data()
{
    QTest::addColumn<QString>("breakage");
    QTest::addColumn<QString>("expected"); // part of the message: the file and the problem
    QTest::newRow("missing gateway") << "rm gateway_info.yml" << "gateway_info.yml";
    QTest::newRow("orientation with 3 numbers") << "gateway orientation" << "'orientation' holds 3 numbers";
    QTest::newRow("garbled position row") << "csv row" << "tx_pos.csv:4: expected three numbers";
    QTest::newRow("NaN position") << "csv nan" << "tx_pos.csv:3: a position is not finite";
    QTest::newRow("truncated png") << "truncate png" << "00132.png";
    QTest::newRow("index beyond the positions") << "index 999" << "sample 999 needs row 999";
    QTest::newRow("not a folder") << "not a folder" << "is not a dataset folder";
}

void GsparcTrainingTest::brokenDatasetsAreNamed()
{
    QFETCH(QString, breakage);
    QFETCH(QString, expected);
    QTemporaryDir temporary;
    const fs::path folder = fs::path(temporary.path().toStdString()) / "rfid";
    fs::copy(STUDIO_RFID_SAMPLE, folder, fs::copy_options::recursive);
    auto rewrite = [](const fs::path& path, auto edit) {
        std::ifstream in(path, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        in.close();
        edit(text);
        std::ofstream(path, std::ios::binary) << text;
    };
    fs::path opened = folder;
    if (breakage == "rm gateway_info.yml")
        fs::remove(folder / "gateway_info.yml");
    else if (breakage == "gateway orientation")
        rewrite(folder / "gateway_info.yml", [](std::string& t) { t.replace(t.find(",  0.51291602]"), 14, "]"); });
    else if (breakage == "csv row")
        rewrite(folder / "tx_pos.csv", [](std::string& t) { auto p = t.find('\n', t.find('\n', t.find('\n') + 1) + 1); t.insert(p + 1, "0.1;0.2\r\n"); });
    else if (breakage == "csv nan")
        rewrite(folder / "tx_pos.csv", [](std::string& t) { auto p = t.find('\n', t.find('\n') + 1); t.insert(p + 1, "nan,0,0\r\n"); });
    else if (breakage == "truncate png")
        fs::resize_file(folder / "spectrum" / "00132.png", 100);
    else if (breakage == "index 999")
        rewrite(folder / "train_index.txt", [](std::string& t) { t += "\n00999\n"; });
    else if (breakage == "not a folder")
        opened = folder / "tx_pos.csv";
    try {
        loadRfDataset(opened);
        QFAIL("the broken dataset loaded");
    } catch (const StudioError& error) {
        QVERIFY2(QString(error.what()).contains(expected), error.what());
    }
}

void GsparcTrainingTest::heldOutSplitIsSeededAndDisjoint()
{
    RfDataset a = loadRfDataset(STUDIO_RFID_SAMPLE), b = a, c = a;
    const auto seed = static_cast<std::uint64_t>(test::uniformInt(0, 1'000'000));
    holdOutFromTraining(a, 0.2, seed);
    holdOutFromTraining(b, 0.2, seed);
    holdOutFromTraining(c, 0.2, seed + 1);
    QCOMPARE(a.test.size(), std::size_t{32});
    QCOMPARE(a.train.size(), std::size_t{128});
    QCOMPARE(a.test, b.test);
    QVERIFY(a.test != c.test);
    for (std::size_t index : a.test)
        QVERIFY(std::find(a.train.begin(), a.train.end(), index) == a.train.end());
}


// Positions (and, when asked, the emission MLPs) fall log-linearly from start to end over the run;
// the other groups stay at their rates; an MLP end of 0 keeps the reference's constant rate.
void GsparcTrainingTest::learningRatesFollowTheirSchedules()
{
    rf::LearningRates rates;
    rates.mlp = test::uniform(1e-3, 5e-2);
    rates.mlpEnd = rates.mlp * test::uniform(1e-3, 0.5);
    const long total = test::uniformInt(10, 100000), half = total / 2;
    auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); };
    QVERIFY(near(rf::learningRate("means", rates, 0, total), rates.positionStart));
    QVERIFY(near(rf::learningRate("means", rates, total, total), rates.positionEnd));
    QVERIFY(near(rf::learningRate("mlp_w1", rates, 0, total), rates.mlp));
    QVERIFY(near(rf::learningRate("mlp_w1", rates, total, total), rates.mlpEnd));
    const double t = static_cast<double>(half) / total; // log-linear: the geometric interpolation
    QVERIFY(near(rf::learningRate("mlp_w1", rates, half, total), std::pow(rates.mlp, 1 - t) * std::pow(rates.mlpEnd, t)));
    QVERIFY(near(rf::learningRate("opacity_logits", rates, half, total), rates.opacity));
    QVERIFY(near(rf::learningRate("log_scales", rates, total, total), rates.scale));
    QVERIFY(near(rf::learningRate("rotations", rates, total, total), rates.rotation));
    for (const auto& [group, array] : rf::GaussianField{}.parameterArrays()) // every group has a rate of its own kind
        QVERIFY(rf::learningRate(group, rates, 0, total) > 0);
    QVERIFY_THROWS_EXCEPTION(ArgumentError, rf::learningRate("mean", rates, 0, total)); // misspelt: refused, not the MLP's rate
    rates.mlpEnd = 0;
    QVERIFY(near(rf::learningRate("mlp_w1", rates, total, total), rates.mlp));
}

void GsparcTrainingTest::resumedTrainingContinuesExactly()
{
    const auto [receiver, dataset, seed] = test::smallTeacherScene(12);
    TrainingSettings settings;
    settings.iterations = 16;
    settings.curveEvery = 4;
    settings.seed = seed;
    settings.batch = static_cast<int>(test::uniformInt(1, 3)); // a resumed run also draws the same batches
    const auto form = static_cast<EmissionForm>(test::uniformInt(0, 1)); // and keeps its emission form

    TrainingState straight = startTraining(studentField(dataset, seed, form), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(trainSteps(straight, dataset, settings, {}, {}));

    // The first half stops (as a cancel would) after 8 of the 16 steps: the schedule is the same.
    TrainingState first = startTraining(studentField(dataset, seed, form), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(!trainSteps(first, dataset, settings, {}, [&] { return first.step >= 8; }));
    QTemporaryDir temporary;
    const fs::path file = fs::path(temporary.path().toStdString()) / "ckpt.npz";
    writeNpz(file, checkpointToNpz(first));
    TrainingState resumed = checkpointFromNpz(readNpz(file), file.string());
    QCOMPARE(resumed.step, 8L);
    QCOMPARE(resumed.field.emissionForm, form);
    QVERIFY(trainSteps(resumed, dataset, settings, {}, {}));

    QCOMPARE(resumed.step, straight.step);
    QCOMPARE(resumed.field.means, straight.field.means);
    QCOMPARE(resumed.field.mlpW2, straight.field.mlpW2);
    QCOMPARE(resumed.curveLoss, straight.curveLoss);
    QVERIFY(resumed.field.means != studentField(dataset, seed, form).means); // training moved the field

    // A checkpoint with a damaged array is refused with the file's name.
    NpzArchive broken = checkpointToNpz(first);
    broken["means"].shape = {3};
    broken["means"].bytes.resize(12);
    const QString why = QString::fromStdString(test::checkpointRefusal(broken, "broken.npz"));
    QVERIFY2(why.contains("broken.npz") && why.contains("means"), qPrintable("a damaged checkpoint loaded, or refused without naming it: " + why));
    NpzArchive unknownForm = checkpointToNpz(first);
    const std::int32_t three = 3;
    unknownForm["emission_form"] = NpyArray::from<std::int32_t>({1}, std::span(&three, 1));
    try {
        checkpointFromNpz(unknownForm, "form.npz");
        QFAIL("an unknown emission form loaded");
    } catch (const FormatError& error) {
        QVERIFY2(QString(error.what()).contains("form.npz") && QString(error.what()).contains("emission_form"), error.what());
    }
}

void GsparcTrainingTest::trainingOnATeacherFieldLowersLossAndRaisesSsim_data()
{
    QTest::addColumn<int>("batch");
    QTest::newRow("one spectrum per step") << 1;
    QTest::newRow("four per step") << 4;
}

void GsparcTrainingTest::trainingOnATeacherFieldLowersLossAndRaisesSsim()
{
    QFETCH(int, batch);
    const ReceiverPose receiver = test::randomReceiver();
    const PixelMapping mapping{64, 16};
    RfDataset dataset = test::teacherDataset(receiver, test::randomField(receiver, 40, 1, 8), mapping, 40);
    holdOutFromTraining(dataset, 0.25, static_cast<std::uint64_t>(test::uniformInt(0, 1000)));
    TrainingState state = startTraining(studentField(dataset, 3), dataset, SpectrumQuantity::Magnitude);
    const HeldOutScores before = evaluateHeldOut(state, dataset, dataset.test, 3, {});
    TrainingSettings settings;
    settings.iterations = 300;
    settings.curveEvery = 50;
    settings.rates.mlp = 1e-2; // a short run: larger steps than the reference schedule's
    settings.rates.opacity = 2e-2;
    settings.batch = batch;
    long reported = 0;
    QVERIFY(trainSteps(state, dataset, settings, [&](long done, long, double, double) { reported = done; }, {}));
    QCOMPARE(reported, 300L);
    const HeldOutScores after = evaluateHeldOut(state, dataset, dataset.test, 3, {});
    const double ssimBefore = median(ssimValues(before.model)), ssimAfter = median(ssimValues(after.model));
    qInfo("held-out median SSIM %.3f -> %.3f (nearest training position %.3f); loss %.4f -> %.4f", ssimBefore, ssimAfter,
          median(ssimValues(after.nearest)), state.curveLoss.front(), state.curveLoss.back());
    QVERIFY2(state.curveLoss.back() < 0.8 * state.curveLoss.front(), "the loss must fall by a fifth or more");
    QVERIFY2(ssimAfter > ssimBefore + 0.05, "held-out SSIM must rise");

    // Cancelling keeps every finished step.
    TrainingState cancelled = startTraining(studentField(dataset, 3), dataset, SpectrumQuantity::Magnitude);
    int polls = 0;
    QVERIFY(!trainSteps(cancelled, dataset, settings, {}, [&] { return ++polls > 5; }));
    QCOMPARE(cancelled.step, 5L);
}

void GsparcTrainingTest::trainingOnASimulatedRoomBeatsTheNearestPosition()
{
    // A room from the multipath simulator, 48 transmitters on a coarse grid, the quarter with the
    // largest x held out (far from every training position): the field must generalise better than
    // copying the nearest training spectrum. Receiver position and wall reflection drawn fresh.
    const std::string scene = QString(R"({"room": {"min": [0, 0, 0], "max": [6, 5, 3], "material": "wall"},
        "materials": {"wall": {"reflection": [%1, 0.1]}},
        "receiver": {"position": [%2, 0.3, 1], "orientation": [-0.7071068, 0, 0, 0.7071068]},
        "reflectionOrder": 1, "frequenciesHz": [915e6],
        "transmitters": {"min": [1, 1.5, 1], "max": [5, 4, 2], "count": [6, 4, 2]},
        "map": {"width": 120, "height": 30}, "testFraction": 0.25})")
                                  .arg(test::uniform(-0.7f, -0.4f))
                                  .arg(test::uniform(2.5f, 3.5f))
                                  .toStdString();
    const RfDataset dataset = simulateDataset(parseMultipathScene(scene, "room.json"), {}, {}).dataset;
    QCOMPARE(dataset.test.size(), std::size_t{12});
    const auto [low, high] = sceneBox(dataset, 1.0f);
    GridInitialisation init; // as gsparc-train sets it up, at a coarse spacing
    init.boxMin = low;
    init.boxMax = high;
    init.spacingMetres = 0.5f;
    init.hidden = 16;
    init.seed = static_cast<std::uint64_t>(test::uniformInt(1, 1000));
    std::tie(init.inputCentre, init.inputScale) = movingEndSpread(dataset);
    TrainingState state = startTraining(initialiseOnGrid(init), dataset, SpectrumQuantity::Magnitude);
    TrainingSettings settings;
    settings.iterations = 400;
    settings.seed = init.seed;
    QVERIFY(trainSteps(state, dataset, settings, {}, {}));
    const HeldOutScores scores = evaluateHeldOut(state, dataset, dataset.test, 3, {});
    const double model = median(ssimValues(scores.model)), nearest = median(ssimValues(scores.nearest));
    qInfo("held-out median SSIM: GSpaRC %.3f, nearest training position %.3f, 3-NN %.3f", model, nearest, median(ssimValues(scores.kNearest)));
    QVERIFY2(model > nearest, qPrintable(QString("GSpaRC %1 vs nearest %2").arg(model).arg(nearest)));
}

void GsparcTrainingTest::draggingTheTransmitterRendersWhereItIsDropped()
{
    RfDataset scene;
    scene.receiver = test::randomReceiver();
    scene.mapping = {64, 16};
    const TrainingState state = startTraining(test::randomField(scene.receiver, 30, 2, 8), scene, SpectrumQuantity::Magnitude);
    QTemporaryDir temporary;
    const fs::path file = fs::path(temporary.path().toStdString()) / "ckpt.npz";
    writeNpz(file, checkpointToNpz(state));

    GsparcRenderEngine render;
    const auto start = test::randomPosition();
    RunRequest request;
    request.parameters = defaultValues(render.parameterSchema());
    request.parameters["checkpoint"] = file.string();
    request.parameters["tx"] = std::vector<double>{start[0], start[1], start[2]};
    request.warmupRepeats = 0;
    const CompletedRun run = runEngine(render, request);

    // The handle is the transmitter's marker, where the run put it.
    const auto handles = render.dragHandles(run.output.datasets);
    QCOMPARE(handles.size(), std::size_t{1});
    QCOMPARE(handles.front().cloudName, std::string(kGaussianCloudName));
    const auto cloud = std::find_if(run.output.datasets.begin(), run.output.datasets.end(), [](const Dataset& d) { return d.name == kGaussianCloudName; });
    const auto& positions = std::get<PointCloud>(cloud->content).positions;
    for (int k = 0; k < 3; ++k)
        QCOMPARE(positions[handles.front().pointIndex * 3 + k], start[k]);

    // Following it to a new position renders there: the same spectrum renderCpu makes, not the old one.
    const auto moved = test::randomPosition();
    const auto follower = render.followHandle(handles.front(), run.output.datasets, {}, request.parameters);
    QVERIFY(follower);
    LatencyRecorder recorder;
    recorder.beginRepeat(false);
    const DeviceInfo cpu = selectDevice("cpu").device;
    RunContext context(cpu, recorder, {}, nullptr);
    const auto followed = follower->follow(moved, context);
    recorder.endRepeat();
    const auto expected = renderCpu(state.field, state.receiver, moved, {state.mapping}).spectrum;
    const auto datasetNamed = [](const std::vector<Dataset>& datasets, const std::string& name) -> const Grid& {
        return std::get<Grid>(std::find_if(datasets.begin(), datasets.end(), [&](const Dataset& d) { return d.name == name; })->content);
    };
    QCOMPARE(datasetNamed(followed, "spectrum").values, expected);
    QVERIFY(datasetNamed(followed, "spectrum").values != datasetNamed(run.output.datasets, "spectrum").values);
    const Grid& image = datasetNamed(followed, "spectrum image"); // [H, W, F]: a layer per frequency
    QCOMPARE(image.layerCount(), 2);
    for (std::size_t p = 0; p < 64 * 16; ++p)
        QCOMPARE(image.values[p * 2 + 1], expected[64 * 16 + p]);
    const auto stages = recorder.record().stagePaths();
    for (const char* stage : {"render/project", "render/bin", "render/sort", "render/composite"})
        QVERIFY2(std::find(stages.begin(), stages.end(), stage) != stages.end(), stage);

    // A training run renders from the checkpoint it kept, and says so when it kept none.
    GsparcTrainEngine train;
    const auto fromArchive = train.followHandle(handles.front(), {}, {{"checkpoint.npz", checkpointToNpz(state)}}, {});
    QCOMPARE(datasetNamed(fromArchive->follow(moved, context), "spectrum").values, expected);
    try {
        train.followHandle(handles.front(), {}, {}, {});
        QFAIL("followed a training run without its checkpoint");
    } catch (const ArgumentError& error) {
        QVERIFY2(QString(error.what()).contains("checkpoint.npz"), error.what());
    }
}

void GsparcTrainingTest::cudaTrainingFollowsTheCpu()
{
    // GPU training steps against CPU ones: tests/gpu/RfChecks.cpp.
    LS_RUN_GPU_CHECK("rf.training");
}

namespace {

// `size` threads standing in for MPI ranks, each training its own copy of `start` with `settings`;
// `stopAt` (0: never) asks rank 0 alone to stop after that step, as a cancel on one rank does.
std::vector<TrainingState> trainOnThreadRanks(int size, const TrainingState& start, const RfDataset& dataset, const TrainingSettings& settings,
                                              long stopAt = 0)
{
    test::ThreadRanks ranks(size);
    std::vector<TrainingState> states(size, start);
    std::vector<std::string> errors(size);
    std::vector<std::thread> threads;
    for (int r = 0; r < size; ++r)
        threads.emplace_back([&, r] {
            test::ThreadRanks::Rank rank(ranks, r);
            TrainingSettings mine = settings;
            mine.collective = &rank;
            try {
                trainSteps(states[r], dataset, mine, {}, [&] { return stopAt > 0 && r == 0 && states[r].step >= stopAt; });
            } catch (const std::exception& error) {
                errors[r] = error.what();
            }
        });
    for (auto& thread : threads)
        thread.join();
    for (const auto& error : errors)
        if (!error.empty())
            throw std::runtime_error(error);
    return states;
}

// The largest norm-wise relative difference over a field's parameter arrays, and the array's name.
std::pair<double, std::string> worstArrayDifference(const GaussianField& expected, const GaussianField& got)
{
    std::pair<double, std::string> worst{0.0, ""};
    const auto a = expected.parameterArrays(), b = got.parameterArrays();
    for (std::size_t group = 0; group < a.size(); ++group) {
        const auto [difference, norm] = test::differenceAndNorm(*a[group].second, *b[group].second);
        if (difference / norm >= worst.first)
            worst = {difference / norm, a[group].first};
    }
    return worst;
}

} // namespace

// Two and three ranks (threads standing in for MPI ranks) train the field one process trains: each
// renders its share of every batch and the gradients, loss and densification statistics are summed.
// The ranks hold bit-identical fields (they take the same summed gradient). Against one process the
// sums run in another order, and two bounds follow from that:
// - after one step the summed gradient (Adam's first moment) and the densification statistics agree
//   norm-wise to 1e-5 relative, and so does the step's loss: the same parameters make the same
//   per-pixel decisions and only the order of the sums differs (measured over 500 seeds: at most
//   2.2e-7). Dropping one rank's share moves the gradient by a third or more (tried: 0.61).
// - after 12 steps with densification the parameters agree norm-wise to 1e-2 relative and each later
//   loss point to 1e-3. Not tighter: a splat is skipped at a pixel below α = 1/255 and compositing
//   stops at T = 1e-4, so a round-off difference can drop a splat at one pixel in one run and keep it
//   in the other, and Adam's normalised step turns that small gradient into a step-sized move of that
//   one Gaussian (in the failure that showed it, 1 of about 200 Gaussians moved by 1e-4, the rest
//   agreed to 1e-6). Over 500 seeds the worst array was 8.1e-4 and the worst loss point 4.0e-5 (the
//   earlier bounds, 1e-4 and 1e-5, failed on 13 of them). Densifying a different Gaussian would
//   show as a different count or an O(1/√N) ≈ 0.07 difference.
void GsparcTrainingTest::dataParallelRanksTrainTheOneProcessField()
{
    const ReceiverPose receiver = test::randomReceiver();
    const RfDataset dataset = test::teacherDataset(receiver, test::randomField(receiver, 40, 1, 8), {120, 30}, 10);
    const auto seed = static_cast<std::uint64_t>(test::uniformInt(1, 1000));
    const TrainingState start = startTraining(studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    TrainingSettings settings;
    settings.iterations = 12;
    settings.curveEvery = 1;
    settings.seed = seed;
    settings.batch = 6;
    settings.densify.enabled = true; // its statistics come from the summed screen-space gradients
    settings.densify.from = 4;
    settings.densify.every = 4;
    settings.densify.until = 0.9;
    settings.densify.gradientThreshold = 1e-7;

    TrainingSettings oneStep = settings;
    oneStep.iterations = 1;
    TrainingState aloneOneStep = start;
    QVERIFY(trainSteps(aloneOneStep, dataset, oneStep, {}, {}));
    TrainingState alone = start;
    QVERIFY(trainSteps(alone, dataset, settings, {}, {}));
    QVERIFY(alone.densified.cloned + alone.densified.split > 0); // densification did run
    for (const int size : {2, 3}) {
        const auto first = trainOnThreadRanks(size, start, dataset, oneStep);
        const auto [momentDifference, momentArray] = worstArrayDifference(aloneOneStep.firstMoment, first[0].firstMoment);
        QVERIFY2(momentDifference <= 1e-5, qPrintable(QString("%1 ranks, first step's gradient %2: %3").arg(size).arg(momentArray.c_str()).arg(momentDifference)));
        for (std::vector<float> DensifyStatistics::*statistic : {&DensifyStatistics::gradientSum, &DensifyStatistics::drawnCount}) {
            const auto [difference, norm] = test::differenceAndNorm(aloneOneStep.densifyStatistics.*statistic, first[0].densifyStatistics.*statistic);
            QVERIFY2(norm > 0 && difference <= 1e-5 * norm, qPrintable(QString("%1 ranks, first step's densification statistics: %2 of %3").arg(size).arg(difference).arg(norm)));
        }

        const auto states = trainOnThreadRanks(size, start, dataset, settings);
        for (int r = 0; r < size; ++r) {
            QCOMPARE(states[r].field.means, states[0].field.means); // every rank holds the same field
            QCOMPARE(states[r].field.mlpW2, states[0].field.mlpW2);
        }
        QCOMPARE(states[0].field.count(), alone.field.count());
        const auto [worst, array] = worstArrayDifference(alone.field, states[0].field);
        QVERIFY2(worst <= 1e-2, qPrintable(QString("%1 ranks, %2: |ranks - one| = %3 of its norm").arg(size).arg(array.c_str()).arg(worst)));
        QCOMPARE(states[0].curveLoss.size(), alone.curveLoss.size());
        double worstLoss = 0;
        for (std::size_t i = 0; i < alone.curveLoss.size(); ++i) {
            const double relative = std::abs(states[0].curveLoss[i] - alone.curveLoss[i]) / alone.curveLoss[i];
            worstLoss = std::max(worstLoss, relative);
            QVERIFY2(relative <= (i == 0 ? 1e-5 : 1e-3), qPrintable(QString("%1 ranks, loss at step %2: %3 against %4").arg(size).arg(i + 1)
                                                                        .arg(states[0].curveLoss[i], 0, 'g', 9).arg(alone.curveLoss[i], 0, 'g', 9)));
        }
        qInfo("%d ranks: first step's gradient %.3g from one process; after %ld steps the worst array (%s) %.3g, the worst loss %.3g", size,
              momentDifference, settings.iterations, array.c_str(), worst, worstLoss);
    }
    // A checkpoint of 2 ranks stopped midway (all at the same step, as a cancel on one stops all)
    // resumes on one process to the same field, within the bound above.
    {
        const auto halves = trainOnThreadRanks(2, start, dataset, settings, 6);
        QCOMPARE(halves[0].step, 6L);
        QCOMPARE(halves[1].step, 6L);
        TrainingState resumed = checkpointFromNpz(checkpointToNpz(halves[0]), "2-rank checkpoint");
        QVERIFY(trainSteps(resumed, dataset, settings, {}, {}));
        QCOMPARE(resumed.field.count(), alone.field.count());
        const auto [worst, array] = worstArrayDifference(alone.field, resumed.field);
        QVERIFY2(worst <= 1e-2, qPrintable(QString("resumed from 2 ranks, %1: %2 of its norm").arg(array.c_str()).arg(worst)));
        qInfo("resumed from 2 ranks: the worst array (%s) %.3g", array.c_str(), worst);
    }
    // A batch smaller than the ranks is refused before any step.
    test::ThreadRanks four(4);
    test::ThreadRanks::Rank first(four, 0);
    TrainingSettings tooSmall = settings;
    tooSmall.batch = 3;
    tooSmall.collective = &first;
    TrainingState state = start;
    QVERIFY_THROWS_EXCEPTION(ArgumentError, trainSteps(state, dataset, tooSmall, {}, {}));
}

QTEST_GUILESS_MAIN(GsparcTrainingTest)
#include "tst_gsparc_training.moc"
