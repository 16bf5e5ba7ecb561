// The latent consistency engine beyond its definitions: the GPU paths of sampling and training
// against the CPU's (skipped, with the reason, without a GPU), the trajectories the latent view
// draws, and the improved precision and recall against a brute-force definition.
#include "GpuCheckSupport.h"
#include "TestSupport.h"
#include "engine/consistency/Denoiser.h"
#include "engine/consistency/DenoiserBackend.h"
#include "engine/consistency/PrecisionRecall.h"
#include "engine/consistency/Sampling.h"
#include "engine/consistency/Training.h"
#include "engine/core/Device.h"
#include "engine/core/Error.h"
#include "engine/core/LatencyRecorder.h"
#if LS_HAS_CUDA
#include "engine/consistency/DenoiserCuda.h"
#include "engine/consistency/DenoiserTrainingCuda.h"
#endif

#include <algorithm>
#include <cmath>
#include <vector>

using namespace ls;
using namespace ls::consistency;

namespace {
DenoiserSpec randomSpec()
{
    DenoiserSpec spec;
    spec.latent = static_cast<int>(test::uniformInt(4, 32));
    spec.hidden = static_cast<int>(test::uniformInt(32, 300));
    spec.blocks = static_cast<int>(test::uniformInt(1, 4));
    spec.seed = static_cast<std::uint64_t>(test::uniformInt(0, 99999));
    return spec;
}
} // namespace

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
    // The GPU samplers against the CPU: tests/gpu/ConsistencyChecks.cpp.
    LS_RUN_GPU_CHECK("consistency.sampling");
}

    void gpuTrainingAgreesWithTheCpu()
    {
    // GPU denoiser training against the CPU: tests/gpu/ConsistencyChecks.cpp.
    LS_RUN_GPU_CHECK("consistency.training");
}

    void layoutNamesEveryTensor()
    {
        // The GPU paths find each layer's tensors through denoiserLayout: every index must name
        // the tensor parameters() holds there, with the shape the layout says.
        const DenoiserSpec spec = randomSpec();
        Denoiser model(spec, Parameterisation::Consistency);
        const auto parameters = model.parameters();
        const DenoiserLayout layout = denoiserLayout(spec);
        std::size_t seen = 0;
        auto checkLinear = [&](const DenoiserLayout::Linear& layer, const std::string& name) {
            const Parameter& weight = *parameters.at(static_cast<std::size_t>(layer.weight));
            const Parameter& bias = *parameters.at(static_cast<std::size_t>(layer.weight) + 1);
            QCOMPARE(weight.name, "denoiser." + name + ".weight");
            QCOMPARE(bias.name, "denoiser." + name + ".bias");
            QCOMPARE(weight.value.rows(), Eigen::Index(layer.out));
            QCOMPARE(weight.value.cols(), Eigen::Index(layer.in));
            seen += 2;
        };
        checkLinear(layout.embedFirst, "embed.0");
        checkLinear(layout.embedSecond, "embed.1");
        checkLinear(layout.input, "input");
        QCOMPARE(layout.blocks.size(), static_cast<std::size_t>(spec.blocks));
        for (std::size_t b = 0; b < layout.blocks.size(); ++b) {
            const std::string name = "blocks." + std::to_string(b);
            QCOMPARE(parameters.at(static_cast<std::size_t>(layout.blocks[b].normBias))->name, "denoiser." + name + ".norm.bias");
            ++seen;
            checkLinear(layout.blocks[b].first, name + ".0");
            checkLinear(layout.blocks[b].second, name + ".1");
        }
        QCOMPARE(parameters.at(static_cast<std::size_t>(layout.outputNormBias))->name, std::string("denoiser.output_norm.bias"));
        ++seen;
        checkLinear(layout.output, "output");
        QCOMPARE(seen, parameters.size()); // nothing left out
    }

    void trainingOnAGpuNeedsACudaBuild()
    {
        // Asking for a GPU: a build without CUDA says so; a build with it and no device names the
        // CUDA error. Either way an error, never a silent CPU run.
        DenoiserSpec spec;
        spec.latent = 4;
        spec.hidden = 16;
        spec.blocks = 1;
        Denoiser model(spec, Parameterisation::Consistency);
        Adam adam(model.parameters());
        if (!enumerateCudaDevices().devices.empty())
            QSKIP("a CUDA device is present: gpuTrainingAgreesWithTheCpu covers it");
        try {
            makeDenoiserBackend(model, adam, 0);
            QFAIL("no error without a usable GPU");
        } catch (const ArgumentError& error) {
            QVERIFY2(!LS_HAS_CUDA && QString(error.what()).contains("needs a build with CUDA"), error.what());
        } catch (const DeviceError& error) {
            QVERIFY2(LS_HAS_CUDA && QString(error.what()).contains("cuda", Qt::CaseInsensitive), error.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestConsistencySampling)
#include "tst_consistency_sampling.moc"
