// Sampling of the latent consistency engine beyond its definition: the GPU path against the CPU
// path (skipped, with the reason, without a GPU), the trajectories the latent view draws, and the
// improved precision and recall against a brute-force definition.
#include "TestSupport.h"
#include "engine/consistency/Denoiser.h"
#include "engine/consistency/PrecisionRecall.h"
#include "engine/consistency/Sampling.h"
#include "engine/core/Device.h"
#include "engine/core/Error.h"
#include "engine/core/LatencyRecorder.h"
#if LS_HAS_CUDA
#include "engine/consistency/DenoiserCuda.h"
#endif

#include <algorithm>
#include <cmath>
#include <vector>

using namespace ls;
using namespace ls::consistency;

class TestConsistencySampling : public QObject {
    Q_OBJECT
private slots:
    void trajectoriesAreThoseOfTheFirstSamples()
    {
        // The latent view's trajectories come from a small batch sampled apart: its rows must be
        // the first rows of the timed batch (the same noise), ending at those samples.
        DenoiserSpec spec;
        spec.latent = static_cast<int>(test::uniformInt(2, 8));
        spec.hidden = 16;
        spec.blocks = 1;
        spec.seed = static_cast<std::uint64_t>(test::uniformInt(0, 9999));
        Denoiser consistency(spec, Parameterisation::Consistency), diffusion(spec, Parameterisation::Diffusion);
        const int count = static_cast<int>(test::uniformInt(20, 60)), first = 6;
        std::vector<Matrix> estimates;
        const Matrix all = sampleConsistency(consistency, count, {5.0, 0.5}, 9);
        const Matrix few = sampleConsistency(consistency, first, {5.0, 0.5}, 9, {}, &estimates);
        QCOMPARE(estimates.size(), std::size_t(3)); // one estimate per network evaluation
        QVERIFY(few.isApprox(all.topRows(first), 1e-6f));
        QVERIFY(estimates.back() == few);
        estimates.clear();
        const Matrix allEuler = sampleDiffusion(diffusion, count, 7, false, 9);
        const Matrix fewEuler = sampleDiffusion(diffusion, first, 7, false, 9, {}, &estimates);
        QCOMPARE(estimates.size(), std::size_t(7));
        QVERIFY(fewEuler.isApprox(allEuler.topRows(first), 1e-5f));
    }

    void precisionAndRecallMatchTheirDefinition()
    {
        const int n = static_cast<int>(test::uniformInt(20, 60)), m = static_cast<int>(test::uniformInt(20, 60));
        const int width = static_cast<int>(test::uniformInt(2, 6)), k = 3;
        Matrix real(n, width), generated(m, width);
        for (Eigen::Index i = 0; i < real.size(); ++i)
            real.data()[i] = test::uniform(-1, 1);
        for (Eigen::Index i = 0; i < generated.size(); ++i)
            generated.data()[i] = test::uniform(-1, 1) * 0.5f + 0.4f; // overlapping, narrower
        // Brute force: k-th smallest distance to the others, then "inside any ball".
        auto radii = [&](const Matrix& x) {
            std::vector<double> r;
            for (Eigen::Index i = 0; i < x.rows(); ++i) {
                std::vector<double> d;
                for (Eigen::Index j = 0; j < x.rows(); ++j)
                    if (j != i)
                        d.push_back((x.row(i) - x.row(j)).cast<double>().norm());
                std::sort(d.begin(), d.end());
                r.push_back(d[k - 1]);
            }
            return r;
        };
        auto covered = [&](const Matrix& queries, const Matrix& centres) {
            const auto r = radii(centres);
            int inside = 0;
            for (Eigen::Index q = 0; q < queries.rows(); ++q) {
                bool any = false;
                for (Eigen::Index c = 0; c < centres.rows(); ++c)
                    any = any || (queries.row(q) - centres.row(c)).cast<double>().norm() <= r[c] * (1 + 1e-9);
                inside += any;
            }
            return static_cast<double>(inside) / queries.rows();
        };
        const PrecisionRecall got = precisionRecall(real, generated, k);
        QCOMPARE(got.precision, covered(generated, real));
        QCOMPARE(got.recall, covered(real, generated));
        QVERIFY(got.precision > got.recall); // the narrower set is inside the real one, and covers less of it
        const PrecisionRecall same = precisionRecall(real, real, k);
        QCOMPARE(same.precision, 1.0);
        QCOMPARE(same.recall, 1.0);
        const PrecisionRecall apart = precisionRecall(real, generated.array() + 100.0f, k);
        QCOMPARE(apart.precision, 0.0);
        QCOMPARE(apart.recall, 0.0);
        QVERIFY_THROWS_EXCEPTION(ArgumentError, precisionRecall(real.topRows(3), generated, k));
    }

    void gpuSamplersAgreeWithTheCpu()
    {
        // The GPU path of sampling (cuBLAS + kernels) against the CPU path on a random-weight
        // denoiser and random seeds. Bounds (relative, norm-wise over the batch): consistency
        // (1–3 evaluations) 1e-4; 20-step Euler and Heun 1e-3, as rounding differences of the GEMMs
        // compound over the steps.
        const auto cuda = enumerateCudaDevices();
        if (cuda.devices.empty())
            QSKIP(qPrintable("no CUDA device for the GPU sampler: " + QString::fromStdString(cuda.reason)));
#if LS_HAS_CUDA
        DenoiserSpec spec;
        spec.latent = static_cast<int>(test::uniformInt(4, 32));
        spec.hidden = static_cast<int>(test::uniformInt(32, 300));
        spec.blocks = static_cast<int>(test::uniformInt(1, 4));
        spec.seed = static_cast<std::uint64_t>(test::uniformInt(0, 99999));
        Denoiser consistency(spec, Parameterisation::Consistency), diffusion(spec, Parameterisation::Diffusion);
        const int count = static_cast<int>(test::uniformInt(1, 700));
        const auto seed = static_cast<std::uint64_t>(test::uniformInt(0, 99999));
        const int device = cuda.devices.front().index;
        auto relative = [](const Matrix& got, const Matrix& want) { return (got - want).norm() / std::max(want.norm(), 1e-12f); };
        DenoiserCuda consistencyGpu(consistency, device), diffusionGpu(diffusion, device);
        LatencyRecorder recorder;
        for (const std::vector<double>& taus : std::vector<std::vector<double>>{{}, {0.8}, {17.5, 2.5, 0.17}}) {
            const double error = relative(consistencyGpu.sampleConsistency(count, taus, seed, &recorder), sampleConsistency(consistency, count, taus, seed));
            QVERIFY2(error <= 1e-4, qPrintable(QString("consistency, %1 steps: relative error %2").arg(taus.size() + 1).arg(error)));
        }
        for (const bool heun : {false, true}) {
            const double error = relative(diffusionGpu.sampleDiffusion(count, 20, heun, seed), sampleDiffusion(diffusion, count, 20, heun, seed));
            QVERIFY2(error <= 1e-3, qPrintable(QString("%1, 20 steps: relative error %2").arg(heun ? "Heun" : "Euler").arg(error)));
        }
        const auto stages = recorder.record().stagePaths();
        QVERIFY(std::find(stages.begin(), stages.end(), "denoiser") != stages.end()); // GPU stages from CUDA events
#else
        QSKIP("a CUDA device is present but this build has no CUDA path");
#endif
    }
};

QTEST_GUILESS_MAIN(TestConsistencySampling)
#include "tst_consistency_sampling.moc"
