// Sessions: every dataset kind and the latency record survive a save/load; a save that fails
// part-way leaves the previous session intact; malformed files are reported with file and line.
#include "TestSupport.h"
#include "app/host/Session.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"

#include <QDir>
#include <QTemporaryDir>

using namespace ls;

namespace {

std::vector<float> randomFloats(std::size_t n)
{
    std::vector<float> v(n);
    for (auto& x : v)
        x = test::uniform(-10, 10);
    return v;
}

host::Session randomSession()
{
    host::Session session;
    session.name = "test";
    session.activeEngineId = "template.surface-sampler";
    session.parameterDrafts["template.surface-sampler"] = {{"pointCount", 123}};
    session.viewState["pointCloud"] = {{"colorBy", "height"}};

    host::RunRecord run;
    run.engineId = "template.surface-sampler";
    run.label = "Run: ünïcode label";
    run.parameters = {{"pointCount", 5}};
    run.device = "cpu";
    const auto n = static_cast<std::size_t>(test::uniformInt(1, 200));
    run.datasets.push_back({"cloud", PointCloud{randomFloats(3 * n), {{"height", 1, randomFloats(n)}, {"normal", 3, randomFloats(3 * n)}},
                                                randomFloats(3 * n), randomFloats(4 * n)}}); // with ellipsoids
    Grid spectrum{4, 5, 2, randomFloats(40), "dB", "azimuth", "elevation", true};
    spectrum.heatColours = true;
    spectrum.layerLabel = "frequency";
    run.datasets.push_back({"spectrum", std::move(spectrum)});
    run.datasets.push_back({"curve", Series{"step", randomFloats(6), {{"jsd", 1, randomFloats(6)}}}});
    run.datasets.push_back({"summary", Table{{"a", "b"}, {{"1", "x"}, {"2", "y"}}}});
    run.datasets.push_back({"trace", TokenTrace{{"Hel", "lo", " wörld"}, randomFloats(3), 2, {"a", "b", "c", "d", "e", "f"}, randomFloats(6)}});
    run.datasets.push_back({"gaussians", GaussianSet{randomFloats(6), randomFloats(6), randomFloats(8), randomFloats(2), 3, randomFloats(6)}});
    run.datasets.push_back({"bars", Series{"bucket", randomFloats(3), {{"accuracy", 1, randomFloats(3)}}, SeriesStyle::Bars, {"low", "mid", "high"}}});
    // A set without features (a GSpaRC field's Gaussians): saved once but refused on loading.
    run.datasets.push_back({"field", GaussianSet{randomFloats(6), randomFloats(6), randomFloats(8), randomFloats(2), 0, {}}});
    run.archives["checkpoint.npz"] = {{"net/layer.weight", NpyArray::from<float>({2, 3}, randomFloats(6))},
                                      {"checkpoint.json", NpyArray::from<std::uint8_t>({2}, std::vector<std::uint8_t>{'{', '}'})}};
    run.latency.engineId = run.engineId;
    run.latency.device = "cpu";
    run.latency.startedAt = "2026-11-24T00:00:00Z";
    run.latency.repeats = 1;
    run.latency.repeatTotalsUs = {static_cast<double>(test::uniform(1, 100))};
    run.latency.samples = {{"stage", 0, 0, "cpu", 0, run.latency.repeatTotalsUs[0]}};
    session.addRun(run);
    session.addRun(run);
    return session;
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void roundTripKeepsEverything()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "s.lstudio";
        const host::Session original = randomSession();
        host::saveSession(original, path);
        const host::Session back = host::loadSession(path);
        QCOMPARE(back.runs.size(), std::size_t(2));
        QCOMPARE(back.nextRunId, 3);
        QCOMPARE(back.activeEngineId, original.activeEngineId);
        QVERIFY(back.viewState == original.viewState);
        QVERIFY(back.parameterDrafts == original.parameterDrafts);
        for (std::size_t r = 0; r < 2; ++r) {
            const auto& a = original.runs[r];
            const auto& b = back.runs[r];
            QCOMPARE(b.id, a.id);
            QCOMPARE(b.label, a.label);
            QCOMPARE(b.latency.samples.size(), a.latency.samples.size());
            QCOMPARE(b.latency.repeatTotalsUs, a.latency.repeatTotalsUs);
            QCOMPARE(b.datasets.size(), a.datasets.size());
            const auto& cloudA = std::get<PointCloud>(a.datasets[0].content);
            const auto& cloudB = std::get<PointCloud>(b.datasets[0].content);
            QVERIFY(cloudB.hasEllipsoids());
            QCOMPARE(cloudB.ellipsoidAxes, cloudA.ellipsoidAxes);
            QCOMPARE(cloudB.ellipsoidRotations, cloudA.ellipsoidRotations);
            QCOMPARE(cloudB.positions, cloudA.positions);
            QCOMPARE(cloudB.attributes[1].values, cloudA.attributes[1].values);
            QCOMPARE(cloudB.attributes[1].components, 3);
            QCOMPARE(std::get<Grid>(b.datasets[1].content).values, std::get<Grid>(a.datasets[1].content).values);
            QCOMPARE(std::get<Grid>(b.datasets[1].content).channels, 2);
            QVERIFY(std::get<Grid>(b.datasets[1].content).heatColours);
            QCOMPARE(std::get<Grid>(b.datasets[1].content).layerCount(), 2);
            QCOMPARE(std::get<Series>(b.datasets[2].content).curves[0].values, std::get<Series>(a.datasets[2].content).curves[0].values);
            const auto& bars = std::get<Series>(b.datasets[6].content);
            QCOMPARE(bars.style, SeriesStyle::Bars);
            QCOMPARE(bars.xTicks, (std::vector<std::string>{"low", "mid", "high"}));
            QCOMPARE(std::get<Table>(b.datasets[3].content).rows, std::get<Table>(a.datasets[3].content).rows);
            QCOMPARE(std::get<TokenTrace>(b.datasets[4].content).tokens, std::get<TokenTrace>(a.datasets[4].content).tokens);
            QCOMPARE(std::get<TokenTrace>(b.datasets[4].content).topTokens, std::get<TokenTrace>(a.datasets[4].content).topTokens);
            QCOMPARE(std::get<GaussianSet>(b.datasets[5].content).features, std::get<GaussianSet>(a.datasets[5].content).features);
            QCOMPARE(std::get<GaussianSet>(b.datasets[7].content).featureDim, 0);
            QCOMPARE(std::get<GaussianSet>(b.datasets[7].content).means, std::get<GaussianSet>(a.datasets[7].content).means);
            // Files a run handed over (a checkpoint) are kept member for member.
            QCOMPARE(b.archives.size(), std::size_t(1));
            const NpzArchive& archiveA = a.archives.at("checkpoint.npz");
            const NpzArchive& archiveB = b.archives.at("checkpoint.npz");
            QCOMPARE(archiveB.size(), archiveA.size());
            QVERIFY(archiveB.at("net/layer.weight").bytes == archiveA.at("net/layer.weight").bytes);
            QCOMPARE(archiveB.at("net/layer.weight").shape, (std::vector<std::int64_t>{2, 3}));
        }
    }

    void resavingReplacesTheSidecar()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "s.lstudio";
        host::saveSession(randomSession(), path);
        host::saveSession(randomSession(), path);
        QCOMPARE(QDir(dir.path()).entryList({"*.npz"}, QDir::Files).size(), 1);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2); // no temp files left
    }

    void interruptedSaveLeavesThePreviousFileIntact()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "s.lstudio";
        const host::Session good = randomSession();
        host::saveSession(good, path);
        const auto before = readFileBytes(path);

        // Fails while writing the arrays: a dataset whose buffer disagrees with its shape.
        host::Session badArrays = randomSession();
        std::get<Grid>(badArrays.runs[0].datasets[1].content).values.pop_back();
        QVERIFY_THROWS_EXCEPTION(StudioError, host::saveSession(badArrays, path));
        QVERIFY(readFileBytes(path) == before);

        // Text that is not UTF-8 (a server's byte-level token cut mid-character) does not make a
        // session unsavable: it is stored with U+FFFD in place of the bad bytes.
        host::Session badText = randomSession();
        badText.runs[1].label = "bad \xff\xfe bytes";
        QTemporaryDir otherDir;
        const auto otherPath = std::filesystem::path(otherDir.path().toStdString()) / "text.lstudio";
        host::saveSession(badText, otherPath);
        QCOMPARE(QString::fromStdString(host::loadSession(otherPath).runs[1].label), QString("bad \uFFFD\uFFFD bytes"));
        const host::Session back = host::loadSession(path);
        QCOMPARE(back.runs.size(), good.runs.size());
        QCOMPARE(std::get<PointCloud>(back.runs[0].datasets[0].content).positions,
                 std::get<PointCloud>(good.runs[0].datasets[0].content).positions);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2);
    }

    void malformedSessionsNameFileAndProblem()
    {
        QTemporaryDir dir;
        const auto folder = std::filesystem::path(dir.path().toStdString());
        writeTextAtomically(folder / "broken.lstudio", "{\n  \"format\": \"latency-studio-session\",\n  \"runs\": [\n  oops\n}");
        try {
            host::loadSession(folder / "broken.lstudio");
            QFAIL("accepted broken JSON");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("broken.lstudio: line 4"), error.what());
        }
        writeTextAtomically(folder / "other.lstudio", "{\"hello\": 1}");
        QVERIFY_THROWS_EXCEPTION(FormatError, host::loadSession(folder / "other.lstudio"));
        // A session whose sidecar vanished.
        host::saveSession(randomSession(), folder / "s.lstudio");
        for (const auto& entry : std::filesystem::directory_iterator(folder))
            if (entry.path().extension() == ".npz")
                std::filesystem::remove(entry.path());
        QVERIFY_THROWS_EXCEPTION(StudioError, host::loadSession(folder / "s.lstudio"));
        QVERIFY_THROWS_EXCEPTION(FileError, host::loadSession(folder / "none.lstudio"));
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
