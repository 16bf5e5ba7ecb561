// GSpaRC densify and prune (engine/rf/Densification.h): which Gaussians are cloned, split and
// pruned and what each row of the new field holds; the cap; the backward pass's per-Gaussian map
// gradients; a densifying run that resumes from a checkpoint exactly as an unbroken one; and 3DGS's
// opacity reset.
#include "GsparcScenes.h"
#include "TestSupport.h"

#include "engine/core/Error.h"
#include "engine/rf/FieldTraining.h"
#include "engine/rf/GsparcParameters.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>

using namespace ls;
using namespace ls::rf;

class GsparcDensifyTest : public QObject {
    Q_OBJECT

private slots:
    void clonesSplitsAndPrunesByTheRules();
    void stopsAddingAtTheCap();
    void backwardReportsMapGradientsOfDrawnSplats();
    void densifyingTrainingResumesExactly();
    void resetsOpacitiesWhileDensifying();
};

namespace {

float sigmoidOf(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Moments drawn at random, so the test can tell copied rows from fresh (zero) ones.
GaussianField randomMoments(const GaussianField& field)
{
    GaussianField moments = field.zerosLike();
    for (auto& [name, array] : moments.parameterArrays())
        for (float& value : *array)
            value = test::uniform(0.1f, 1.0f);
    return moments;
}

template <class T> std::vector<T> rowOf(const std::vector<T>& array, std::size_t count, std::size_t row)
{
    const std::size_t stride = array.size() / count;
    return {array.begin() + static_cast<std::ptrdiff_t>(row * stride), array.begin() + static_cast<std::ptrdiff_t>((row + 1) * stride)};
}

// Sixteen steps of a densifying run with a seed drawn for the test, passes from `from` every `every`.
TrainingSettings densifyingSettings(long from, long every)
{
    TrainingSettings settings;
    settings.iterations = 16;
    settings.seed = static_cast<std::uint64_t>(test::uniformInt(1, 1000));
    settings.densify.enabled = true;
    settings.densify.from = from;
    settings.densify.every = every;
    return settings;
}

} // namespace

void GsparcDensifyTest::clonesSplitsAndPrunesByTheRules()
{
    const ReceiverPose receiver = test::randomReceiver();
    const int n = 24;
    GaussianField field = test::randomField(receiver, n, 2, 6);
    // Rows 0–7: small and pulled (clone); 8–15: large and pulled (split); 16–19: transparent (prune);
    // 20–23: quiet (kept as they are).
    DensifySettings settings;
    settings.enabled = true;
    settings.gradientThreshold = test::uniform(1e-5f, 1e-3f);
    DensifyStatistics statistics;
    statistics.reset(n);
    for (int g = 0; g < n; ++g) {
        const bool pulled = g < 16;
        statistics.drawnCount[g] = static_cast<float>(test::uniformInt(1, 20));
        const float meanGradient = static_cast<float>(settings.gradientThreshold) * (pulled ? test::uniform(1.1f, 5.0f) : test::uniform(0.0f, 0.9f));
        statistics.gradientSum[g] = meanGradient * statistics.drawnCount[g];
        const float size = g < 8 ? 0.001f : 0.3f; // the field spans metres: 1 mm is small, 30 cm large (split above 1 %)
        for (int axis = 0; axis < 3; ++axis)
            field.logScales[g * 3 + axis] = std::log(size * test::uniform(0.8f, 1.2f));
        field.opacityLogits[g] = g >= 16 && g < 20 ? -8.0f : test::uniform(-1.0f, 2.0f); // σ(−8) ≈ 3e-4 < 0.005
    }
    const GaussianField before = field;
    GaussianField m = randomMoments(field), v = randomMoments(field);
    const GaussianField mBefore = m;
    const DensifyTally tally = densifyAndPrune(field, m, v, statistics, settings, 7);

    QCOMPARE(tally.cloned, std::size_t{8});
    QCOMPARE(tally.split, std::size_t{8});
    QCOMPARE(tally.pruned, std::size_t{4});
    QCOMPARE(field.count(), std::size_t(n + 8 + 8 - 4));
    field.checkShapes("densified");
    m.checkShapes("first moment");
    v.checkShapes("second moment");
    QCOMPARE(statistics.gradientSum, std::vector<float>(field.count(), 0.0f)); // the next pass starts afresh
    for (std::size_t g = 0; g < field.count(); ++g)
        QVERIFY2(sigmoidOf(field.opacityLogits[g]) >= settings.pruneOpacity, "a transparent Gaussian survived");

    // Row layout: clone pairs (parent with its moments, then a copy with fresh ones), split pairs, kept rows.
    const std::size_t total = field.count(), old = before.count();
    for (std::size_t parent = 0; parent < 8; ++parent) {
        const std::size_t kept = parent * 2, copy = parent * 2 + 1;
        QCOMPARE(rowOf(field.means, total, copy), rowOf(before.means, old, parent));
        QCOMPARE(rowOf(field.mlpW2, total, copy), rowOf(before.mlpW2, old, parent));
        QCOMPARE(rowOf(m.means, total, kept), rowOf(mBefore.means, old, parent));
        QCOMPARE(rowOf(m.mlpW1, total, copy), std::vector<float>(before.hidden * 3, 0.0f));
        QCOMPARE(rowOf(v.opacityLogits, total, copy), std::vector<float>{0.0f});
    }
    for (std::size_t parent = 8; parent < 16; ++parent)
        for (const std::size_t child : {parent * 2, parent * 2 + 1}) {
            const auto scales = rowOf(field.logScales, total, child), parentScales = rowOf(before.logScales, old, parent);
            for (int axis = 0; axis < 3; ++axis)
                QVERIFY(std::abs(scales[axis] - (parentScales[axis] - std::log(1.6f))) < 1e-6f);
            // Drawn inside the parent: not on its mean, within 5σ of it (σ ≤ 0.36 m here).
            double offset = 0;
            for (int axis = 0; axis < 3; ++axis)
                offset += std::pow(field.means[child * 3 + axis] - before.means[parent * 3 + axis], 2);
            QVERIFY2(offset > 0 && std::sqrt(offset) < 5 * 0.36 * std::sqrt(3.0), "a split child landed outside its parent");
            QCOMPARE(rowOf(field.mlpB2, total, child), rowOf(before.mlpB2, old, parent));
            QCOMPARE(rowOf(m.logScales, total, child), std::vector<float>(3, 0.0f));
        }
    for (std::size_t parent = 20; parent < 24; ++parent) {
        const std::size_t row = 32 + (parent - 20);
        QCOMPARE(rowOf(field.means, total, row), rowOf(before.means, old, parent));
        QCOMPARE(rowOf(m.rotations, total, row), rowOf(mBefore.rotations, old, parent));
    }
}

void GsparcDensifyTest::stopsAddingAtTheCap()
{
    const int n = 20;
    GaussianField field = test::randomField(test::randomReceiver(), n, 1, 4);
    for (float& logit : field.opacityLogits)
        logit = test::uniform(0.0f, 2.0f); // nothing to prune
    DensifySettings settings;
    settings.enabled = true;
    settings.maxGaussians = n + 5;
    DensifyStatistics statistics;
    statistics.reset(n);
    for (int g = 0; g < n; ++g) {
        statistics.gradientSum[g] = 1.0f;
        statistics.drawnCount[g] = 1.0f;
    }
    GaussianField m = field.zerosLike(), v = field.zerosLike();
    const DensifyTally tally = densifyAndPrune(field, m, v, statistics, settings, 1);
    QCOMPARE(tally.cloned + tally.split, std::size_t{5});
    QCOMPARE(field.count(), std::size_t(n + 5));

    // Pass schedule: from `from`, every `every`, not after `until` of the run, never when off.
    settings.from = 10;
    settings.every = 5;
    settings.until = 0.5;
    QVERIFY(!densifiesAt(settings, 5, 100));
    QVERIFY(densifiesAt(settings, 10, 100));
    QVERIFY(!densifiesAt(settings, 12, 100));
    QVERIFY(densifiesAt(settings, 50, 100));
    QVERIFY(!densifiesAt(settings, 55, 100));
    settings.enabled = false;
    QVERIFY(!densifiesAt(settings, 10, 100));
}

void GsparcDensifyTest::backwardReportsMapGradientsOfDrawnSplats()
{
    const ReceiverPose receiver = test::randomReceiver();
    const GaussianField field = test::randomField(receiver, 30, 1, 6);
    const RenderSettings settings{PixelMapping{64, 16}};
    const auto movingEnd = test::randomPosition();
    const RenderResult rendered = renderCpu(field, receiver, movingEnd, settings);
    std::vector<float> upstream(rendered.spectrum.size());
    for (float& g : upstream)
        g = test::uniform(-1, 1);
    std::vector<float> norms;
    const GaussianField gradients = backwardCpu(field, receiver, movingEnd, settings, rendered, upstream, &norms);
    QCOMPARE(norms.size(), field.count());
    int drawn = 0;
    for (std::size_t g = 0; g < field.count(); ++g) {
        if (rendered.state.radius[g] == 0) {
            QCOMPARE(norms[g], 0.0f);
            continue;
        }
        ++drawn;
        QVERIFY(std::isfinite(norms[g]) && norms[g] >= 0);
    }
    QVERIFY2(drawn > 0, "the random scene drew nothing");
    QVERIFY(*std::max_element(norms.begin(), norms.end()) > 0);
    // The norms are a side output: the gradients are the same with or without them.
    QCOMPARE(backwardCpu(field, receiver, movingEnd, settings, rendered, upstream).means, gradients.means);
}

void GsparcDensifyTest::densifyingTrainingResumesExactly()
{
    const ReceiverPose receiver = test::randomReceiver();
    const PixelMapping mapping{64, 16};
    const RfDataset dataset = test::teacherDataset(receiver, test::randomField(receiver, 30, 1, 8), mapping, 10);
    const GaussianField student = test::randomField(receiver, 20, 1, 8, 0.4f);
    TrainingSettings settings = densifyingSettings(4, 4);
    settings.curveEvery = 4;
    settings.densify.until = 1.0;
    settings.densify.gradientThreshold = 1e-9; // every drawn Gaussian densifies: the field must grow
    settings.densify.maxGaussians = 200;

    TrainingState straight = startTraining(student, dataset, SpectrumQuantity::Magnitude);
    QVERIFY(trainSteps(straight, dataset, settings, {}, {}));
    QVERIFY2(straight.field.count() > student.count(), "densification added nothing");
    QCOMPARE(straight.densified.cloned + straight.densified.split, straight.field.count() - student.count() + straight.densified.pruned);
    QCOMPARE(straight.curveGaussians.back(), static_cast<float>(straight.field.count()));

    // Stopped after 6 steps (between passes, statistics half gathered), saved, loaded, finished.
    TrainingState first = startTraining(student, dataset, SpectrumQuantity::Magnitude);
    QVERIFY(!trainSteps(first, dataset, settings, {}, [&] { return first.step >= 6; }));
    QTemporaryDir temporary;
    const std::filesystem::path file = std::filesystem::path(temporary.path().toStdString()) / "ckpt.npz";
    writeNpz(file, checkpointToNpz(first));
    TrainingState resumed = checkpointFromNpz(readNpz(file), file.string());
    QCOMPARE(resumed.densifyStatistics.gradientSum, first.densifyStatistics.gradientSum);
    QVERIFY(trainSteps(resumed, dataset, settings, {}, {}));
    QCOMPARE(resumed.field.count(), straight.field.count());
    QCOMPARE(resumed.field.means, straight.field.means);
    QCOMPARE(resumed.firstMoment.mlpW2, straight.firstMoment.mlpW2);
    QCOMPARE(resumed.curveGaussians, straight.curveGaussians);
}

void GsparcDensifyTest::resetsOpacitiesWhileDensifying()
{
    // The schedule: multiples of the period, only inside the densifying part, only when densifying.
    DensifySettings schedule;
    schedule.enabled = true;
    schedule.opacityResetEvery = 5;
    schedule.until = 0.5;
    QVERIFY(resetsOpacityAt(schedule, 5, 40) && resetsOpacityAt(schedule, 15, 40));
    QVERIFY(!resetsOpacityAt(schedule, 7, 40) && !resetsOpacityAt(schedule, 20, 40) && !resetsOpacityAt(schedule, 25, 40));
    schedule.opacityResetEvery = 0;
    QVERIFY(!resetsOpacityAt(schedule, 5, 40));
    schedule.opacityResetEvery = 5;
    schedule.enabled = false;
    QVERIFY(!resetsOpacityAt(schedule, 5, 40));

    // The reset itself: opacities above the ceiling come down to it, the rest stay; only the
    // opacities' moments start again.
    const ReceiverPose receiver = test::randomReceiver();
    GaussianField field = test::randomField(receiver, 40, 1, 8);
    for (float& logit : field.opacityLogits)
        logit = test::uniform(-8.0f, 4.0f); // opacities from 3e-4 to 0.98: both sides of 0.01
    const GaussianField before = field;
    GaussianField first = randomMoments(field), second = randomMoments(field);
    const GaussianField firstBefore = first;
    const std::size_t lowered = resetOpacities(field, first, second, 0.01);
    std::size_t above = 0;
    for (std::size_t g = 0; g < field.count(); ++g) {
        const bool wasAbove = sigmoidOf(before.opacityLogits[g]) > 0.0100001f;
        above += wasAbove;
        if (wasAbove)
            QVERIFY2(std::abs(sigmoidOf(field.opacityLogits[g]) - 0.01f) < 1e-6f, qPrintable(QString("Gaussian %1: %2").arg(g).arg(sigmoidOf(field.opacityLogits[g]))));
        else if (sigmoidOf(before.opacityLogits[g]) < 0.0099999f)
            QCOMPARE(field.opacityLogits[g], before.opacityLogits[g]);
    }
    QVERIFY(above > 5 && above < field.count() - 5);
    QCOMPARE(lowered, above);
    QCOMPARE(first.opacityLogits, std::vector<float>(field.count(), 0.0f));
    QCOMPARE(second.opacityLogits, std::vector<float>(field.count(), 0.0f));
    QCOMPARE(first.means, firstBefore.means);
    QCOMPARE(first.mlpW1, firstBefore.mlpW1);
    QCOMPARE(field.means, before.means);
    QVERIFY_THROWS_EXCEPTION(ArgumentError, resetOpacities(field, first, second, 1.0));

    // Asked for without densifying, it would do nothing: refused with a message.
    ParameterValues values = defaultValues(ParameterSchema{trainingRecipeSpecs()});
    values["opacityReset"] = std::int64_t{1000};
    QVERIFY_THROWS_EXCEPTION(ArgumentError, trainingSettingsFromParameters(values, DeviceInfo{}));
    values["densify"] = true;
    QCOMPARE(trainingSettingsFromParameters(values, DeviceInfo{}).densify.opacityResetEvery, 1000L);

    // In training: stopped right after a reset step, no Gaussian is more opaque than the ceiling.
    const PixelMapping mapping{64, 16};
    const RfDataset dataset = test::teacherDataset(receiver, test::randomField(receiver, 30, 1, 8), mapping, 10);
    TrainingSettings settings = densifyingSettings(2, 2);
    settings.densify.opacityResetEvery = 4;
    TrainingState state = startTraining(test::randomField(receiver, 20, 1, 8, 0.4f), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(std::any_of(state.field.opacityLogits.begin(), state.field.opacityLogits.end(), [](float l) { return sigmoidOf(l) > 0.02f; }));
    QVERIFY(!trainSteps(state, dataset, settings, {}, [&] { return state.step >= 4; }));
    QCOMPARE(state.step, 4L);
    for (float logit : state.field.opacityLogits)
        QVERIFY(sigmoidOf(logit) <= 0.0100001f);
}

QTEST_GUILESS_MAIN(GsparcDensifyTest)
#include "tst_gsparc_densify.moc"
