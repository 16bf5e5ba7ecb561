// GSpaRC's confidence-weighted loss (engine/rf/ConfidenceWeighting.h): the network's gradient
// against finite differences of C·L − α·log C, which way C moves, the field's gradient scaled by
// C in a training step, and a weighted run that resumes from its checkpoint exactly.
#include "GsparcScenes.h"
#include "TestSupport.h"

#include "engine/core/Error.h"
#include "engine/rf/ConfidenceWeighting.h"
#include "engine/rf/FieldTraining.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>

using namespace ls;
using namespace ls::rf;
namespace fs = std::filesystem;

class GsparcConfidenceTest : public QObject {
    Q_OBJECT

private slots:
    void gradientMatchesFiniteDifferences();
    void confidenceFallsWhereTheLossIsHigh();
    void fieldGradientIsScaledByTheConfidence();
    void weightedTrainingResumesExactly();
};

namespace {

// A network with random biases too, so some hidden units are off (the ReLU's other branch).
ConfidenceNetwork randomNetwork()
{
    ConfidenceNetwork network = initialConfidenceNetwork(static_cast<int>(test::uniformInt(2, 40)), static_cast<std::uint64_t>(test::uniformInt(0, 99999)));
    for (float& b : network.b1)
        b = static_cast<float>(test::uniform(-1.0, 1.0));
    network.b2[0] = static_cast<float>(test::uniform(-1.0, 1.0));
    return network;
}

std::array<double, 3> randomPosition() { return {test::uniform(-3.0, 3.0), test::uniform(-3.0, 3.0), test::uniform(0.0, 2.5)}; }

} // namespace

void GsparcConfidenceTest::gradientMatchesFiniteDifferences()
{
    const ConfidenceNetwork network = randomNetwork();
    const std::array<double, 3> receiver = randomPosition();
    const double loss = test::uniform(0.01, 1.0), alpha = test::uniform(0.05, 1.0);
    const ConfidenceStep step = confidenceStep(network, receiver, loss, alpha);
    QVERIFY(step.confidence > 1);
    QCOMPARE(step.confidence, confidenceAt(network, receiver));
    QVERIFY(std::abs(step.weightedLoss - (step.confidence * loss - alpha * std::log(step.confidence))) <= 1e-12);
    // Central differences in double of the weighted loss. Bound: 1e-4 of the largest gradient
    // (the network's arithmetic is double from float parameters; h = 1e-4 leaves a truncation
    // error of order h² times the third derivative, far below it). Parameters whose step would
    // carry a hidden unit across the ReLU's kink are skipped; every other one is checked.
    const double h = 1e-4;
    auto weighted = [&](const ConfidenceNetwork& n) { return confidenceStep(n, receiver, loss, alpha).weightedLoss; };
    double largest = 0;
    for (const auto& [name, array] : step.gradient.parameterArrays())
        for (float g : *array)
            largest = std::max(largest, static_cast<double>(std::abs(g)));
    QVERIFY(largest > 0);
    std::vector<bool> nearKink(static_cast<std::size_t>(network.hidden));
    for (int j = 0; j < network.hidden; ++j) {
        double pre = network.b1[j];
        for (int k = 0; k < 3; ++k)
            pre += static_cast<double>(network.w1[j * 3 + k]) * receiver[k];
        nearKink[j] = std::abs(pre) < 10 * h * (1 + std::abs(receiver[0]) + std::abs(receiver[1]) + std::abs(receiver[2]));
    }
    int checked = 0;
    ConfidenceNetwork probe = network;
    auto probes = probe.parameterArrays();
    const auto gradients = step.gradient.parameterArrays();
    for (std::size_t group = 0; group < probes.size(); ++group) {
        std::vector<float>& values = *probes[group].second;
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float kept = values[i];
            values[i] = static_cast<float>(kept + h);
            const double plus = weighted(probe);
            const float raised = values[i];
            values[i] = static_cast<float>(kept - h);
            const double minus = weighted(probe);
            const double span = static_cast<double>(raised) - values[i];
            values[i] = kept; // the span between the two rounded floats is the step actually taken
            // A hidden unit whose pre-activation the step can carry across 0 has no derivative
            // there: its own w1 row and b1 are skipped.
            const std::string& name = probes[group].first;
            if ((name == "w1" && nearKink[i / 3]) || (name == "b1" && nearKink[i]))
                continue;
            const double numeric = (plus - minus) / span, analytic = (*gradients[group].second)[i];
            QVERIFY2(std::abs(numeric - analytic) <= 1e-4 * largest,
                     qPrintable(QString("%1[%2]: finite difference %3, backward %4").arg(probes[group].first.c_str()).arg(i).arg(numeric).arg(analytic)));
            ++checked;
        }
    }
    QVERIFY(checked > 0);
}

void GsparcConfidenceTest::confidenceFallsWhereTheLossIsHigh()
{
    // d/d raw of C·L − α·log C is (L − α/C)·(C − 1): positive (gradient descent lowers C) when the
    // loss is above α/C, negative (C rises) below it. C settles at α / L.
    ConfidenceNetwork network = randomNetwork();
    const std::array<double, 3> receiver = randomPosition();
    const double alpha = test::uniform(0.1, 0.5);
    const double confidence = confidenceAt(network, receiver);
    const double high = 2 * alpha / confidence * test::uniform(1.0, 5.0), low = alpha / confidence * test::uniform(0.05, 0.5);
    QVERIFY(confidenceStep(network, receiver, high, alpha).gradient.b2[0] > 0);
    QVERIFY(confidenceStep(network, receiver, low, alpha).gradient.b2[0] < 0);
    // Plain gradient descent on the bias alone, at a fixed loss, ends where C = α / L. It starts
    // from C = 2 (raw 0, as the reference's initial bias gives), where the gradient is not flat.
    network.b2[0] -= static_cast<float>(std::log(confidence - 1));
    const double loss = alpha / test::uniform(1.5, 4.0);
    for (int i = 0; i < 4000; ++i)
        network.b2[0] -= 0.5f * confidenceStep(network, receiver, loss, alpha).gradient.b2[0];
    const double settled = confidenceAt(network, receiver);
    QVERIFY2(std::abs(settled - alpha / loss) <= 1e-3 * alpha / loss, qPrintable(QString("C %1, α/L %2").arg(settled).arg(alpha / loss)));
}

void GsparcConfidenceTest::fieldGradientIsScaledByTheConfidence()
{
    // After one Adam step the first moment is (1 − β₁)·g: a weighted run's must be C times an
    // unweighted run's, C the initial network's value at the receiver. Relative bound 1e-5 (both
    // moments are float; C multiplies each float gradient once).
    const auto [receiver, dataset, seed] = test::smallTeacherScene(10);
    TrainingSettings settings;
    settings.iterations = 1;
    settings.seed = seed;
    TrainingState plain = startTraining(test::studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(trainSteps(plain, dataset, settings, {}, {}));
    settings.confidence = true;
    TrainingState weighted = startTraining(test::studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(trainSteps(weighted, dataset, settings, {}, {}));
    const double confidence = confidenceAt(initialConfidenceNetwork(kConfidenceHidden, seed), receiver.position);
    QVERIFY(confidence > 1.05); // large enough that a missing factor shows
    int compared = 0;
    const auto plainMoments = plain.firstMoment.parameterArrays(), weightedMoments = weighted.firstMoment.parameterArrays();
    for (std::size_t group = 0; group < plainMoments.size(); ++group)
        for (std::size_t i = 0; i < plainMoments[group].second->size(); ++i) {
            const double a = (*plainMoments[group].second)[i], b = (*weightedMoments[group].second)[i];
            if (a == 0)
                continue;
            QVERIFY2(std::abs(b / a - confidence) <= 1e-5 * confidence,
                     qPrintable(QString("%1[%2]: ratio %3, C %4").arg(plainMoments[group].first.c_str()).arg(i).arg(b / a).arg(confidence)));
            ++compared;
        }
    QVERIFY(compared > 100);
    QVERIFY(weighted.confidence.enabled() && !plain.confidence.enabled());
    QVERIFY(weighted.confidence.b2 != initialConfidenceNetwork(kConfidenceHidden, seed).b2); // the network took its own step
}

void GsparcConfidenceTest::weightedTrainingResumesExactly()
{
    const auto [receiver, dataset, seed] = test::smallTeacherScene(12);
    TrainingSettings settings;
    settings.iterations = 12;
    settings.curveEvery = 3;
    settings.seed = seed;
    settings.confidence = true;
    settings.confidenceAlpha = test::uniform(0.1, 0.6);
    TrainingState straight = startTraining(test::studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(trainSteps(straight, dataset, settings, {}, {}));
    QCOMPARE(straight.curveConfidence.size(), straight.curveStep.size());

    TrainingState first = startTraining(test::studentField(dataset, seed), dataset, SpectrumQuantity::Magnitude);
    QVERIFY(!trainSteps(first, dataset, settings, {}, [&] { return first.step >= 6; }));
    QTemporaryDir temporary;
    const fs::path file = fs::path(temporary.path().toStdString()) / "ckpt.npz";
    writeNpz(file, checkpointToNpz(first));
    TrainingState resumed = checkpointFromNpz(readNpz(file), file.string());
    QCOMPARE(resumed.confidence.w1, first.confidence.w1);
    QCOMPARE(resumed.confidenceSecond.b2, first.confidenceSecond.b2);
    QVERIFY(trainSteps(resumed, dataset, settings, {}, {}));
    QCOMPARE(resumed.field.means, straight.field.means);
    QCOMPARE(resumed.confidence.w2, straight.confidence.w2);
    QCOMPARE(resumed.curveConfidence, straight.curveConfidence);

    // A damaged network is refused with the file's name and the array.
    NpzArchive broken = checkpointToNpz(first);
    broken["confidence_w1"].shape = {2};
    broken["confidence_w1"].bytes.resize(8);
    const QString why = QString::fromStdString(test::checkpointRefusal(broken, "broken.npz"));
    QVERIFY2(why.contains("broken.npz") && why.contains("confidence_w1"), qPrintable("a damaged confidence network loaded, or refused without naming it: " + why));
    // So is a loss-weight curve that does not match the checkpoint's curve steps.
    NpzArchive shortCurve = checkpointToNpz(first);
    const float one = 1.0f;
    shortCurve["curve_confidence"] = NpyArray::from<float>({1}, std::span(&one, 1));
    const QString whyCurve = QString::fromStdString(test::checkpointRefusal(shortCurve, "curve.npz"));
    QVERIFY2(whyCurve.contains("curve.npz") && whyCurve.contains("curve_confidence"), qPrintable("a mismatched curve loaded: " + whyCurve));
}

QTEST_GUILESS_MAIN(GsparcConfidenceTest)
#include "tst_gsparc_confidence.moc"
