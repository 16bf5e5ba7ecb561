// The CLI as a script uses it: run the template engine, read the written arrays back and check
// them against the surface's definition; bad input gives the documented exit codes and messages.
#include "ChatStreamFixture.h"
#include "ReplayServer.h"
#include "TestSupport.h"
#include "engine/signals/TraceImport.h"
#include "engine/core/Npy.h"
#include "engine/core/Npz.h"
#include "engine/pointcloud/FlatFormerWeights.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QImage>
#include <QTemporaryDir>
#include <cmath>

using namespace ls;

namespace {

struct CliResult {
    int exitCode;
    QString out, err;
};

CliResult runCli(const QStringList& arguments)
{
    QProcess process;
    process.start(STUDIO_CLI_PATH, arguments);
    if (!process.waitForFinished(60000))
        return {-1, {}, "timed out"};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void runWritesOutputsThatReadBack()
    {
        QTemporaryDir dir;
        const int points = static_cast<int>(test::uniformInt(1000, 8000));
        const double major = test::uniform(0.5f, 3.f), minor = test::uniform(0.05f, 0.4f), noise = test::uniform(0.001f, 0.02f);
        const auto result = runCli({"run", "template.surface-sampler", "--param", QString("pointCount=%1").arg(points),
                                    "--param", QString("majorRadius=%1").arg(major), "--param", QString("minorRadius=%1").arg(minor),
                                    "--param", QString("noiseStd=%1").arg(noise), "--param", QString("seed=%1").arg(test::uniformInt(0, 1 << 30)),
                                    "--repeat", "3", "--warmup", "1", "--out", dir.path()});
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        QVERIFY(result.out.contains("map to surface"));

        const NpyArray positions = readNpy(QDir(dir.path()).filePath("samples.positions.npy").toStdString());
        positions.requireShape({points, 3}, "positions");
        const NpyArray offsets = readNpy(QDir(dir.path()).filePath("samples.attr_noise.npy").toStdString());
        const auto p = positions.view<float>();
        const auto o = offsets.view<float>();
        // Every point lies on the torus offset along the normal by its recorded noise.
        double worst = 0, sumSquares = 0;
        for (int i = 0; i < points; ++i) {
            const double ring = std::hypot(p[3 * i], p[3 * i + 1]) - major;
            const double distance = std::hypot(ring, static_cast<double>(p[3 * i + 2]));
            // |minor + offset|: a large negative offset on a thin tube crosses the tube's centre line.
            worst = std::max(worst, std::abs(distance - std::abs(minor + o[i])));
            sumSquares += o[i] * o[i];
        }
        QVERIFY2(worst < 1e-4 * (major + minor), qPrintable(QString::number(worst)));
        const double measuredStd = std::sqrt(sumSquares / points);
        QVERIFY2(std::abs(measuredStd - noise) < 5 * noise / std::sqrt(2.0 * points) + 1e-6, qPrintable(QString::number(measuredStd)));

        QFile latency(QDir(dir.path()).filePath("latency.json"));
        QVERIFY(latency.open(QIODevice::ReadOnly));
        const QJsonObject record = QJsonDocument::fromJson(latency.readAll()).object();
        QCOMPARE(record["repeats"].toInt(), 3);
        QCOMPARE(record["warmupRepeats"].toInt(), 1);
        QVERIFY(record["stages"].toObject().contains("add noise"));
        QVERIFY(QFile::exists(QDir(dir.path()).filePath("trace.json")));
        QVERIFY(QFile::exists(QDir(dir.path()).filePath("latency-stats.csv")));
        QVERIFY(QFile::exists(QDir(dir.path()).filePath("outputs.npz")));
    }

    void inputArrayIsUsed()
    {
        QTemporaryDir dir;
        const int n = static_cast<int>(test::uniformInt(10, 500));
        std::vector<float> uv(2 * n);
        for (auto& x : uv)
            x = test::uniform(0, 1);
        const QString input = dir.filePath("uv.npy");
        writeNpy(input.toStdString(), NpyArray::from<float>({n, 2}, uv));
        const QString session = dir.filePath("s.lstudio");
        const auto result = runCli({"run", "template.surface-sampler", "--input", input, "--quiet", "--out", dir.path(),
                                    "--session-out", session});
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const auto u = readNpy(QDir(dir.path()).filePath("samples.attr_u.npy").toStdString());
        QCOMPARE(u.shape, (std::vector<std::int64_t>{n, 1}));
        for (int i = 0; i < n; ++i)
            QCOMPARE(u.view<float>()[i], uv[2 * i]);

        // The session remembers the input file, its size, shape and checksum (for reports).
        QFile sessionFile(session);
        QVERIFY(sessionFile.open(QIODevice::ReadOnly));
        const QJsonObject input0 = QJsonDocument::fromJson(sessionFile.readAll())["runs"][0]["inputs"][0].toObject();
        QCOMPARE(input0["key"].toString(), QString("uv"));
        QCOMPARE(input0["bytes"].toInteger(), QFileInfo(input).size());
        QCOMPARE(input0["shape"].toString(), QString("(%1, 2) float32").arg(n));
        QFile raw(input);
        QVERIFY(raw.open(QIODevice::ReadOnly));
        QCOMPARE(input0["sha256"].toString(), QString(QCryptographicHash::hash(raw.readAll(), QCryptographicHash::Sha256).toHex()));
    }

    void flatformerAsTheIssueWritesIt()
    {
        // `run flatformer --points in.npy --weights w.npz --out DIR`: the short engine name and
        // parameter options; the outputs any other implementation can be checked against.
        QTemporaryDir dir;
        const int n = static_cast<int>(test::uniformInt(2000, 6000));
        std::vector<float> cloud(static_cast<std::size_t>(n) * 4);
        for (int i = 0; i < n; ++i)
            for (int k = 0; k < 4; ++k)
                cloud[4 * i + k] = k < 2 ? test::uniform(-20, 20) : test::uniform(-1.5f, 1.5f);
        const QString points = dir.filePath("cloud.npy"), weights = dir.filePath("w.npz"), out = dir.filePath("out");
        writeNpy(points.toStdString(), NpyArray::from<float>({n, 4}, cloud));
        pointcloud::writeFlatFormerWeights(weights.toStdString(),
                                           pointcloud::randomFlatFormerWeights(16, 4, 4, static_cast<std::uint64_t>(test::uniformInt(0, 999))));
        auto r = runCli({"run", "flatformer", "--points", points, "--weights", weights, "--channels", "16", "--heads", "4",
                         "--blocks", "1", "--groupSize=48", "--quiet", "--out", out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const auto order = readNpy(QDir(out).filePath("flattened order.values.npy").toStdString()).toFloat();
        const auto features = readNpy(QDir(out).filePath("pillar features.values.npy").toStdString());
        const std::int64_t pillars = features.shape[0];
        QVERIFY(pillars > 100 && pillars <= n);
        QCOMPARE(features.shape[1], std::int64_t{16});
        QCOMPARE(static_cast<std::int64_t>(order.size()), 4 * pillars);
        for (int layer = 0; layer < 4; ++layer) { // each layer's order is a permutation of the pillars
            std::vector<float> row(order.begin() + layer * pillars, order.begin() + (layer + 1) * pillars);
            std::sort(row.begin(), row.end());
            for (std::int64_t i = 0; i < pillars; ++i)
                QCOMPARE(row[i], static_cast<float>(i));
        }
        for (float value : features.toFloat())
            QVERIFY(std::isfinite(value));
        QVERIFY(QFile::exists(QDir(out).filePath("group ids.values.npy")));
        QVERIFY(QFile::exists(QDir(out).filePath("latency.json")));

        r = runCli({"run", "flatformer", "--points", points, "--weights", dir.filePath("none.npz")});
        QCOMPARE(r.exitCode, 4); // a file error
        QVERIFY2(r.err.contains("none.npz"), qPrintable(r.err));
        r = runCli({"run", "flatformer", "--pionts", points});
        QCOMPARE(r.exitCode, 2); // usage
        QVERIFY2(r.err.contains("unknown parameter 'pionts'"), qPrintable(r.err));
    }

    void latentConsistencyAsTheIssueWritesIt()
    {
        // `run lcm-train --out ckpt.npz`, `run lcm-sample --checkpoint ckpt.npz --steps 2 --n 16
        // --seed S --out DIR` (PNG + latents .npy), `run lcm-eval` (Fréchet distances as CSV).
        if (!QFile::exists("/usr/share/datasets/fashion-mnist"))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        QTemporaryDir dir;
        const QString checkpoint = dir.filePath("ckpt.npz"), samples = dir.filePath("samples"), eval = dir.filePath("eval");
        const QString seed = QString::number(test::uniformInt(0, 999));
        auto r = runCli({"run", "lcm-train", "--trainImages", "1024", "--latent", "4", "--autoencoderSteps", "30", "--classifierSteps", "30",
                         "--iterations", "40", "--batch", "32", "--hidden", "32", "--blocks", "1", "--seed", seed, "--quiet", "--out", checkpoint});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("checkpoint.npz written to"), qPrintable(r.err));
        QVERIFY(readNpz(checkpoint.toStdString()).contains("consistency/denoiser.output.weight"));
        QVERIFY(QFile::exists(dir.filePath("ckpt-run/model.csv")));

        r = runCli({"run", "lcm-sample", "--checkpoint", checkpoint, "--steps", "2", "--n", "16", "--seed", seed, "--quiet", "--out", samples});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QImage gallery(QDir(samples).filePath("samples.png"));
        QCOMPARE(gallery.size(), QSize(8 * 30, 2 * 30));
        QVERIFY(gallery.pixelColor(5, 5) != gallery.pixelColor(14, 14) || gallery.pixelColor(14, 14) != gallery.pixelColor(29, 29));
        const NpyArray latents = readNpy(QDir(samples).filePath("latents.values.npy").toStdString());
        QCOMPARE(latents.shape, (std::vector<std::int64_t>{16, 4, 1}));

        r = runCli({"run", "lcm-eval", "--checkpoint", checkpoint, "--samples", "64", "--diffusionSteps", "10, 50", "--quiet", "--out", eval});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile csv(QDir(eval).filePath("samplers.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
        QCOMPARE(lines.size(), 6); // header, 1/2/4-step consistency, 10/50-step Euler
        QVERIFY2(lines[0].startsWith("sampler,network evaluations,ms per sample,Fréchet distance"), qPrintable(lines[0]));
        QVERIFY2(lines[1].startsWith("1-step consistency,1,"), qPrintable(lines[1]));

        r = runCli({"run", "lcm-sample", "--checkpoint", dir.filePath("missing.npz"), "--out", samples});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("missing.npz"), qPrintable(r.err));
    }

    void gsparcAsTheIssueWritesIt()
    {
        // multipath-sim writes a dataset; `run gsparc-train --dataset DIR --out ckpt.npz`, `run
        // gsparc-eval --dataset DIR --split test --checkpoint ckpt.npz --out DIR` (per-sample CSV +
        // spectra PNG/npy), `run gsparc-render --checkpoint ckpt.npz --tx x,y,z --out spectrum.npy`.
        QTemporaryDir dir;
        const QString scene = dir.filePath("scene.json"), dataset = dir.filePath("sim"), checkpoint = dir.filePath("ckpt.npz");
        QFile file(scene);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"room": {"min": [0, 0, 0], "max": [6, 5, 3], "material": "wall"},
                       "materials": {"wall": {"reflection": [-0.6, 0.1]}},
                       "receiver": {"position": [3, 0.3, 1], "orientation": [-0.7071068, 0, 0, 0.7071068]},
                       "reflectionOrder": 1, "frequenciesHz": [915e6, 920e6],
                       "transmitters": {"min": [1, 1.5, 1], "max": [5, 4, 2], "count": [5, 3, 2]},
                       "map": {"width": 120, "height": 30}, "testFraction": 0.2})");
        file.close();
        auto r = runCli({"run", "multipath-sim", "--scene", scene, "--folder", dataset, "--quiet", "--out", dir.filePath("sim-run")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(QDir(dataset).filePath("spectrum/00030.png")));

        r = runCli({"run", "gsparc-train", "--dataset", dataset, "--iterations", "30", "--spacing", "0.8", "--hidden", "8", "--quiet", "--out", checkpoint});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("checkpoint.npz written to"), qPrintable(r.err));
        QVERIFY(readNpz(checkpoint.toStdString()).contains("mlp_w2"));
        QFile metrics(dir.filePath("ckpt-run/held-out metrics.csv"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        const QStringList rows = QString::fromUtf8(metrics.readAll()).trimmed().split('\n');
        QCOMPARE(rows.size(), 4); // header, GSpaRC, nearest, k-NN
        QVERIFY2(rows[1].startsWith("GSpaRC,6,"), qPrintable(rows[1])); // the 6 transmitters with the largest x

        r = runCli({"run", "gsparc-eval", "--dataset", dataset, "--split", "test", "--checkpoint", checkpoint, "--quiet", "--out", dir.filePath("eval")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile perSample(dir.filePath("eval/per-sample metrics.csv"));
        QVERIFY(perSample.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(perSample.readAll()).trimmed().split('\n').size(), 7);
        QCOMPARE(QImage(dir.filePath("eval/spectra.png")).height(), 6 * 30 + 5 * 4);
        QCOMPARE(readNpy(dir.filePath("eval/predicted spectra.values.npy").toStdString()).shape, (std::vector<std::int64_t>{6, 30 * 120, 1}) /* one map: spectra beamform at the first frequency */);

        r = runCli({"run", "gsparc-render", "--checkpoint", checkpoint, "--tx", "2,3,1.5", "--quiet", "--out", dir.filePath("spectrum.npy")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const NpyArray spectrum = readNpy(dir.filePath("spectrum.npy").toStdString());
        QCOMPARE(spectrum.shape, (std::vector<std::int64_t>{30, 120, 1}));
        const auto values = spectrum.toFloat();
        QVERIFY(*std::max_element(values.begin(), values.end()) > *std::min_element(values.begin(), values.end()));
        // The 3D view's cloud ends with the receiver and the transmitter asked for.
        const auto roles = readNpy(dir.filePath("spectrum-run/gaussians.attr_role (0 Gaussian, 1 receiver, 2 transmitter).npy").toStdString()).toFloat();
        const auto positions = readNpy(dir.filePath("spectrum-run/gaussians.positions.npy").toStdString()).toFloat();
        QVERIFY(roles.size() >= 2);
        QCOMPARE(roles[roles.size() - 2], 1.0f);
        QCOMPARE(roles.back(), 2.0f);
        QCOMPARE(positions[positions.size() - 3], 2.0f);
        QCOMPARE(positions.back(), 1.5f);

        r = runCli({"run", "gsparc-train", "--dataset", dir.filePath("nowhere"), "--quiet", "--out", dir.filePath("x")});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("nowhere"), qPrintable(r.err));
    }

    void errorsHaveExitCodesAndSayWhat()
    {
        QTemporaryDir dir;
        auto r = runCli({"run", "template.surface-sampler", "--param", "pointCount=-4"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("pointCount: -4 is below the minimum 1"), qPrintable(r.err));
        r = runCli({"run", "template.surface-sampler", "--param", "colour=red"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("unknown parameter 'colour'"));
        r = runCli({"run", "no.such.engine"});
        QCOMPARE(r.exitCode, 3);
        const QString truncated = dir.filePath("truncated.npy");
        QFile file(truncated);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("\x93NUMPY\x01\x00", 8));
        file.close();
        r = runCli({"run", "template.surface-sampler", "--input", truncated});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("truncated.npy"), qPrintable(r.err));
        r = runCli({"frobnicate"});
        QCOMPARE(r.exitCode, 2);
    }

    // Crafted files reach every command as a clean exit 4 (3: no display) with the file named, and a
    // session can make the CLI delete nothing outside its folder.
    void hostileInputsExitCleanly()
    {
        QTemporaryDir dir;
        const QDir root(dir.path());
        QVERIFY(root.mkpath("session"));
        const QString victim = root.filePath("victim.npz");
        const QString crafted = root.filePath("session/crafted.lstudio");
        auto write = [](const QString& path, const QByteArray& bytes) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(bytes);
        };
        write(victim, "precious");
        write(crafted, R"({"format": "latency-studio-session", "version": 1, "sidecar": "../victim.npz", "runs": []})");
        auto r = runCli({"run", "template.surface-sampler", "--param", "pointCount=10", "--quiet", "--session-out", crafted});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("crafted.lstudio") && r.err.contains("sidecar"), qPrintable(r.err));
        QVERIFY(QFileInfo::exists(victim));
        r = runCli({"report", "--session", crafted, "--out", root.filePath("r.html")});
        QCOMPARE(r.exitCode, 4);
        QVERIFY(QFileInfo::exists(victim));

        write(crafted, R"({"format": "latency-studio-session", "version": 1, "nextRunId": "three", "runs": []})");
        r = runCli({"report", "--session", crafted, "--out", root.filePath("r.html")});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("nextRunId"), qPrintable(r.err));
        write(crafted, R"({"format": "latency-studio-session", "version": 1e400, "runs": []})");
        r = runCli({"report", "--session", crafted, "--out", root.filePath("r.html")});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("crafted.lstudio"), qPrintable(r.err));

        const QString trace = root.filePath("overflow.jsonl");
        write(trace, R"({"choices": [{"logprobs": {"content": [{"token": "a", "logprob": -1e400, "top_logprobs": []}]}}]})" "\n");
        r = runCli({"run", "reasoning.instability", "--param", "traces=" + trace, "--repeat", "1", "--warmup", "0", "--quiet"});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("overflow.jsonl line 1"), qPrintable(r.err));

        // An unwritable --out is refused before the engine runs (/proc refuses even root).
        r = runCli({"run", "template.surface-sampler", "--param", "pointCount=10", "--quiet", "--out", "/proc/latency-studio-out"});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("--out") && !r.err.contains("device:"), qPrintable(r.err)); // "device:" is printed after a run

        // screenshot on Qt's offscreen platform: no OpenGL window, so exit 3 with a message, not an abort.
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert("QT_QPA_PLATFORM", "offscreen");
        environment.insert("DISPLAY", ":99");
        process.setProcessEnvironment(environment);
        process.start(STUDIO_CLI_PATH, {"screenshot", "--session", STUDIO_SAMPLE_SESSION, "--out", root.filePath("s.png")});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 3);
        QVERIFY2(process.readAllStandardError().contains("xvfb-run"), "no hint to use a display");
    }

    void liveStreamsATraceFile()
    {
        // The CLI is another process: the server answers from this test's event loop meanwhile.
        std::mt19937 rng(std::random_device{}());
        const auto steps = test::randomSteps(rng, 60, 4);
        ReplayServer server({.pieces = test::randomPieces(test::eventStream(steps), rng)});
        QTemporaryDir dir;
        const QString out = dir.filePath("live.jsonl");
        QProcess process;
        QSignalSpy finished(&process, &QProcess::finished);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert("STUDIO_TEST_KEY", "sk-cli-secret");
        process.setProcessEnvironment(environment);
        process.start(STUDIO_CLI_PATH, {"live", "--base-url", server.baseUrl(), "--prompt", "2+2?", "--top-logprobs", "4", "--key-env",
                                        "STUDIO_TEST_KEY", "--out", out});
        QVERIFY(finished.wait(30000));
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(process.exitCode() == 0, qPrintable(err));
        std::string text;
        for (const auto& step : steps)
            text += step.token;
        QCOMPARE(QString::fromUtf8(process.readAllStandardOutput()).trimmed(), QString::fromStdString(text).trimmed()); // echoed
        QCOMPARE(server.requests().front().headers.value("authorization"), QByteArray("Bearer sk-cli-secret"));
        const auto set = reasoning::importTraceFile(out.toStdString());
        QCOMPARE(set.traces.front().steps.size(), steps.size());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("sk-cli-secret"));

        // Nothing listening: exit code 1 and the reason.
        const auto refused = runCli({"live", "--base-url", "http://127.0.0.1:1/v1", "--prompt", "x", "--out", dir.filePath("none.jsonl")});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("Connection refused") || refused.err.contains("connection to"), qPrintable(refused.err));
        QVERIFY(!QFileInfo::exists(dir.filePath("none.jsonl")));
    }

    void pluginsListsTheTemplate()
    {
        const auto r = runCli({"plugins", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto list = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QVERIFY(!list.isEmpty());
        QCOMPARE(list[0].toObject()["status"].toString(), QString("loaded"));
        // The signals plugin adds the `live` command (SDK CliCommand.h); --help lists it.
        bool liveListed = false;
        for (const auto& plugin : list)
            liveListed = liveListed || (plugin.toObject()["id"].toString() == "signals" && plugin.toObject()["commands"].toArray().contains(QString("live")));
        QVERIFY2(liveListed, qPrintable(r.out));
        const auto help = runCli({"--help"});
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.out.contains("commands from plugins:") && help.out.contains("  live --prompt P --out T.jsonl"), qPrintable(help.out));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
