// The FlatFormer engine's edges: the synthetic scan, pillarization (NaN and out-of-range points
// dropped and counted, the point→pillar map), the point-file readers on good and malformed files,
// and the engine end to end on a small scan (outputs, stages, bad parameters).
#include "TestSupport.h"
#include "engine/core/Device.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/Error.h"
#include "engine/core/Npy.h"
#include "engine/pointcloud/FlatFormerEngine.h"
#include "engine/pointcloud/FlatFormerOutputs.h"
#include "engine/pointcloud/FlatFormerWeights.h"
#include "engine/core/Npz.h"
#include "engine/pointcloud/Pillarization.h"
#include "engine/pointcloud/PcdPlyReaders.h"
#include "engine/pointcloud/PointFiles.h"
#include "engine/pointcloud/SyntheticLidar.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <bit>
#include <cstring>
#include <lzf.h>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

using namespace ls;
using namespace ls::pointcloud;

namespace {

// A small synthetic scan with a small model: runs in well under a second.
RunRequest smallScanRequest(const Engine& engine)
{
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
    return request;
}

template <class T> const T& datasetOf(const CompletedRun& run, const std::string& name)
{
    for (const auto& d : run.output.datasets)
        if (d.name == name)
            return std::get<T>(d.content);
    qFatal("no dataset %s", name.c_str());
}

const std::vector<float>& attributeOf(const PointCloud& cloud, const std::string& name)
{
    for (const auto& a : cloud.attributes)
        if (a.name == name)
            return a.values;
    qFatal("no attribute %s", name.c_str());
}

} // namespace

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
        points.insert(points.end(), {1, 1, 1, INFINITY, 2, 2, 0, NAN});          // 2 with a non-finite intensity
        points.insert(points.end(), {80, 0, 0, 0.5f, 0, -75, 0, 0.5f, 0, 0, 9, 0.5f}); // 3 outside
        const Pillars pillars = pillarize(points, 4, spec);
        QCOMPARE(pillars.droppedNonFinite, std::size_t(4));
        QCOMPARE(pillars.droppedOutOfRange, std::size_t(3));
        QCOMPARE(pillars.grid.nx, 468);
        for (int i = 0; i < good; ++i) {
            const std::int32_t p = pillars.pointToPillar[i];
            QVERIFY(p >= 0);
            QCOMPARE(pillars.coords.x[p], static_cast<std::int32_t>(std::floor((points[4 * i] + 74.88f) / 0.32f)));
        }
        for (std::size_t i = good; i < pillars.pointToPillar.size(); ++i)
            QCOMPARE(pillars.pointToPillar[i], -1);
        const auto features = encodePillars(points, 4, pillars, spec, randomEncoderWeight(16, 7));
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

    // 80 values (320 bytes) are 20 KITTI points or 16 nuScenes points: without binChannels that is
    // an error naming both readings, unless the dataset's naming says which.
    void ambiguousBinNeedsBinChannels()
    {
        QTemporaryDir dir;
        std::vector<float> values(80);
        for (auto& v : values)
            v = test::uniform(-10, 10);
        auto write = [&](const QString& relative) {
            const QString path = dir.filePath(relative);
            QDir().mkpath(QFileInfo(path).path());
            std::ofstream(path.toStdString(), std::ios::binary).write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
            return path.toStdString();
        };
        try {
            readPointFile(write("sweep.bin"));
            QFAIL("an ambiguous .bin was read without binChannels");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("20 KITTI points") && QString(error.what()).contains("16 nuScenes points"), error.what());
        }
        QCOMPARE(readPointFile(write("sweep.bin"), 5).size(), std::size_t(16));
        QCOMPARE(readPointFile(write("n015__LIDAR_TOP__1531.pcd.bin")).channels, 5);
        QCOMPARE(readPointFile(write("velodyne/000042.bin")).channels, 4);
        values.resize(84); // 336 bytes: whole KITTI points only
        QCOMPARE(readPointFile(write("other.bin")).channels, 4);
    }

    void pcdInEveryEncoding()
    {
        // An organised 4 × 3 cloud (invalid points NaN) with x y z, a packed rgb, intensity and a
        // 3-valued normal, written ascii, binary and binary_compressed; all read the same.
        QTemporaryDir dir;
        const int width = 4, height = 3, n = width * height;
        std::vector<std::array<float, 8>> rows; // x y z rgb intensity nx ny nz
        for (int i = 0; i < n; ++i) {
            const bool invalid = test::uniformInt(0, 3) == 0;
            rows.push_back({invalid ? NAN : test::uniform(-5, 5), invalid ? NAN : test::uniform(-5, 5), invalid ? NAN : test::uniform(0, 3),
                            std::bit_cast<float>(static_cast<std::uint32_t>(test::uniformInt(0, 0xffffff))), test::uniform(0, 1),
                            test::uniform(-1, 1), test::uniform(-1, 1), test::uniform(-1, 1)});
        }
        const std::string header = "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z rgb intensity normal\n"
                                   "SIZE 4 4 4 4 4 4\nTYPE F F F F F F\nCOUNT 1 1 1 1 1 3\nWIDTH 4\nHEIGHT 3\n"
                                   "VIEWPOINT 0 0 0 1 0 0 0\nPOINTS 12\n";
        auto write = [&](const std::string& name, const std::string& data, const std::string& body) {
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            std::ofstream(path, std::ios::binary) << header << "DATA " << data << "\n" << body;
            return path;
        };
        std::ostringstream ascii;
        for (const auto& r : rows) {
            for (std::size_t k = 0; k < r.size(); ++k)
                ascii << (k ? " " : "") << (std::isnan(r[k]) ? std::string("nan") : std::to_string(r[k]));
            ascii << "\n";
        }
        std::string binary(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(rows[0]));
        std::vector<float> columns; // fields one after another
        for (std::size_t k : {0, 1, 2, 3, 4})
            for (const auto& r : rows) columns.push_back(r[k]);
        for (const auto& r : rows) columns.insert(columns.end(), {r[5], r[6], r[7]}); // the 3-valued field, point by point
        std::vector<char> packed(columns.size() * 8 + 64);
        const unsigned size = lzf_compress(columns.data(), columns.size() * 4, packed.data(), packed.size());
        QVERIFY(size > 0);
        std::string compressed(8, '\0');
        const std::uint32_t sizes[2] = {size, static_cast<std::uint32_t>(columns.size() * 4)};
        std::memcpy(compressed.data(), sizes, 8);
        compressed.append(packed.data(), size);
        for (const auto& path : {write("a.pcd", "ascii", ascii.str()), write("b.pcd", "binary", binary), write("c.pcd", "binary_compressed", compressed)}) {
            const PointArray points = readPointFile(path);
            QCOMPARE(points.size(), std::size_t(n));
            for (int i = 0; i < n; ++i) {
                for (int k : {0, 1, 2}) {
                    const float got = points.values[4 * i + k], want = rows[i][k];
                    QVERIFY2((std::isnan(want) && std::isnan(got)) || std::abs(got - want) < 1e-5f, path.c_str());
                }
                QVERIFY(std::abs(points.values[4 * i + 3] - rows[i][4]) < 1e-5f); // intensity
            }
        }
        // Malformed: each names the file and the problem.
        const std::pair<std::string, std::string> bad[] = {
            {write("t.pcd", "binary", binary.substr(0, binary.size() - 5)), "truncated"},
            {write("u.pcd", "binary_compressed", compressed.substr(0, compressed.size() - 3)), "truncated"},
            {write("v.pcd", "lz4", binary), "not ascii, binary or binary_compressed"},
        };
        for (const auto& [path, expected] : bad) {
            try {
                readPointFile(path);
                QFAIL(qPrintable("accepted " + QString::fromStdString(path)));
            } catch (const FormatError& error) {
                QVERIFY2(QString(error.what()).contains(QString::fromStdString(path)) && QString(error.what()).contains(QString::fromStdString(expected)), error.what());
            }
        }
        const std::string noData = dir.filePath("n.pcd").toStdString();
        std::ofstream(noData) << "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F Q\n";
        QVERIFY_THROWS_EXCEPTION(FormatError, readPointFile(noData));
        std::string corrupt = compressed;
        corrupt[10] = static_cast<char>(0xff), corrupt[11] = static_cast<char>(0xff);
        try {
            readPointFile(write("x.pcd", "binary_compressed", corrupt));
        } catch (const FormatError&) { // a corrupt stream may still happen to decode: either way, no crash
        }
    }

    void plyAsciiAndBinary()
    {
        QTemporaryDir dir;
        const int n = static_cast<int>(test::uniformInt(1, 40));
        std::vector<std::array<float, 4>> rows;
        for (int i = 0; i < n; ++i)
            rows.push_back({test::uniform(-9, 9), test::uniform(-9, 9), test::uniform(-1, 2), test::uniform(0, 1)});
        auto header = [&](const std::string& format) {
            return "ply\nformat " + format + " 1.0\ncomment made by a test\nelement vertex " + std::to_string(n) +
                   "\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty float intensity\n"
                   "element face 0\nproperty list uchar int vertex_indices\nend_header\n";
        };
        const std::string ascii = dir.filePath("a.ply").toStdString(), big = dir.filePath("b.ply").toStdString();
        {
            std::ofstream out(ascii);
            out << header("ascii");
            for (const auto& r : rows) out << r[0] << ' ' << r[1] << ' ' << r[2] << " 7 " << r[3] << "\n";
        }
        {
            std::ofstream out(big, std::ios::binary);
            out << header("binary_big_endian");
            for (const auto& r : rows)
                for (int k : {0, 1, 2, -1, 3}) {
                    if (k < 0) { out.put(7); continue; }
                    auto word = std::bit_cast<std::uint32_t>(r[k]);
                    word = (word >> 24) | ((word >> 8) & 0xff00) | ((word << 8) & 0xff0000) | (word << 24);
                    out.write(reinterpret_cast<const char*>(&word), 4);
                }
        }
        for (const auto& path : {ascii, big}) {
            const PointArray points = readPointFile(path);
            QCOMPARE(points.size(), std::size_t(n));
            for (int i = 0; i < n; ++i)
                for (int k = 0; k < 4; ++k)
                    QVERIFY2(std::abs(points.values[4 * i + k] - rows[i][k]) < 1e-4f, path.c_str());
        }
        const std::string truncated = dir.filePath("t.ply").toStdString();
        {
            std::ifstream in(big, std::ios::binary);
            std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            std::ofstream(truncated, std::ios::binary) << all.substr(0, all.size() - 2);
        }
        try {
            readPointFile(truncated);
            QFAIL("a truncated PLY was accepted");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("t.ply") && QString(error.what()).contains("truncated"), error.what());
        }
        const std::string notPly = dir.filePath("n.ply").toStdString();
        std::ofstream(notPly) << "solid cube\n";
        QVERIFY_THROWS_EXCEPTION(FormatError, readPointFile(notPly));
    }

    void engineRunsOnASmallScan()
    {
        FlatFormerEngine engine;
        RunRequest request = smallScanRequest(engine);
        // Without a host that looks (the CLI, tests), no attention maps unless asked for.
        const CompletedRun plain = runEngine(engine, request);
        const auto plainPaths = plain.latency.stagePaths();
        QCOMPARE(std::set<std::string>(plainPaths.begin(), plainPaths.end()),
                 (std::set<std::string>{"load", "voxelize", "sort", "group", "attention", "scatter", "ffn", "outputs"}));
        QVERIFY(std::none_of(plain.output.datasets.begin(), plain.output.datasets.end(),
                             [](const Dataset& d) { return d.name == kAttentionWeightsDataset; }));
        request.parameters["attentionMaps"] = true;
        const CompletedRun run = runEngine(engine, request);
        const auto stagePaths = run.latency.stagePaths();
        QCOMPARE(std::set<std::string>(stagePaths.begin(), stagePaths.end()),
                 (std::set<std::string>{"load", "voxelize", "sort", "group", "attention maps", "attention", "scatter", "ffn", "outputs"}));
        const auto& cloud = std::get<PointCloud>(run.output.datasets.front().content);
        QVERIFY(cloud.pointCount() > 500);
        const auto attribute = [&](const std::string& name) -> const std::vector<float>& { return attributeOf(cloud, name); };
        const auto& place = attribute("flattened order");
        QCOMPARE(*std::min_element(place.begin(), place.end()), 0.0f);
        QCOMPARE(*std::max_element(place.begin(), place.end()), 1.0f);
        const auto& group = attribute("group");
        const auto groups = std::set<float>(group.begin(), group.end()).size();
        QVERIFY(groups > 1);
        // Every layer's groups as attributes too: the shown layer's equal "group"; x and y layers differ.
        const int shown = static_cast<int>(std::get<std::int64_t>(request.parameters["shownLayer"]));
        const char* kinds[4] = {"x", "x shifted", "y", "y shifted"};
        auto layerGroups = [&](int layer) -> const std::vector<float>& {
            return attribute("group, layer " + std::to_string(layer) + " (" + kinds[layer] + ")");
        };
        QVERIFY(layerGroups(shown) == group);
        QVERIFY(layerGroups(0) != layerGroups(2));
        for (float norm : attribute("output norm"))
            QVERIFY(std::isfinite(norm) && norm > 0);

        // The exports: every layer's order is a permutation of the pillars; group ids match the order.
        std::map<std::string, const Grid*> grids;
        for (const auto& d : run.output.datasets)
            if (const auto* g = std::get_if<Grid>(&d.content))
                grids[d.name] = g;
        QVERIFY(grids.contains("flattened order") && grids.contains("group ids") && grids.contains("pillar features") &&
                grids.contains("pillar coords"));
        const Grid& orders = *grids["flattened order"];
        const int pillarCount = orders.width, groupSize = static_cast<int>(std::get<std::int64_t>(request.parameters["groupSize"]));
        QCOMPARE(orders.height, 4);
        QCOMPARE(grids["pillar features"]->height, pillarCount);
        for (int layer = 0; layer < 4; ++layer) {
            std::vector<float> row(orders.values.begin() + layer * pillarCount, orders.values.begin() + (layer + 1) * pillarCount);
            std::sort(row.begin(), row.end());
            for (int i = 0; i < pillarCount; ++i)
                QCOMPARE(row[i], static_cast<float>(i));
            for (int position = 0; position < pillarCount; ++position) {
                const int pillar = static_cast<int>(orders.values[layer * pillarCount + position]);
                QCOMPARE(grids["group ids"]->values[layer * pillarCount + pillar], static_cast<float>(position / groupSize));
            }
        }

        // The baselines on the shown layer's input: a bar per attention variant, and a table.
        request.parameters["compareBaselines"] = true;
        const CompletedRun compared = runEngine(engine, request);
        const auto stages = compared.latency.stagePaths();
        QVERIFY(std::find(stages.begin(), stages.end(), "baselines") != stages.end());
        const Series* bars = nullptr;
        for (const auto& d : compared.output.datasets)
            if (d.name == "attention comparison")
                bars = &std::get<Series>(d.content);
        QVERIFY(bars);
        QCOMPARE(bars->style, SeriesStyle::Bars);
        QCOMPARE(bars->xTicks, (std::vector<std::string>{"flattened", "padded windows", "global"})); // a small cloud: global too
        for (float ms : bars->curves[0].values)
            QVERIFY(ms > 0);
        request.parameters["compareBaselines"] = false;

        request.parameters["shownLayer"] = std::int64_t{4}; // one block has layers 0–3
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
        request.parameters["shownLayer"] = std::int64_t{0};
        request.parameters["heads"] = std::int64_t{5};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
    }
    void weightsFromNpz()
    {
        // The seeded weights written as .npz and read back give the seeded run exactly; a change in
        // the file changes the result; malformed files are errors naming the file and the tensor.
        FlatFormerEngine engine;
        RunRequest request = smallScanRequest(engine);
        const auto seed = static_cast<std::uint64_t>(std::get<std::int64_t>(request.parameters["seed"]));
        const auto seeded = datasetOf<Grid>(runEngine(engine, request), "pillar features").values;
        QTemporaryDir dir;
        const std::string path = dir.filePath("w.npz").toStdString();
        FlatFormerWeights weights = randomFlatFormerWeights(32, 4, 4, seed);
        writeFlatFormerWeights(path, weights);
        request.parameters["weights"] = path;
        const CompletedRun fromFile = runEngine(engine, request);
        QVERIFY(datasetOf<Grid>(fromFile, "pillar features").values == seeded);
        bool namesTheFile = false;
        for (const auto& row : datasetOf<Table>(fromFile, "flattening").rows)
            namesTheFile |= row[0] == "weights" && row[1] == path;
        QVERIFY(namesTheFile);

        weights.layers[2].fc2Bias[static_cast<std::size_t>(test::uniformInt(0, 31))] += 0.5f;
        writeFlatFormerWeights(path, weights);
        QVERIFY(datasetOf<Grid>(runEngine(engine, request), "pillar features").values != seeded);

        auto expectFormatError = [&](const std::string& tensor, const char* problem) {
            try {
                runEngine(engine, request);
                QFAIL(qPrintable(QString("accepted: %1").arg(problem)));
            } catch (const FormatError& error) {
                QVERIFY2(QString(error.what()).contains("w.npz") && QString(error.what()).contains(QString::fromStdString(tensor)),
                         error.what());
            }
        };
        NpzArchive archive = readNpz(path);
        const NpzArchive good = archive;
        archive.erase("layers.3.norm2.bias");
        writeNpz(path, archive);
        expectFormatError("layers.3.norm2.bias", "a missing tensor");
        archive = good;
        archive["layers.1.linear1.weight"] = NpyArray::from<float>({64, 31}, std::vector<float>(64 * 31, 0.1f));
        writeNpz(path, archive);
        expectFormatError("layers.1.linear1.weight", "a wrong shape");
        archive = good;
        std::vector<float> poisoned = archive["layers.0.self_attn.out_proj.bias"].toFloat();
        poisoned[3] = std::nanf("");
        archive["layers.0.self_attn.out_proj.bias"] = NpyArray::from<float>({32}, poisoned);
        writeNpz(path, archive);
        expectFormatError("layers.0.self_attn.out_proj.bias", "a NaN");
        archive = good;
        archive["layers.0.norm3.weight"] = archive["layers.0.norm2.weight"];
        writeNpz(path, archive);
        expectFormatError("layers.0.norm3.weight", "an unknown tensor");

        // Weights for another model size: say which parameters to set.
        writeFlatFormerWeights(path, randomFlatFormerWeights(16, 4, 8, seed));
        try {
            runEngine(engine, request);
            QFAIL("16-channel weights ran a 32-channel model");
        } catch (const ArgumentError& error) {
            QVERIFY2(QString(error.what()).contains("channels = 16") && QString(error.what()).contains("blocks = 2"), error.what());
        }
    }

    void fp16AttentionStaysCloseToFp32()
    {
        // The fp16 core (q, k, v in half precision, fp32 accumulation; the kernel's body on a CPU)
        // through a whole block of four layers. One attention is within 1e-3 element-wise
        // (tst_flatformer, ~1e-4 seen); over four post-norm layers single elements drift further
        // (a LayerNorm divides by its row's spread), so the block is held to 1e-3 norm-wise.
        FlatFormerEngine engine;
        RunRequest request = smallScanRequest(engine);
        const auto fp32 = datasetOf<Grid>(runEngine(engine, request), "pillar features").values;
        request.parameters["precision"] = std::string("fp16");
        const auto fp16 = datasetOf<Grid>(runEngine(engine, request), "pillar features").values;
        QCOMPARE(fp16.size(), fp32.size());
        double difference = 0, norm = 0;
        for (std::size_t i = 0; i < fp32.size(); ++i) {
            difference += static_cast<double>(fp16[i] - fp32[i]) * (fp16[i] - fp32[i]);
            norm += static_cast<double>(fp32[i]) * fp32[i];
        }
        const double relative = std::sqrt(difference / norm);
        qInfo("fp16 vs fp32 after one block: ||difference|| / ||fp32|| = %.3g", relative);
        QVERIFY2(relative <= 1e-3 && relative > 0, qPrintable(QString::number(relative))); // > 0: fp16 really ran
        request.parameters["attention"] = std::string("padded windows");
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
    }

    void engineOnGpuMatchesCpu()
    {
        const auto cuda = enumerateCudaDevices();
        if (cuda.devices.empty())
            QSKIP(qPrintable("no CUDA device for the engine's GPU path: " + QString::fromStdString(cuda.reason)));
        // The same small scan on both devices: orders and groups identical, features within 1e-5
        // of their scale after a block (CUB sort; cuBLAS projections and FFN; the attention kernel).
        FlatFormerEngine engine;
        RunRequest request = smallScanRequest(engine);
        request.device = "cpu";
        const CompletedRun cpu = runEngine(engine, request);
        request.device = "cuda";
        const CompletedRun gpu = runEngine(engine, request);
        QVERIFY(datasetOf<Grid>(gpu, "flattened order").values == datasetOf<Grid>(cpu, "flattened order").values);
        QVERIFY(datasetOf<Grid>(gpu, "group ids").values == datasetOf<Grid>(cpu, "group ids").values);
        const auto& a = datasetOf<Grid>(gpu, "pillar features").values;
        const auto& b = datasetOf<Grid>(cpu, "pillar features").values;
        float worst = 0;
        for (std::size_t i = 0; i < a.size(); ++i)
            worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0f, std::abs(b[i])));
        qInfo("engine on %s vs CPU: worst relative difference %.3g", gpu.device.describe().c_str(), worst);
        QVERIFY(worst <= 1e-5f * 4); // four layers, each within 1e-5
        const auto stages = gpu.latency.stagePaths();
        QVERIFY(std::find_if(stages.begin(), stages.end(), [](const std::string& s) { return s.ends_with("qkv projection"); }) != stages.end());
    }

    void pickShowsTheGroupAndItsAttention()
    {
        FlatFormerEngine engine;
        RunRequest request = smallScanRequest(engine);
        request.parameters["attentionMaps"] = true;
        const CompletedRun run = runEngine(engine, request);
        const auto& cloud = datasetOf<PointCloud>(run, "points");
        const auto& pillarOf = attributeOf(cloud, "pillar");
        const auto& groupOf = attributeOf(cloud, "group");
        const Grid& members = datasetOf<Grid>(run, "group members");
        for (int trial = 0; trial < 5; ++trial) {
            const auto point = static_cast<std::size_t>(test::uniformInt(0, static_cast<std::int64_t>(cloud.pointCount()) - 1));
            const auto detail = engine.describePick(run.output.datasets, "points", point);
            QVERIFY(detail);
            QCOMPARE(detail->pointValues.size(), cloud.pointCount());
            QCOMPARE(static_cast<int>(detail->profile.size()), members.width);
            // Highlighted: exactly the points whose pillar sits in a slot of the picked group (its
            // own pillars, and pillars of the group before repeated as padding).
            const auto group = static_cast<std::size_t>(groupOf[point]);
            const std::set<float> slotPillars(members.values.begin() + group * members.width,
                                              members.values.begin() + (group + 1) * members.width);
            std::map<float, float> weightOfPillar;
            for (std::size_t i = 0; i < cloud.pointCount(); ++i) {
                const bool highlighted = !std::isnan(detail->pointValues[i]);
                QCOMPARE(highlighted, slotPillars.contains(pillarOf[i]));
                if (groupOf[i] == groupOf[point])
                    QVERIFY(highlighted);
                if (highlighted)
                    weightOfPillar[pillarOf[i]] = detail->pointValues[i];
            }
            double total = 0, profileTotal = 0;
            for (const auto& [pillar, weight] : weightOfPillar)
                total += weight;
            for (float w : detail->profile)
                profileTotal += w;
            QVERIFY2(std::abs(total - 1.0) < 1e-4, qPrintable(QString::number(total))); // pillars without points never occur
            QVERIFY(std::abs(profileTotal - 1.0) < 1e-4);
            QVERIFY(QString::fromStdString(detail->title).contains("group " + QString::number(group)));
        }
        QVERIFY(!engine.describePick(run.output.datasets, "points", cloud.pointCount())); // out of range
        QVERIFY(!engine.describePick(run.output.datasets, "pillar features", 0));

        // Padded-window runs keep no attention maps: the group is highlighted, uniformly.
        RunRequest padded = request;
        padded.parameters["attention"] = std::string("padded windows");
        const CompletedRun paddedRun = runEngine(engine, padded);
        const auto& paddedGroups = attributeOf(datasetOf<PointCloud>(paddedRun, "points"), "group");
        const auto detail = engine.describePick(paddedRun.output.datasets, "points", 0);
        QVERIFY(detail && detail->profile.empty());
        for (std::size_t i = 0; i < paddedGroups.size(); ++i)
            QCOMPARE(!std::isnan(detail->pointValues[i]), paddedGroups[i] == paddedGroups[0]);
    }
};

QTEST_GUILESS_MAIN(TestPointCloudEngine)
#include "tst_pointcloud_engine.moc"
