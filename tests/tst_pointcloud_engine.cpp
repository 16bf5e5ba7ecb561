// The FlatFormer engine's edges: the synthetic scan, pillarization (NaN and out-of-range points
// dropped and counted, the point→pillar map), the point-file readers on good and malformed files,
// and the engine end to end on a small scan (outputs, stages, bad parameters).
#include "TestSupport.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/Error.h"
#include "engine/core/Npy.h"
#include "engine/pointcloud/FlatFormerEngine.h"
#include "engine/pointcloud/Pillarization.h"
#include "engine/pointcloud/PointFiles.h"
#include "engine/pointcloud/SyntheticLidar.h"

#include <QTemporaryDir>
#include <cmath>
#include <fstream>
#include <set>

using namespace ls;
using namespace ls::pointcloud;

class TestPointCloudEngine : public QObject {
    Q_OBJECT
private slots:
    void syntheticScanLooksLikeAStreet()
    {
        LidarScanSpec spec;
        spec.seed = static_cast<std::uint64_t>(test::uniformInt(0, 1 << 30));
        const LidarScan scan = scanStreetScene(spec);
        QVERIFY2(scan.size() > 20000 && scan.size() < 200000, qPrintable(QString::number(scan.size())));
        std::set<std::int32_t> labels(scan.labels.begin(), scan.labels.end());
        QCOMPARE(labels.size(), std::size_t(4)); // ground, cars, buildings, poles all seen
        for (std::size_t i = 0; i < scan.size(); ++i) {
            const float* p = scan.points.data() + 4 * i;
            QVERIFY(std::hypot(p[0], p[1], p[2]) < spec.maxRangeM + 1); // sensor frame
            if (scan.labels[i] == 0)
                QVERIFY(std::abs(p[2] + spec.sensorHeightM) < 0.2f); // ground returns lie on the ground, up to the range noise
        }
        QCOMPARE(scanStreetScene(spec).points, scan.points); // deterministic for a seed
    }

    void pillarsCountWhatTheyDrop()
    {
        PillarSpec spec;
        std::vector<float> points;
        const int good = static_cast<int>(test::uniformInt(50, 500));
        for (int i = 0; i < good; ++i)
            points.insert(points.end(), {test::uniform(-70, 70), test::uniform(-70, 70), test::uniform(-1.9f, 3.9f), test::uniform(0, 1)});
        points.insert(points.end(), {NAN, 1, 1, 0.5f, 2, INFINITY, 0, 0.5f});   // 2 not finite
        points.insert(points.end(), {80, 0, 0, 0.5f, 0, -75, 0, 0.5f, 0, 0, 9, 0.5f}); // 3 outside
        const Pillars pillars = pillarize(points, 4, spec);
        QCOMPARE(pillars.droppedNonFinite, std::size_t(2));
        QCOMPARE(pillars.droppedOutOfRange, std::size_t(3));
        QCOMPARE(pillars.grid.nx, 468);
        for (int i = 0; i < good; ++i) {
            const std::int32_t p = pillars.pointToPillar[i];
            QVERIFY(p >= 0);
            QCOMPARE(pillars.coords.x[p], static_cast<std::int32_t>(std::floor((points[4 * i] + 74.88f) / 0.32f)));
        }
        for (std::size_t i = good; i < pillars.pointToPillar.size(); ++i)
            QCOMPARE(pillars.pointToPillar[i], -1);
        const auto features = encodePillars(points, 4, pillars, spec, 16, 7);
        QCOMPARE(features.size(), pillars.coords.size() * 16);
        QVERIFY(std::all_of(features.begin(), features.end(), [](float f) { return f >= 0 && std::isfinite(f); })); // ReLU, max-pooled
        QVERIFY_THROWS_EXCEPTION(ArgumentError, pillarize(points, 2, spec));
        QVERIFY(pillarize({}, 4, spec).coords.size() == 0); // empty input: no pillars, no crash
    }

    void pointFilesReadAndRejectClearly()
    {
        QTemporaryDir dir;
        std::vector<float> values;
        for (int i = 0; i < 5 * 37; ++i)
            values.push_back(test::uniform(-10, 10));
        const std::string bin = dir.filePath("scan.bin").toStdString();
        std::ofstream(bin, std::ios::binary).write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
        const PointArray nuscenes = readPointFile(bin, 5);
        QCOMPARE(nuscenes.size(), std::size_t(37));
        QCOMPARE(nuscenes.values, values);
        try {
            readPointFile(bin, 4); // 185 floats are not whole KITTI points
            QFAIL("a .bin of the wrong layout was accepted");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("scan.bin") && QString(error.what()).contains("not a whole number of points"), error.what());
        }
        const std::string npy = dir.filePath("points.npy").toStdString();
        writeNpy(npy, NpyArray::from<float>({37, 5}, values));
        QCOMPARE(readPointFile(npy).channels, 5);
        writeNpy(npy, NpyArray::from<float>({185}, values));
        QVERIFY_THROWS_EXCEPTION(FormatError, readPointFile(npy));
        QVERIFY_THROWS_EXCEPTION(FormatError, readPointFile(dir.filePath("cloud.xyz").toStdString()));
        QVERIFY_THROWS_EXCEPTION(FileError, readPointFile(dir.filePath("missing.bin").toStdString()));
    }

    void engineRunsOnASmallScan()
    {
        FlatFormerEngine engine;
        RunRequest request;
        request.parameters = defaultValues(engine.parameterSchema());
        request.parameters["beams"] = std::int64_t{8};
        request.parameters["azimuthSteps"] = std::int64_t{360};
        request.parameters["channels"] = std::int64_t{32};
        request.parameters["heads"] = std::int64_t{4};
        request.parameters["groupSize"] = test::uniformInt(8, 64);
        request.parameters["blocks"] = std::int64_t{1};
        request.parameters["shownLayer"] = test::uniformInt(0, 3);
        request.parameters["seed"] = test::uniformInt(0, 1000);
        request.warmupRepeats = 0;
        const CompletedRun run = runEngine(engine, request);
        QCOMPARE(run.latency.stagePaths(), (std::vector<std::string>{"load", "voxelize", "sort", "group", "attention", "scatter", "ffn", "outputs"}));
        const auto& cloud = std::get<PointCloud>(run.output.datasets.front().content);
        QVERIFY(cloud.pointCount() > 500);
        const auto attribute = [&](const std::string& name) -> const std::vector<float>& {
            for (const auto& a : cloud.attributes)
                if (a.name == name)
                    return a.values;
            qFatal("no attribute %s", name.c_str());
        };
        const auto& place = attribute("flattened order");
        QCOMPARE(*std::min_element(place.begin(), place.end()), 0.0f);
        QCOMPARE(*std::max_element(place.begin(), place.end()), 1.0f);
        const auto& group = attribute("group");
        const auto groups = std::set<float>(group.begin(), group.end()).size();
        QVERIFY(groups > 1);
        for (float norm : attribute("output norm"))
            QVERIFY(std::isfinite(norm) && norm > 0);

        request.parameters["shownLayer"] = std::int64_t{4}; // one block has layers 0–3
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
        request.parameters["shownLayer"] = std::int64_t{0};
        request.parameters["heads"] = std::int64_t{5};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
    }
};

QTEST_GUILESS_MAIN(TestPointCloudEngine)
#include "tst_pointcloud_engine.moc"
