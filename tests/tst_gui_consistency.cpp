// The latent consistency engines in the studio: the study's gallery, frontier and trajectories, a
// training run's checkpoint kept with the session and saved, and a class-conditional checkpoint's
// class and guidance picked in the 3D view's overlay, which re-runs the sampler.
#include "GuiSupport.h"
#include "TestSupport.h"
#include "app/studio/MainWindow.h"
#include "engine/consistency/LatentModels.h"
#include "views/GridImageView.h"
#include "views/ParameterPanel.h"
#include "views/PointCloudView.h"
#include "views/SeriesView.h"
#include "views/VtkViewport.h"

#include <QApplication>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace ls;

class TestGuiConsistency : public QObject {
    Q_OBJECT
    // lcm-train in the studio at a size that trains in seconds (30 iterations of a 4-d latent).
    static void trainTinyCheckpoint(studio::MainWindow& window, bool classConditional)
    {
        window.selectEngine("consistency.lcm-train");
        ParameterValues values = window.parameterPanel()->values();
        for (const auto& [key, value] : std::vector<std::pair<std::string, std::int64_t>>{
                 {"trainImages", 1024}, {"latent", 4}, {"autoencoderSteps", 20}, {"iterations", 30}, {"batch", 32}, {"hidden", 32},
                 {"blocks", 1}})
            values[key] = value;
        values["classConditional"] = classConditional;
        QVERIFY2(window.runEngineWith("consistency.lcm-train", values), qPrintable(window.logText()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 120000);
    }

private slots:
    void initTestCase()
    {
        // Keep the autosave and recent files of this test away from the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    void consistencyGalleryAndFrontierShow()
    {
        if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist"))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        // A small latent consistency run: the engine asks for one unwarmed repeat, the gallery tab
        // shows dark garments on white, the frontier plots one point per sampler.
        studio::MainWindow window;
        showStudio(window);
        window.selectEngine("consistency.latent");
        ParameterValues values = window.parameterPanel()->values();
        for (const auto& [key, value] : std::vector<std::pair<std::string, std::int64_t>>{
                 {"trainImages", 2048}, {"latent", 8}, {"autoencoderSteps", 150}, {"classifierSteps", 100}, {"iterations", 200},
                 {"hidden", 64}, {"blocks", 1}, {"samples", 256}})
            values[key] = value;
        QVERIFY2(window.runEngineWith("consistency.latent", values), qPrintable(window.logText()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 120000);
        QVERIFY2(!window.logText().contains("ERROR"), qPrintable(window.logText()));
        QVERIFY(window.logText().contains("1 repeats after 0 warm-up"));
        auto* gallery = window.findChild<views::GridImageView*>("image:gallery");
        QVERIFY(gallery);
        QCOMPARE(gallery->image().height(), 6 * 30); // 3 consistency + 3 Euler samplers
        int dark = 0, white = 0;
        for (int y = 0; y < gallery->image().height(); ++y)
            for (int x = 0; x < gallery->image().width(); ++x) {
                const int grey = qGray(gallery->image().pixel(x, y));
                dark += grey < 100;
                white += grey > 240;
            }
        QVERIFY2(dark > 2000 && white > 2000, qPrintable(QString("%1 dark, %2 white").arg(dark).arg(white)));
        auto* tabs = window.findChild<QTabWidget*>();
        tabs->setCurrentWidget(gallery);
        keepArtifact(window.captureWindow(1.0), "consistency-gallery.png");
        auto* frontier = window.findChild<views::SeriesView*>("series:quality vs latency");
        QVERIFY(frontier);
        QCOMPARE(frontier->series().x.size(), std::size_t(6));
        QCOMPARE(frontier->series().xTicks.size(), std::size_t(6)); // each point names its sampler
        QVERIFY(frontier->series().xTicks.front().ends_with("-step CM"));
        tabs->setCurrentWidget(frontier);
        keepArtifact(window.captureWindow(1.0), "consistency-frontier.png");
        // The latents in 3D with the samplers' trajectories: colour by network evaluation.
        tabs->setCurrentIndex(0);
        window.pointCloudView()->setColorBy("trajectory: network evaluation (first samples; −1 not on one)");
        window.pointCloudView()->viewport()->setOverlayVisible(false);
        QCoreApplication::processEvents();
        keepArtifact(window.captureView(1.0), "consistency-trajectories.png");
    }

    void classAndGuidanceFromTheOverlay()
    {
        if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist"))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        // A class-conditional checkpoint sampled in the studio: the overlay offers the class and the
        // guidance scale with the samples under them, and a change there runs the sampler again.
        QTemporaryDir dir;
        studio::MainWindow window;
        showStudio(window);
        trainTinyCheckpoint(window, true);
        if (QTest::currentTestFailed())
            return;
        const QString checkpoint = dir.filePath("conditional.npz");
        QVERIFY2(window.saveRunArchive(checkpoint), qPrintable(window.logText()));

        window.selectEngine("consistency.lcm-sample");
        ParameterValues values = window.parameterPanel()->values();
        values["checkpoint"] = checkpoint.toStdString();
        values["sampleClass"] = std::int64_t{1};
        values["guidance"] = 3.0;
        values["n"] = std::int64_t{16};
        QVERIFY2(window.runEngineWith("consistency.lcm-sample", values), qPrintable(window.logText()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        const auto& overlay = window.parameterOverlay();
        std::vector<std::string> keys;
        for (const auto& spec : overlay.specs)
            keys.push_back(spec.key);
        QCOMPARE(keys, (std::vector<std::string>{"sampler", "steps", "seed", "sampleClass", "guidance"}));
        QCOMPARE(std::get<std::int64_t>(overlay.values.at("sampleClass")), std::int64_t{1});
        QVERIFY(overlay.pictureTitle.starts_with("samples: "));
        const std::size_t runsBefore = window.session().runs.size();
        const Grid first = std::get<Grid>(window.session().runs.back().datasets.at(0).content);

        window.rerunFromOverlay("sampleClass", std::int64_t{9});
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QCOMPARE(window.session().runs.size(), runsBefore + 1);
        const host::RunRecord& rerun = window.session().runs.back();
        QCOMPARE(rerun.parameters.at("sampleClass").get<std::int64_t>(), std::int64_t{9});
        QCOMPARE(rerun.parameters.at("guidance").get<double>(), 3.0); // the run's other parameters kept
        QVERIFY(std::get<Grid>(rerun.datasets.at(0).content).values != first.values);
        QCOMPARE(std::get<std::int64_t>(window.parameterOverlay().values.at("sampleClass")), std::int64_t{9});
        // A re-run that fails says so in the overlay (and adds no run).
        window.rerunFromOverlay("checkpoint", dir.filePath("absent.npz").toStdString());
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QVERIFY2(window.parameterOverlay().status.starts_with("the re-run failed: "), window.parameterOverlay().status.c_str());
        QVERIFY(window.parameterOverlay().status.find("absent.npz") != std::string::npos);
        QCOMPARE(window.session().runs.size(), runsBefore + 1);
        auto* tabs = window.findChild<QTabWidget*>();
        tabs->setCurrentIndex(0);
        QCoreApplication::processEvents();
        keepArtifact(window.captureView(1.0), "consistency-class-overlay.png");
    }

    void trainingRunsHandOverACheckpointToSave()
    {
        if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist"))
            QSKIP("Debian's dataset-fashion-mnist is not installed (scripts/install-deps installs it)");
        // lcm-train in the studio: the run keeps its checkpoint (also through a session save) and
        // File → Save the run's checkpoint… writes it; a run without one says so.
        QTemporaryDir dir;
        studio::MainWindow window;
        showStudio(window);
        trainTinyCheckpoint(window, false);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(window.logText().contains("handed over checkpoint.npz"), qPrintable(window.logText()));
        QVERIFY(window.saveSessionTo(dir.filePath("s.lstudio")));
        QVERIFY(window.openSession(dir.filePath("s.lstudio")));
        const QString checkpoint = dir.filePath("trained.npz");
        QVERIFY2(window.saveRunArchive(checkpoint), qPrintable(window.logText()));
        const auto models = consistency::loadCheckpoint(checkpoint.toStdString());
        QCOMPARE(models.consistencyIterations, std::int64_t{30});
        QCOMPARE(models.spec.latent, 4);

        window.selectEngine("template.surface-sampler");
        QVERIFY(window.runEngineWith("template.surface-sampler", window.parameterPanel()->values()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QVERIFY(!window.saveRunArchive(dir.filePath("none.npz")));
        QVERIFY(window.logText().contains("handed over no files"));
        QVERIFY(!QFileInfo::exists(dir.filePath("none.npz")));
    }
};

QTEST_MAIN(TestGuiConsistency)
#include "tst_gui_consistency.moc"
