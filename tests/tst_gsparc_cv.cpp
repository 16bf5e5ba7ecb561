// Cross-validation of the GSpaRC recipe (issue 24): folds that partition the samples, spatial
// blocks that really separate positions, bootstrap intervals, the inverse-distance baseline, and
// a whole gsparc-cv run on the bundled RFID sample with a tiny recipe.
#include "TestSupport.h"
#include "engine/core/EngineRunner.h"
#include "engine/rf/CrossValidation.h"
#include "engine/rf/GsparcEngines.h"
#include "engine/rf/HeldOutEvaluation.h"

#include <QtTest>
#include <algorithm>
#include <set>

using namespace ls;
using namespace ls::rf;

namespace {

// Samples at the given positions, each spectrum a constant map of its index (1 frequency, 2 × 2).
RfDataset datasetAt(const std::vector<std::array<float, 3>>& positions)
{
    RfDataset dataset;
    dataset.mapping.width = dataset.mapping.height = 2;
    for (std::size_t i = 0; i < positions.size(); ++i) {
        SpectrumSample sample;
        sample.number = static_cast<int>(i);
        sample.movingEnd = positions[i];
        sample.spectrum.assign(4, static_cast<float>(i));
        dataset.samples.push_back(sample);
    }
    return dataset;
}

std::vector<std::size_t> iota(std::size_t n)
{
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i)
        all[i] = i;
    return all;
}

void checkPartition(const std::vector<std::vector<std::size_t>>& folds, std::size_t n)
{
    std::multiset<std::size_t> seen;
    for (const auto& fold : folds) {
        QVERIFY(!fold.empty());
        seen.insert(fold.begin(), fold.end());
    }
    QCOMPARE(seen.size(), n);
    QCOMPARE(std::set<std::size_t>(seen.begin(), seen.end()).size(), n); // each sample once
}

} // namespace

class TestGsparcCrossValidation : public QObject {
    Q_OBJECT
private slots:
    void randomFoldsPartitionEvenly()
    {
        const auto n = static_cast<std::size_t>(test::uniformInt(10, 200));
        const int k = static_cast<int>(test::uniformInt(2, 10));
        const auto seed = static_cast<std::uint64_t>(test::uniformInt(0, 1000));
        const auto folds = randomFolds(iota(n), k, seed);
        QCOMPARE(folds.size(), static_cast<std::size_t>(k));
        checkPartition(folds, n);
        std::size_t smallest = n, largest = 0;
        for (const auto& fold : folds) {
            smallest = std::min(smallest, fold.size());
            largest = std::max(largest, fold.size());
        }
        QVERIFY(largest - smallest <= 1);
        QVERIFY(randomFolds(iota(n), k, seed) == folds); // seeded
        QVERIFY_THROWS_EXCEPTION(ArgumentError, randomFolds(iota(3), 4, seed));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, randomFolds(iota(3), 1, seed));
    }

    void spatialBlocksFindSeparatedClusters()
    {
        // Three tight clusters far apart: three blocks are exactly the clusters. One k-means++ start
        // puts two centres in one cluster with probability ∝ squared distances within it against
        // those across: with clusters 10 apart and ±0.5 wide that was a few percent of runs (seed
        // 256926705 failed); 100 apart and ±0.01 wide it is below 2e-6.
        std::vector<std::array<float, 3>> positions;
        const float centres[3][3] = {{0, 0, 0}, {100, 0, 0}, {0, 100, 50}};
        std::vector<int> truth;
        for (int c = 0; c < 3; ++c)
            for (int i = 0, count = static_cast<int>(test::uniformInt(3, 20)); i < count; ++i) {
                positions.push_back({centres[c][0] + test::uniform(-0.01f, 0.01f), centres[c][1] + test::uniform(-0.01f, 0.01f),
                                     centres[c][2] + test::uniform(-0.01f, 0.01f)});
                truth.push_back(c);
            }
        const RfDataset dataset = datasetAt(positions);
        const auto folds = spatialFolds(dataset, iota(positions.size()), 3, static_cast<std::uint64_t>(test::uniformInt(0, 1000)));
        QCOMPARE(folds.size(), std::size_t(3));
        checkPartition(folds, positions.size());
        for (const auto& fold : folds)
            for (const std::size_t i : fold)
                QCOMPARE(truth[i], truth[fold.front()]);
    }

    void spatialBlocksHoldOutNeighbours()
    {
        // Random positions: a held-out sample is farther from its training set under spatial
        // blocks than under random folds, which is the point of them.
        std::vector<std::array<float, 3>> positions;
        for (int i = 0; i < 150; ++i)
            positions.push_back({test::uniform(0, 4), test::uniform(0, 4), test::uniform(0, 1)});
        RfDataset dataset = datasetAt(positions);
        auto meanDistance = [&](const std::vector<std::vector<std::size_t>>& folds) {
            double total = 0;
            for (std::size_t f = 0; f < folds.size(); ++f) {
                dataset.train.clear();
                for (std::size_t g = 0; g < folds.size(); ++g)
                    if (g != f)
                        dataset.train.insert(dataset.train.end(), folds[g].begin(), folds[g].end());
                for (const std::size_t i : folds[f])
                    total += distanceToTraining(dataset, positions[i]);
            }
            return total / static_cast<double>(positions.size());
        };
        const double random = meanDistance(randomFolds(iota(150), 5, 3)), spatial = meanDistance(spatialFolds(dataset, iota(150), 5, 3));
        qInfo("mean distance to the training set: random folds %.3f, spatial blocks %.3f", random, spatial);
        QVERIFY(spatial > 2 * random);
    }

    void bootstrapIntervals()
    {
        const auto median = [](std::vector<double> v) { return rf::median(std::move(v)); };
        const Interval constant = bootstrapInterval(std::vector<double>(30, 0.7), median, 1);
        QCOMPARE(constant.estimate, 0.7);
        QCOMPARE(constant.low, 0.7);
        QCOMPARE(constant.high, 0.7);
        std::vector<double> few, many;
        for (int i = 0; i < 20; ++i)
            few.push_back(test::uniform(0, 1));
        for (int i = 0; i < 2000; ++i)
            many.push_back(test::uniform(0, 1));
        const Interval narrow = bootstrapInterval(many, median, 2), wide = bootstrapInterval(few, median, 2);
        QVERIFY(narrow.low <= narrow.estimate && narrow.estimate <= narrow.high);
        QVERIFY(wide.low <= wide.estimate && wide.estimate <= wide.high);
        QVERIFY(narrow.high - narrow.low < wide.high - wide.low);
        // The true median of U(0, 1), 0.5, within the interval widened by its own width on each side:
        // a 95 % interval misses it in one run of 20 by design, this in about one of a million, and a
        // misplaced interval (width < 0.1 here) still fails it.
        const double width = narrow.high - narrow.low;
        QVERIFY2(narrow.low - width < 0.5 && narrow.high + width > 0.5, qPrintable(QString("[%1, %2]").arg(narrow.low).arg(narrow.high)));
        QVERIFY(narrow.high - narrow.low < 0.1);
    }

    void inverseDistanceBaseline()
    {
        RfDataset dataset = datasetAt({{0, 0, 0}, {1, 0, 0}, {3, 0, 0}});
        dataset.train = {0, 1, 2};
        // At 1/3 from sample 0 and 2/3 from sample 1: weights ∝ 9 and 9/4, so 0.8 and 0.2 → 0.2.
        const auto blend = inverseDistanceSpectrum(dataset, {1.0f / 3, 0, 0}, 2);
        QVERIFY(std::abs(blend[0] - 0.2f) < 1e-6f);
        QVERIFY(inverseDistanceSpectrum(dataset, {1, 0, 0}, 3) == dataset.samples[1].spectrum); // on a sample: that sample
        QVERIFY(inverseDistanceSpectrum(dataset, {2.9f, 0, 0}, 1) == nearestTrainingSpectrum(dataset, {2.9f, 0, 0}, 1));
    }

    void crossValidatesTheSample()
    {
        GsparcCrossValidationEngine engine;
        RunRequest request;
        request.parameters = defaultValues(engine.parameterSchema());
        request.parameters["dataset"] = std::string(STUDIO_RFID_SAMPLE);
        request.parameters["folds"] = std::int64_t{2};
        request.parameters["iterations"] = std::int64_t{2};
        request.parameters["spacing"] = 2.0; // a few Gaussians: this checks the bookkeeping, not the field
        request.repeats = 1;
        request.warmupRepeats = 0;
        const CompletedRun run = runEngine(engine, request);
        auto table = [&](const std::string& name) -> const Table& {
            for (const auto& dataset : run.output.datasets)
                if (dataset.name == name)
                    return std::get<Table>(dataset.content);
            qFatal("no table %s", name.c_str());
        };
        const Table& summary = table("cross-validation");
        QCOMPARE(summary.rows.size(), std::size_t(8)); // 2 splits × 4 methods
        for (const auto& row : summary.rows)
            QCOMPARE(row[2], std::string("160")); // every sample scored once per split
        const Table& perSample = table("per-sample cross-validation");
        QCOMPARE(perSample.rows.size(), std::size_t(320));
        std::set<std::string> randomSamples;
        for (const auto& row : perSample.rows)
            if (row[0] == "random")
                randomSamples.insert(row[2]);
        QCOMPARE(randomSamples.size(), std::size_t(160));
        QCOMPARE(table("field vs baselines").rows.size(), std::size_t(6));
        QCOMPARE(table("folds").rows.size(), std::size_t(4));
    }
};

QTEST_GUILESS_MAIN(TestGsparcCrossValidation)
#include "tst_gsparc_cv.moc"
