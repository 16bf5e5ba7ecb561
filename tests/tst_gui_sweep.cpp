// Run → Sweep…: the grid editor builds a sweep file from the active engine's parameters, runs it
// through latency-studio-cli (under mpirun with 2 ranks where it is installed) and adds the runs
// and the sweep's summary to the session; or writes the sweep file and an sbatch script.
#include "GuiSupport.h"
#include "TestSupport.h"

#include "app/host/Session.h"
#include "app/studio/MainWindow.h"
#include "app/studio/SweepDialog.h"
#include "engine/core/Error.h"

#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>

using namespace ls;

class TestGuiSweep : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        // Keep the sweeps, autosave and recent files of this test away from the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    void sweepDialogRunsASweepIntoTheSession()
    {
        // Run → Sweep…: values listed for one parameter and two seeds run through the CLI (under
        // mpirun with 2 ranks where it is there) and come back as runs plus a summary.
        QTemporaryDir dir;
        studio::MainWindow window;
        showStudio(window);
        window.selectEngine("template.surface-sampler");
        studio::SweepDialog* dialog = window.openSweepDialog();
        QVERIFY(dialog);
        dialog->setSweepValues("pointCount", "1000, 4000; 16000");
        dialog->setSeeds("1 2");
        dialog->setRepeats(2, 0);
        const bool mpi = !QStandardPaths::findExecutable("mpirun").isEmpty();
        if (mpi) {
            qputenv("OMPI_ALLOW_RUN_AS_ROOT", "1");
            qputenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
            dialog->setRanks(2);
        }
        QCOMPARE(studio::sweepRunCount(dialog->choices()), std::size_t(6));
        dialog->setSweepValues("pointCount", "1000, -5"); // below the parameter's range
        QVERIFY_THROWS_EXCEPTION(ArgumentError, dialog->choices());
        dialog->setSweepValues("pointCount", "1000, 4000; 16000");
        QSignalSpy finished(dialog, &studio::SweepDialog::sweepFinished);
        QVERIFY(dialog->runHere());
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
        QCOMPARE(finished.front().at(1).toInt(), 0);
        const auto& runs = window.session().runs;
        QCOMPARE(runs.size(), std::size_t(7));
        QCOMPARE(runs[2].parameters["pointCount"].get<int>(), 4000);
        QCOMPARE(runs[2].parameters["seed"].get<int>(), 1);
        const auto& summary = runs.back();
        QCOMPARE(summary.engineId, std::string(host::kSweepSummaryEngineId));
        QCOMPARE(summary.datasets.size(), std::size_t(3)); // every run, by pointCount, latency vs pointCount
        QCOMPARE(std::get<Table>(summary.datasets[1].content).rows.size(), std::size_t(3));
        const auto& curve = std::get<Series>(summary.datasets[2].content);
        QCOMPARE(curve.x, (std::vector<float>{1000, 4000, 16000}));
        QVERIFY(std::all_of(curve.curves[0].values.begin(), curve.curves[0].values.end(), [](float v) { return v > 0; }));
        QVERIFY(window.showTab("latency vs pointCount"));
        keepArtifact(window.captureWindow(1.0), "sweep-summary.png");
        keepArtifact(dialog->grab().toImage(), "sweep-dialog.png");

        // For a cluster: the same sweep file and an sbatch script that runs it on the ranks asked.
        QVERIFY(dialog->writeForCluster(dir.path()));
        QFile sweep(dir.filePath("sweep.json")), sbatch(dir.filePath("sweep.sbatch"));
        QVERIFY(sweep.open(QIODevice::ReadOnly) && sbatch.open(QIODevice::ReadOnly));
        const auto document = nlohmann::json::parse(sweep.readAll().toStdString());
        QCOMPARE(document["grid"]["pointCount"], nlohmann::json({1000, 4000, 16000}));
        QCOMPARE(document["seeds"], nlohmann::json({1, 2}));
        QVERIFY(!document["parameters"].contains("pointCount") && document["parameters"].contains("surface"));
        QVERIFY(QString(sbatch.readAll()).contains("srun --mpi=pmix latency-studio-cli sweep sweep.json --session-out sweep.lstudio"));
        dialog->close();
    }

};

QTEST_MAIN(TestGuiSweep)
#include "tst_gui_sweep.moc"
