// The first five minutes: the bundled sample session opens with a finished run of every engine,
// and each engine's draft runs from it in one click and shows a result. Each draft here is the
// session's own (scripts/make-sample-session), run once without warm-up as a user's first click
// would be after lowering the repeats. The training drafts are short trainings (8–30 s on 2 cores);
// the serving benchmark's draft needs a server and is left to tst_serving_load.
#include "GuiSupport.h"
#include "TestSupport.h"

#include "views/PointCloudView.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTabWidget>

using namespace ls;

class TestGuiDrafts : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // The multipath draft writes under ~/.local/share: here, under a home of the test's own.
        QVERIFY(home_.isValid());
        qputenv("HOME", home_.path().toUtf8());
    }

    void everyQuickDraftRunsAndShowsAResult_data()
    {
        QTest::addColumn<QString>("engine");
        for (const char* engine : {"template.surface-sampler", "reasoning.instability", "pointcloud.flatformer", "rf.gsparc-render",
                                   "rf.gsparc-eval", "rf.gsparc-train", "rf.multipath-sim", "consistency.lcm-sample", "consistency.lcm-eval",
                                   "consistency.lcm-train", "consistency.latent"})
            QTest::newRow(engine) << QString(engine);
    }

    void everyQuickDraftRunsAndShowsAResult()
    {
        QFETCH(QString, engine);
        studio::MainWindow window;
        showStudio(window);
        QVERIFY2(window.openSession(STUDIO_SAMPLE_SESSION), qPrintable(window.logText()));
        const auto before = window.session().runs.size();
        window.selectEngine(engine);
        window.setRepeats(1, 0);
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(window.startRun(), qPrintable(window.logText()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 90000);
        qInfo("%s: %lld ms", qPrintable(engine), static_cast<long long>(clock.elapsed()));
        QVERIFY2(!window.logText().contains("ERROR"), qPrintable(window.logText()));
        QCOMPARE(window.session().runs.size(), before + 1);
        const auto& run = window.session().runs.back();
        QCOMPARE(QString::fromStdString(run.engineId), engine);
        QVERIFY(!run.datasets.empty());
        if (engine == "rf.multipath-sim") // the draft's dataset folder, "~/" expanded
            QVERIFY2(QFileInfo::exists(home_.filePath(".local/share/latency-studio/multipath-office/tx_pos.csv")), qPrintable(window.logText()));
        // What is in front is a result: the 3D view with points, or a dataset's tab.
        auto* tabs = window.findChild<QTabWidget*>();
        QTRY_VERIFY(tabs->currentWidget() != nullptr);
        if (tabs->currentWidget() == static_cast<QWidget*>(window.pointCloudView()))
            QVERIFY2(window.pointCloudView()->pointCount() > 0, "an empty 3D view");
        else
            QVERIFY2(tabs->tabText(tabs->currentIndex()) != "Timeline", "no result view in front");
        keepArtifact(window.captureWindow(1.0), "draft-" + engine + ".png");
    }

private:
    QTemporaryDir home_;
};

QTEST_MAIN(TestGuiDrafts)
#include "tst_gui_drafts.moc"
