// The latent consistency recipe's arithmetic and its yardstick: the EDM schedule and scalings (the
// boundary condition f(x, σ_min) = x), the curriculum, iCT's index distribution, the losses against
// closed forms, each paper's c, the early diffusion loss's normalisation and gradient, the Fréchet
// distance against closed forms, and the bundled feature network every distance uses.
#include "ConsistencyTestSupport.h"
#include "TestSupport.h"
#include "engine/consistency/ConsistencySchedule.h"
#include "engine/consistency/Denoiser.h"
#include "engine/consistency/FashionMnist.h"
#include "engine/consistency/FeatureNetwork.h"
#include "engine/consistency/FrechetDistance.h"
#include "engine/consistency/LatentTraining.h"
#include "engine/consistency/Training.h"
#include "engine/core/Error.h"
#include "engine/core/Npz.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

using namespace ls;
using namespace ls::consistency;

class TestConsistencyRecipe : public QObject {
    Q_OBJECT
private slots:
    void boundaryConditionHolds()
    {
        const Edm edm;
        QCOMPARE(cSkip(edm.sigmaMin), 1.0);
        QCOMPARE(cOut(edm.sigmaMin), 0.0);
        // f(x, σ_min) = c_skip·x + c_out·F = x, whatever the network says.
        for (int i = 0; i < 100; ++i) {
            const double x = test::uniform(-3, 3), network = test::uniform(-100, 100);
            QCOMPARE(cSkip(edm.sigmaMin) * x + cOut(edm.sigmaMin) * network, x);
        }
        // Far from σ_min the skip fades and the output scale tends to σ_d.
        QVERIFY(cSkip(80) < 1e-4);
        QVERIFY(std::abs(cOut(80) - edm.sigmaData) < 1e-4);
        const double sigma = test::uniform(0.01f, 50);
        QCOMPARE(cIn(sigma), 1 / std::sqrt(sigma * sigma + 0.25));
        QCOMPARE(cNoise(sigma), 250 * std::log(sigma));
    }

    void karrasScheduleAndCurriculum()
    {
        const int n = static_cast<int>(test::uniformInt(2, 700));
        const auto sigmas = karrasSigmas(n);
        QCOMPARE(sigmas.front(), 0.002);
        QCOMPARE(sigmas.back(), 80.0);
        QVERIFY(std::is_sorted(sigmas.begin(), sigmas.end()));
        const int i = static_cast<int>(test::uniformInt(0, n - 1));
        const double expected = std::pow(std::pow(0.002, 1 / 7.0) + i / (n - 1.0) * (std::pow(80.0, 1 / 7.0) - std::pow(0.002, 1 / 7.0)), 7.0);
        QVERIFY(std::abs(sigmas[i] - expected) <= 1e-12 * expected);
        QVERIFY_THROWS_EXCEPTION(ArgumentError, karrasSigmas(1));

        // 11, 21, 41, … 641 over 7 equal stages.
        const std::int64_t total = 7000;
        const int expectedSteps[7] = {11, 21, 41, 81, 161, 321, 641};
        for (int stage = 0; stage < 7; ++stage) {
            QCOMPARE(curriculumSteps(stage * 1000, total), expectedSteps[stage]);
            QCOMPARE(curriculumSteps(stage * 1000 + 999, total), expectedSteps[stage]);
        }
        QCOMPARE(curriculumSteps(10 * total, total), 641); // capped
    }

    void indexDistributionAndLosses()
    {
        const auto sigmas = karrasSigmas(641);
        const auto p = lognormalIndexProbabilities(sigmas);
        QCOMPARE(p.size(), sigmas.size() - 1);
        QVERIFY(std::abs(std::accumulate(p.begin(), p.end(), 0.0) - 1.0) < 1e-12);
        QVERIFY(std::all_of(p.begin(), p.end(), [](double v) { return v > 0; }));
        // Per unit of ln σ the density peaks at P_mean = −1.1 (σ ≈ 0.33).
        std::size_t densest = 0;
        double best = 0;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (const double density = p[i] / (std::log(sigmas[i + 1]) - std::log(sigmas[i])); density > best) {
                best = density;
                densest = i;
            }
        QVERIFY2(std::abs(std::log(sigmas[densest]) + 1.1) < 0.05, qPrintable(QString::number(sigmas[densest])));
        QCOMPARE(pairWeight(0.5, 0.75), 4.0);

        // Closed forms: ‖(1.8, 2.4)‖ = 3, so √(9 + 16) − 4 = 1; mean(d²) = 4.5 → ln(1 + 4.5 / (2c²)).
        const float d[2] = {1.8f, 2.4f};
        QVERIFY(std::abs(pseudoHuberLoss(d, 4.0) - 1.0) < 1e-6);
        const double c = test::uniform(0.01f, 2);
        QVERIFY(std::abs(cauchyLoss(d, c) - std::log(1 + 4.5 / (2 * c * c))) < 1e-6);
        QCOMPARE(cauchyLoss(std::span<const float>{}, c), 0.0);
        QCOMPARE(adaptiveC(11), std::exp(-1.15 * std::log(10.0) - 0.85));
        QVERIFY(adaptiveC(641) < adaptiveC(11)); // c shrinks as the discretisation refines
        QCOMPARE(diffusionWeight(0.5), 8.0); // 1/σ² + 4
    }

    void recipeCIsEachPapersOwn()
    {
        ConsistencyRecipe cauchy;
        // sLCT: the fixed c through the curriculum's first stage (N = 11), its adaptive c after it.
        QCOMPARE(distanceC(cauchy, cauchy.curriculumStart + 1, 16), cauchy.fixedC);
        QCOMPARE(distanceC(cauchy, 2 * cauchy.curriculumStart + 1, 16), adaptiveC(2 * cauchy.curriculumStart + 1));
        QCOMPARE(distanceC(cauchy, 641, 16), adaptiveC(641));
        // iCT: 0.00054·√d whatever the stage — 0.00216 for 16-d latents, 0.0299 for 32×32×3 images.
        ConsistencyRecipe huber;
        huber.distance = Distance::PseudoHuber;
        QVERIFY(std::abs(distanceC(huber, 11, 16) - 0.00216) < 1e-12);
        QVERIFY(std::abs(distanceC(huber, 641, 3072) - 0.00054 * std::sqrt(3072.0)) < 1e-12);
        // Off: the fixed c for both.
        cauchy.adaptiveC = huber.adaptiveC = false;
        QCOMPARE(distanceC(cauchy, 641, 16), cauchy.fixedC);
        QCOMPARE(distanceC(huber, 641, 16), huber.fixedC);
    }

    void earlyDiffusionLossIsAMeanOverItsOwnRows()
    {
        // Random student, teacher and clean rows; every other row is early. Expected values written
        // out plainly here, in double, from the papers' formulas.
        constexpr int batch = 12, d = 5;
        Matrix student(batch, d), teacher(batch, d), clean(batch, d);
        for (Matrix* m : {&student, &teacher, &clean})
            for (Eigen::Index i = 0; i < m->size(); ++i)
                m->data()[i] = test::uniform(-1.5f, 1.5f);
        std::vector<double> teacherSigma(batch), studentSigma(batch);
        std::vector<char> early(batch);
        for (int r = 0; r < batch; ++r) {
            teacherSigma[r] = test::uniform(0.01f, 2.0f);
            studentSigma[r] = teacherSigma[r] * test::uniform(1.05f, 1.5f);
            early[r] = r % 2 == 0;
        }
        for (const Distance distance : {Distance::Cauchy, Distance::PseudoHuber}) {
            ConsistencyRecipe recipe;
            recipe.distance = distance;
            const double c = test::uniform(0.01f, 0.2f);
            const BatchLoss loss = consistencyBatchLoss(student, teacher, clean, teacherSigma, studentSigma, early, recipe, c);
            double consistencyPart = 0, diffusionPart = 0;
            for (int r = 0; r < batch; ++r) {
                double squares = 0, errors = 0;
                for (int j = 0; j < d; ++j) {
                    squares += std::pow(double(student(r, j)) - teacher(r, j), 2);
                    errors += std::pow(double(student(r, j)) - clean(r, j), 2);
                }
                const double distanceValue = distance == Distance::Cauchy ? std::log1p(squares / d / (2 * c * c))
                                                                          : std::sqrt(squares + c * c) - c;
                consistencyPart += distanceValue / (studentSigma[r] - teacherSigma[r]) / batch;
                if (early[r])
                    diffusionPart += 5.0 * (1 / (studentSigma[r] * studentSigma[r]) + 4) * errors / d / (batch / 2); // 6 early rows
            }
            QVERIFY2(std::abs(loss.value - (consistencyPart + diffusionPart)) < 1e-4 * (consistencyPart + diffusionPart),
                     qPrintable(QString("%1 vs %2").arg(loss.value).arg(consistencyPart + diffusionPart)));

            // The gradient against central differences of the same function (float outputs, so 2e-2 relative).
            const double step = 1e-3;
            for (int probe = 0; probe < 6; ++probe) {
                const int r = static_cast<int>(test::uniformInt(0, batch - 1)), j = static_cast<int>(test::uniformInt(0, d - 1));
                Matrix up = student, down = student;
                up(r, j) += static_cast<float>(step);
                down(r, j) -= static_cast<float>(step);
                const double numeric = (consistencyBatchLoss(up, teacher, clean, teacherSigma, studentSigma, early, recipe, c).value -
                                        consistencyBatchLoss(down, teacher, clean, teacherSigma, studentSigma, early, recipe, c).value) /
                                       (double(up(r, j)) - down(r, j));
                QVERIFY2(std::abs(numeric - loss.gradient(r, j)) <= 2e-2 * std::abs(numeric) + 1e-3,
                         qPrintable(QString("row %1 col %2: %3 vs %4").arg(r).arg(j).arg(loss.gradient(r, j)).arg(numeric)));
            }
        }
        // The diffusion part's weight does not shrink as non-early rows are added to the batch.
        ConsistencyRecipe recipe;
        std::vector<char> none(batch, 0);
        const double withoutEarly = consistencyBatchLoss(student, teacher, clean, teacherSigma, studentSigma, none, recipe, 0.05).value;
        std::vector<char> one(batch, 0);
        one[3] = 1;
        const double withOne = consistencyBatchLoss(student, teacher, clean, teacherSigma, studentSigma, one, recipe, 0.05).value;
        const double expectedOne = 5.0 * (1 / (studentSigma[3] * studentSigma[3]) + 4) * (student.row(3) - clean.row(3)).squaredNorm() / d;
        QVERIFY(std::abs((withOne - withoutEarly) - expectedOne) < 1e-4 * expectedOne);
        QVERIFY_THROWS_EXCEPTION(ArgumentError, consistencyBatchLoss(student, teacher, clean, teacherSigma, studentSigma,
                                                                     std::vector<char>(batch - 1), recipe, 0.05));
    }

    void bundledFeatureNetworkIsTheCommittedOne()
    {
        // The compiled-in network is the committed file: same checksum, same facts, and it still
        // classifies the test split as its facts say it did when it was trained.
        const FeatureNetworkFacts& facts = bundledFeatureNetworkFacts();
        std::ifstream committed(std::string(STUDIO_FD_FEATURES) + ".sha256");
        std::string checksum;
        committed >> checksum;
        QCOMPARE(facts.sha256, checksum);
        QCOMPARE(facts.trainImages, std::int64_t{60000});
        QVERIFY(facts.steps > 0 && facts.seed > 0);
        FeatureNetworkFacts fromFile;
        FeatureClassifier onDisk = featureNetworkFrom(readNpz(STUDIO_FD_FEATURES), STUDIO_FD_FEATURES, &fromFile);
        QCOMPARE(fromFile.testAccuracy, facts.testAccuracy);
        FeatureClassifier bundled = bundledFeatureNetwork();
        const auto a = bundled.parameters(), b = onDisk.parameters();
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            QVERIFY(a[i]->value == b[i]->value);
        if (std::filesystem::exists(kFashionMnistFolder)) { // (the rest of the suite skips without it, this part too)
            const ImageSet test = loadFashionMnist(Split::Test);
            QVERIFY(std::abs(bundled.accuracy(pixelMatrix(test), test.labels) - facts.testAccuracy) < 2e-3);
        }
        QVERIFY2(facts.testAccuracy > 0.88, qPrintable(QString::number(facts.testAccuracy)));
        QVERIFY(QString::fromStdString(featureNetworkLabel()).startsWith(QString::fromStdString("fd-features " + checksum.substr(0, 12))));
        // Not a feature network: refused with the source named.
        NpzArchive other;
        other["facts.json"] = NpyArray::from<std::uint8_t>({2}, std::vector<std::uint8_t>{'{', '}'});
        QVERIFY_THROWS_EXCEPTION(FormatError, featureNetworkFrom(other, "other.npz"));
    }

    void frechetDistanceClosedForms()
    {
        // Diagonal covariances: FD = Σ (μ₁ − μ₂)² + Σ (√a − √b)².
        const int d = static_cast<int>(test::uniformInt(1, 12));
        FeatureGaussian a{Eigen::VectorXd(d), Eigen::MatrixXd::Zero(d, d)}, b{Eigen::VectorXd(d), Eigen::MatrixXd::Zero(d, d)};
        double expected = 0;
        for (int i = 0; i < d; ++i) {
            a.mean[i] = test::uniform(-2, 2);
            b.mean[i] = test::uniform(-2, 2);
            a.covariance(i, i) = test::uniform(0.1f, 3);
            b.covariance(i, i) = test::uniform(0.1f, 3);
            expected += std::pow(a.mean[i] - b.mean[i], 2) + std::pow(std::sqrt(a.covariance(i, i)) - std::sqrt(b.covariance(i, i)), 2);
        }
        QVERIFY(std::abs(frechetDistance(a, b) - expected) < 1e-9 * std::max(1.0, expected));
        QVERIFY(std::abs(frechetDistance(a, a)) < 1e-9);
        // A full covariance against itself rotated into another basis and back: still 0.
        const Matrix samples = test::randomMatrix(4000, 5, -1, 1) * test::randomMatrix(5, 5);
        const FeatureGaussian fitted = fitGaussian(samples);
        QVERIFY(std::abs(frechetDistance(fitted, fitted)) < 1e-8);
        QVERIFY(frechetDistance(fitted, fitGaussian(samples.array() + 0.5f)) > 0.24); // a shift of 0.5 in 5 dims: 1.25
    }
};

QTEST_GUILESS_MAIN(TestConsistencyRecipe)
#include "tst_consistency_recipe.moc"
