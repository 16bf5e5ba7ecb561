// The template engine: deterministic per seed, the uv input honoured, and the CUDA path agreeing
// with the CPU path (skipped, with the reason, where no GPU is usable).
#include "TestSupport.h"
#include "engine/SurfaceSamplerEngine.h"
#include "engine/core/EngineRunner.h"

#include <cmath>

using namespace ls;

namespace {

RunRequest randomRequest(surface::SurfaceSamplerEngine& engine, const char* device)
{
    RunRequest request;
    request.parameters = defaultValues(engine.parameterSchema());
    const char* surfaces[] = {"torus", "sphere", "saddle"};
    request.parameters["surface"] = std::string(surfaces[test::uniformInt(0, 2)]);
    request.parameters["pointCount"] = test::uniformInt(1, 300000);
    request.parameters["majorRadius"] = static_cast<double>(test::uniform(0.2f, 5.f));
    request.parameters["minorRadius"] = static_cast<double>(test::uniform(0.05f, 0.5f));
    request.parameters["noiseStd"] = static_cast<double>(test::uniform(0.f, 0.05f));
    request.parameters["seed"] = test::uniformInt(0, 1ll << 40);
    request.warmupRepeats = 0;
    request.device = device;
    return request;
}

const PointCloud& cloudOf(const CompletedRun& run)
{
    return std::get<PointCloud>(run.output.datasets.at(0).content);
}

} // namespace

class TestTemplate : public QObject {
    Q_OBJECT
private slots:
    void sameSeedSamePointsOtherSeedOtherPoints()
    {
        surface::SurfaceSamplerEngine engine;
        RunRequest request = randomRequest(engine, "cpu");
        request.parameters["pointCount"] = test::uniformInt(100, 5000);
        const auto a = runEngine(engine, request);
        const auto b = runEngine(engine, request);
        QCOMPARE(cloudOf(a).positions, cloudOf(b).positions);
        request.parameters["seed"] = intParameter(request.parameters, "seed") + 1;
        const auto c = runEngine(engine, request);
        QVERIFY(cloudOf(a).positions != cloudOf(c).positions);
        QCOMPARE(a.latency.stagePaths(), (std::vector<std::string>{"draw uv", "map to surface", "add noise", "attributes"}));
    }

    void uvInputSetsTheSampleLocations()
    {
        surface::SurfaceSamplerEngine engine;
        RunRequest request = randomRequest(engine, "cpu");
        const int n = static_cast<int>(test::uniformInt(1, 1000));
        std::vector<float> uv(2 * n);
        for (auto& x : uv)
            x = test::uniform(0, 1);
        request.inputs["uv"] = NpyArray::from<float>({n, 2}, uv);
        const auto run = runEngine(engine, request);
        QCOMPARE(cloudOf(run).pointCount(), std::size_t(n));
        QCOMPARE(cloudOf(run).attributes[2].values[n - 1], uv[2 * (n - 1)]);

        uv[0] = std::nanf("");
        request.inputs["uv"] = NpyArray::from<float>({n, 2}, uv);
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
        request.inputs["uv"] = NpyArray::from<float>({1, 3}, std::vector<float>{0.1f, 0.2f, 0.3f});
        QVERIFY_THROWS_EXCEPTION(FormatError, runEngine(engine, request));
    }

    void cancelStopsTheRun()
    {
        surface::SurfaceSamplerEngine engine;
        std::atomic<bool> cancel{true};
        QVERIFY_THROWS_EXCEPTION(CancelledError, runEngine(engine, randomRequest(engine, "cpu"), {}, &cancel));
    }

    void cudaMatchesCpu()
    {
        const auto cuda = enumerateCudaDevices();
        if (cuda.devices.empty())
            QSKIP(qPrintable("no CUDA device to compare against: " + QString::fromStdString(cuda.reason)));
        surface::SurfaceSamplerEngine engine;
        QVERIFY(engine.hasCudaPath());
        for (int trial = 0; trial < 4; ++trial) {
            RunRequest request = randomRequest(engine, "cpu");
            const auto cpu = runEngine(engine, request);
            request.device = "cuda:0";
            const auto gpu = runEngine(engine, request);
            QVERIFY(gpu.device.isCuda());
            QVERIFY(gpu.latency.stagePaths().size() >= 5); // includes the download stage
            const auto& a = cloudOf(cpu);
            const auto& b = cloudOf(gpu);
            QCOMPARE(b.pointCount(), a.pointCount());
            // uv comes from integer hashing: bit-identical. Positions go through sinf/cosf/logf,
            // which differ by a few ulp between the host and device math libraries: bound the
            // error relative to the surface's size at 1e-5.
            QCOMPARE(b.attributes[2].values, a.attributes[2].values);
            const double scale = floatParameter(request.parameters, "majorRadius") + floatParameter(request.parameters, "minorRadius");
            double worst = 0;
            for (std::size_t i = 0; i < a.positions.size(); ++i)
                worst = std::max(worst, std::abs(static_cast<double>(a.positions[i]) - b.positions[i]) / scale);
            QVERIFY2(worst <= 1e-5, qPrintable(QString("relative error %1").arg(worst)));
        }
    }
};

QTEST_GUILESS_MAIN(TestTemplate)
#include "tst_template.moc"
