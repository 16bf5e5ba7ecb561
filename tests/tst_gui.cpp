// The studio window under Xvfb: open the sample session, run the template engine, and check what
// a user would see: points in the viewport (pixels), the overlay, and the latency table's stages.
#include "ChatStreamFixture.h"
#include "GuiSupport.h"
#include "ReplayServer.h"
#include "TestSupport.h"
#include "app/studio/MainWindow.h"
#include "app/studio/PluginsDialog.h"
#include "app/studio/ReportDialog.h"
#include "views/GridImageView.h"
#include "views/LatencyView.h"
#include "views/ParameterPanel.h"
#include "views/PointCloudView.h"
#include "views/SeriesView.h"
#include "views/TableView.h"
#include "views/TimelineView.h"
#include "views/TokenTraceView.h"
#include "views/TraceComparisonView.h"
#include "views/VtkViewport.h"

#include <QAction>
#include <QApplication>
#include <QPointer>
#include <QSpinBox>
#include <QMenuBar>
#include <QDockWidget>
#include <vtkRenderer.h>
#include <QLabel>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QPushButton>
#include <QTabWidget>

#include <set>
#include <QLineEdit>
#include <QTableWidget>
#include <QTextEdit>
#include <QStandardPaths>
#include <QTemporaryDir>

using namespace ls;

namespace {

struct PixelSummary {
    double variance = 0;
    int distinctColours = 0;
    int brightPixels = 0; // clearly brighter than the dark background gradient
};

// Pixels of a token trace's text in the warm shades of the instability colour bar (yellow to red).
int shadedPixels(const QTextEdit& textView)
{
    const QImage text = textView.viewport()->grab().toImage();
    int warm = 0;
    for (int y = 0; y < text.height(); ++y)
        for (int x = 0; x < text.width(); ++x) {
            const QColor c = text.pixelColor(x, y);
            warm += c.red() > 200 && c.blue() < 140;
        }
    return warm;
}

int shadedPixels(views::TokenTraceView& view)
{
    return shadedPixels(*view.textView());
}

QWidget* topLevelNamed(const QString& name)
{
    for (QWidget* widget : QApplication::topLevelWidgets())
        if (widget->objectName() == name)
            return widget;
    return nullptr;
}

PixelSummary summarise(const QImage& image)
{
    PixelSummary s;
    double sum = 0, sumSquares = 0;
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QRgb c = image.pixel(x, y);
            const double grey = qGray(c);
            sum += grey;
            sumSquares += grey * grey;
            colours.insert(c);
            s.brightPixels += grey > 110;
        }
    const double n = static_cast<double>(image.width()) * image.height();
    s.variance = sumSquares / n - (sum / n) * (sum / n);
    s.distinctColours = colours.size();
    return s;
}

} // namespace

class TestGui : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        // Keep the autosave and recent files of this test away from the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    void sampleSessionRunsAndShows()
    {
        studio::MainWindow window;
        showStudio(window);
        QVERIFY2(window.openSession(STUDIO_SAMPLE_SESSION), qPrintable(window.logText()));
        // A finished run of every engine (scripts/make-sample-session); the GSpaRC render is shown,
        // its Gaussians in the 3D view, in front.
        std::set<std::string> engines;
        for (const auto& run : window.session().runs)
            engines.insert(run.engineId);
        QCOMPARE(engines, (std::set<std::string>{"template.surface-sampler", "reasoning.instability", "pointcloud.flatformer",
                                                 "rf.gsparc-render", "rf.multipath-sim", "consistency.lcm-eval", "serving.benchmark"}));
        QCOMPARE(window.session().runs.front().engineId, std::string("template.surface-sampler"));
        QVERIFY(window.pointCloudView()->pointCount() > 100);
        QCOMPARE(window.findChild<QTabWidget*>()->currentWidget(), static_cast<QWidget*>(window.pointCloudView())); // in front
        QVERIFY(!window.shownDragHandles().empty()); // the transmitter can be dragged at once

        const auto runsBefore = window.session().runs.size();
        window.selectEngine("template.surface-sampler"); // its draft: the sample's torus
        QVERIFY(window.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QTRY_COMPARE(window.session().runs.size(), runsBefore + 1);
        QVERIFY2(!window.logText().contains("ERROR"), qPrintable(window.logText()));

        // Latency dock: the new run's four stages plus the repeat total.
        auto* table = window.latencyView()->stageTable();
        QCOMPARE(window.latencyView()->selectedRun(), window.session().runs.back().id);
        QStringList stages;
        for (int row = 0; row < table->rowCount(); ++row)
            stages << table->item(row, 0)->text();
        QCOMPARE(stages, (QStringList{"draw uv", "map to surface", "add noise", "attributes", "(repeat total)"}));
        QVERIFY(table->item(1, 3)->text().toDouble() > 0); // median of 'map to surface'

        // Viewport: without the overlay, the picture is the cloud on the background gradient.
        auto* viewport = window.pointCloudView()->viewport();
        viewport->setOverlayVisible(false);
        const QImage plain = viewport->renderImage(1.0);
        QVERIFY(!plain.isNull());
        const PixelSummary cloud = summarise(plain);
        QVERIFY2(cloud.variance > 100, qPrintable(QString::number(cloud.variance)));
        QVERIFY2(cloud.brightPixels > plain.width() * plain.height() / 50, qPrintable(QString::number(cloud.brightPixels)));
        QVERIFY(cloud.distinctColours > 200); // a colour ramp, not one flat colour

        // An empty scene is much darker: the bright pixels above are the points.
        window.pointCloudView()->clear();
        const PixelSummary empty = summarise(viewport->renderImage(1.0));
        QVERIFY2(empty.brightPixels * 10 < cloud.brightPixels, qPrintable(QString::number(empty.brightPixels)));

        // The overlay draws on top of the scene.
        window.pointCloudView()->showPointCloud(std::get<PointCloud>(window.session().runs.back().datasets[0].content), "again");
        viewport->setOverlayVisible(true);
        // The sample opens on a run with a drag handle, which folds the overlay's statistics; this
        // cloud has none: the statistics are open again from the next frame.
        viewport->foldOverlayStatistics(false);
        viewport->renderImage(1.0);
        const QImage withOverlay = viewport->renderImage(1.0);
        int changed = 0;
        for (int y = 0; y < 120; ++y)
            for (int x = 0; x < 300; ++x)
                changed += withOverlay.pixel(x, y) != plain.pixel(x, y);
        QVERIFY2(changed > 2000, qPrintable(QString::number(changed)));

        // Screenshots at a chosen scale have that many pixels.
        const QImage doubled = viewport->renderImage(2.0);
        QCOMPARE(doubled.width(), 2 * plain.width());
        const QImage whole = window.captureWindow(1.0);
        QVERIFY(whole.width() >= window.width());
        keepArtifact(whole, "main-window.png");

        // Compare the new run with the sample's: one row per stage with both medians and a ratio.
        window.latencyView()->compareWith(window.session().runs.front().id);
        QCOMPARE(table->horizontalHeaderItem(3)->text(), QString("B / A"));
        QCOMPARE(table->rowCount(), 5);
        QVERIFY(table->item(1, 3)->text().endsWith(QChar(0x00d7)));
        QCOMPARE(table->horizontalHeaderItem(4)->text(), QString("Verdict"));
        const QStringList verdicts{"faster", "slower", "within noise"};
        QVERIFY(verdicts.contains(table->item(4, 4)->text())); // 20 repeats each: a verdict is given
        keepArtifact(window.captureWindow(1.0), "compare-runs.png");

        // A marked view and a comparison reach an exported report.
        window.markViewForReport();
        QCOMPARE(window.markedViews().size(), std::size_t(1));
        QCOMPARE(window.markedViews().front().image.width(), 2 * viewport->width());
        QTemporaryDir reportDir;
        report::ReportOptions options;
        options.comparisons = {{window.session().runs.front().id, window.session().runs.back().id}};
        options.markedViews = window.markedViews();
        QVERIFY2(window.exportReport(reportDir.filePath("r.html"), options), qPrintable(window.logText()));
        QFile html(reportDir.filePath("r.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray content = html.readAll();
        QVERIFY(content.contains(QStringLiteral("3D view: Run %1").arg(window.session().runs.back().id).toUtf8()));
        QVERIFY(content.contains("Comparison: Run 1"));
        // Every run with a point cloud carries its 3D view in its own section.
        QVERIFY(content.contains("3D view of Run 1:"));
        QVERIFY(content.contains("3D view of Run 4: GSpaRC"));
        QVERIFY(!window.exportReport(reportDir.filePath("missing/r.pdf"), {}));
        QVERIFY(window.logText().contains("the session is unchanged"));
    }

    void sampleTracesRerunFromTheSessionsFolder()
    {
        // The sample session names its traces relative to its own folder; showing another row must
        // find the file whatever the working directory.
        studio::MainWindow window;
        showStudio(window);
        QVERIFY(window.openSession(STUDIO_SAMPLE_SESSION));
        const QString previous = QDir::currentPath();
        QTemporaryDir elsewhere;
        QDir::setCurrent(elsewhere.path());
        const int row = static_cast<int>(test::uniformInt(1, 47));
        const auto runsBefore = window.session().runs.size();
        const auto instability = std::find_if(window.session().runs.begin(), window.session().runs.end(),
                                              [](const auto& run) { return run.engineId == "reasoning.instability"; });
        QVERIFY(instability != window.session().runs.end());
        QVERIFY(window.openRowOfRun(instability->id, row));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QDir::setCurrent(previous);
        QVERIFY2(window.session().runs.size() == runsBefore + 1, qPrintable(window.logText()));
        const auto& rerun = window.session().runs.back();
        QCOMPARE(rerun.parameters["traceIndex"].get<int>(), row);
        QVERIFY(QFileInfo(QString::fromStdString(rerun.parameters["traces"].get<std::string>())).isAbsolute());
    }

    void timelineShowsTheRunAndImportsTraces()
    {
        studio::MainWindow window;
        showStudio(window);
        QVERIFY(window.openSession(STUDIO_SAMPLE_SESSION));
        window.latencyView()->selectRun(window.session().runs.front().id); // the surface sampler's 20 repeats
        auto* timeline = window.timelineView();
        auto* tabs = window.findChild<QTabWidget*>();
        tabs->setCurrentIndex(tabs->indexOf(timeline->parentWidget()->parentWidget())); // inside a scroll area
        QTRY_VERIFY(timeline->isVisible() && timeline->width() > 500);
        const auto& run = window.session().runs.front();
        QCOMPARE(timeline->instanceCount(), run.latency.samples.size());
        QImage image(timeline->size(), QImage::Format_RGB32);
        timeline->render(&image);
        int coloured = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 96; x < image.width(); ++x)
                coloured += QColor(image.pixel(x, y)).hsvSaturation() > 60;
        QVERIFY2(coloured > 2000, qPrintable(QString::number(coloured)));
        keepArtifact(image, "timeline.png");

        // Selecting a stage in the timeline selects it in the latency table, and back.
        timeline->selectStage("add noise");
        auto* table = window.latencyView()->stageTable();
        QCOMPARE(table->item(table->currentRow(), 0)->text(), QString("add noise"));
        window.latencyView()->selectStage("map to surface");
        QCOMPARE(timeline->selectedStage(), QString("map to surface"));

        // A Chrome trace exported by the CLI comes back as a run.
        QTemporaryDir dir;
        QProcess cli;
        cli.start(STUDIO_CLI_PATH, {"run", "template.surface-sampler", "--param", "pointCount=2000", "--repeat", "7",
                                    "--quiet", "--out", dir.path()});
        QVERIFY(cli.waitForFinished(60000) && cli.exitCode() == 0);
        QCOMPARE(window.importChromeTrace(dir.filePath("trace.json")), 1);
        QCOMPARE(window.session().runs.back().latency.repeats, 7);
        QCOMPARE(timeline->instanceCount(), std::size_t(7 * 4));
        // Comparing two runs stacks both on the timeline.
        window.latencyView()->compareWith(window.session().runs.front().id);
        QCOMPARE(timeline->instanceCount(), std::size_t(7 * 4) + window.session().runs.front().latency.samples.size());
        QImage both(timeline->size(), QImage::Format_RGB32);
        timeline->render(&both);
        keepArtifact(both, "timeline-compare.png");
        QCOMPARE(window.importChromeTrace(dir.filePath("latency.json")), 0); // not a trace: error logged
        QVERIFY(window.logText().contains("latency.json"));
    }

    void reportDialogDefaultsAndComparisons()
    {
        host::Session session = host::loadSession(STUDIO_SAMPLE_SESSION);
        session.runs.resize(1); // the surface-sampler run, and a copy of it
        session.nextRunId = 2;
        host::RunRecord second = session.runs.front();
        second.label = "Run 2: copy";
        session.addRun(second);
        studio::ReportDialog dialog(session, 0, "/tmp/out.pdf");
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QCOMPARE(dialog.selectedRuns(), (std::vector<int>{1, 2}));
        QVERIFY(dialog.comparisons().empty());
        QVERIFY(!dialog.includeMarkedViews());
        QCOMPARE(dialog.outputPath(), QString("/tmp/out.pdf"));
        QPushButton* add = nullptr;
        for (auto* button : dialog.findChildren<QPushButton*>())
            if (button->text() == "Add comparison")
                add = button;
        QVERIFY(add);
        add->click();
        QCOMPARE(dialog.comparisons(), (std::vector<std::pair<int, int>>{{1, 2}}));
        keepArtifact(dialog.grab().toImage(), "report-dialog.png");
    }

    void reasoningTraceViewsAreLinked()
    {
        QTemporaryDir dir;
        const QString session = dir.filePath("traces.lstudio");
        QProcess cli;
        cli.start(STUDIO_CLI_PATH, {"run", "reasoning.instability", "--param", QString("traces=") + STUDIO_SAMPLE_TRACES, "--param",
                                    QString("traceIndex=%1").arg(test::uniformInt(0, 47)), "--repeat", "2", "--quiet", "--session-out", session});
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        studio::MainWindow window;
        showStudio(window);
        QVERIFY(window.openSession(session));
        auto* traceView = window.findChild<views::TokenTraceView*>("trace:trace");
        auto* signalPlot = window.findChild<views::SeriesView*>("series:signals");
        auto* traces = window.findChild<views::TableView*>("table:traces");
        QVERIFY(traceView && signalPlot && traces);
        QVERIFY(window.findChild<views::SeriesView*>("series:roc"));
        auto* tabs = window.findChild<QTabWidget*>();
        QTRY_VERIFY2(traceView->isVisible(), qPrintable(tabs->tabText(tabs->currentIndex()))); // no point cloud: the trace is in front
        QCOMPARE(traces->table()->rowCount(), 48);

        // Tokens are shaded: the text view shows warm colours, not just black on white.
        const int warm = shadedPixels(*traceView);
        QVERIFY2(warm > 2000, qPrintable(QString::number(warm)));
        keepArtifact(window.captureWindow(1.0), "trace-view.png");

        // Clicking the signal plot scrolls the text to that step and selects its token.
        const auto tokens = std::get<TokenTrace>(window.session().runs.front().datasets.front().content).tokens;
        const int step = static_cast<int>(test::uniformInt(0, static_cast<std::int64_t>(tokens.size()) - 1));
        tabs->setCurrentWidget(signalPlot); // laid out at its real size: one step spans pixels
        QTRY_VERIFY(signalPlot->isVisible() && signalPlot->width() > 3 * static_cast<int>(tokens.size()));
        const QRectF plot(56, 26, signalPlot->width() - 72, signalPlot->height() - 58);
        const double x = plot.left() + (step + 0.0) / (tokens.size() - 1) * plot.width();
        QCOMPARE(signalPlot->indexAt(QPoint(static_cast<int>(std::round(x)), 60)), step);
        emit signalPlot->indexClicked(step);
        QCOMPARE(traceView->textView()->textCursor().selectedText(), QString::fromStdString(tokens[step]));
        keepArtifact(signalPlot->grab().toImage(), "signals.png");

        // Accuracy per strength bucket is a bar chart: four solid bars of the first curve colour.
        auto* bucketBars = window.findChild<views::SeriesView*>("series:bucket accuracy");
        QVERIFY(bucketBars);
        tabs->setCurrentWidget(bucketBars);
        QTRY_VERIFY(bucketBars->isVisible());
        const QImage bars = bucketBars->grab().toImage();
        int barPixels = 0;
        for (int y = 0; y < bars.height(); ++y)
            for (int x = 0; x < bars.width(); ++x)
                barPixels += bars.pixelColor(x, y) == QColor(40, 110, 200);
        QVERIFY2(barPixels > bars.width() * bars.height() / 20, qPrintable(QString::number(barPixels)));
        keepArtifact(bars, "bucket-accuracy.png");

        // Double-clicking row 3 of the traces table runs again with trace 3 shown.
        QVERIFY(window.openRowOfRun(window.session().runs.front().id, 3));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QTRY_COMPARE(window.session().runs.size(), std::size_t(2));
        QCOMPARE(window.session().runs.back().parameters["traceIndex"].get<int>(), 3);
        traces = window.findChild<views::TableView*>("table:traces");
        QVERIFY(traces);

        // Filtering the trace table keeps the matching rows.
        traces->findChild<QLineEdit*>()->setText("wrong");
        QVERIFY(traces->visibleRowCount() > 0 && traces->visibleRowCount() < 48);
        traces->findChild<QLineEdit*>()->clear();

        // Two selected rows compare side by side, on one colour scale, with both signals in one plot.
        QVERIFY(traces->compareButton()->isVisibleTo(traces));
        QVERIFY(!traces->compareButton()->isEnabled());
        const int first = static_cast<int>(test::uniformInt(0, 23)), second = static_cast<int>(test::uniformInt(24, 47));
        auto* model = traces->table()->model();
        for (int row : {first, second})
            for (int r = 0; r < traces->table()->rowCount(); ++r)
                if (traces->table()->item(r, 0)->data(Qt::UserRole + 1).toInt() == row) // the dataset's row, however sorted
                    traces->table()->selectionModel()->select(model->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(traces->compareButton()->isEnabled());
        const auto runsBefore = window.session().runs.size();
        traces->compareButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning() && window.session().runs.size() == runsBefore + 1, 60000);
        const auto& compareRun = window.session().runs.back();
        QCOMPARE(compareRun.parameters["traceIndex"].get<int>(), first);
        QCOMPARE(compareRun.parameters["compareIndex"].get<int>(), second);
        auto* comparison = window.findChild<views::TraceComparisonView*>("comparison:side by side");
        QVERIFY(comparison);
        tabs->setCurrentWidget(comparison);
        QTRY_VERIFY(comparison->first()->textView()->viewport()->isVisible());
        QVERIFY(!comparison->first()->textView()->toPlainText().isEmpty());
        QVERIFY(comparison->first()->textView()->toPlainText() != comparison->second()->textView()->toPlainText());
        QCOMPARE(comparison->plot()->series().curves.size(), std::size_t(2));
        for (auto* side : {comparison->first(), comparison->second()}) {
            const int coloured = shadedPixels(*side);
            QVERIFY2(coloured > 500, qPrintable(QString::number(coloured)));
        }
        keepArtifact(window.captureWindow(1.0), "compare-traces.png");
    }

    void aPluginOptionNoPluginReadsIsReported()
    {
        // --plugin-option names no plugin asks for are mistakes (main refuses them, exit 2).
        studio::MainWindow window;
        window.setStartupOptions({{"live-prompt", "Count to three."}, {"live-ur", "http://127.0.0.1:9/v1"}});
        showStudio(window);
        QCOMPARE(window.unreadStartupOptions(), QStringList{"live-ur"});
    }

    void pluginDocksAndActionsWorkAndSurviveAReload()
    {
        // The template's dock and action (SDK StudioExtension.h), reached as a user would.
        QTemporaryDir dir;
        studio::MainWindow window;
        showStudio(window);
        auto* dock = window.findChild<QDockWidget*>("template.panel");
        QVERIFY2(dock, "the template adds its dock");
        QVERIFY(dock->isVisible());
        const auto viewActions = window.menuBar()->actions();
        QVERIFY(std::any_of(viewActions.begin(), viewActions.end(), [](QAction* a) { return a->text().remove('&') == "Tools"; }));
        auto* points = dock->findChild<QSpinBox*>("pointCount");
        const int count = static_cast<int>(test::uniformInt(1000, 9000));
        points->setValue(count);
        dock->findChild<QPushButton*>("sampleAgain")->click();
        QTRY_VERIFY_WITH_TIMEOUT(window.session().runs.size() == 1 && !window.isRunning(), 30000);
        const auto& run = window.session().runs.front();
        QCOMPARE(run.engineId, std::string("template.surface-sampler"));
        QCOMPARE(run.parameters["pointCount"].get<int>(), count);
        QTRY_COMPARE(dock->findChild<QLabel*>("shownRun")->text(), QString("Run 1 sampled %1 points.").arg(count));

        // The action does the same from the menu; the second run waits for nothing.
        QAction* action = window.findChild<QAction*>("template.sampleAgain");
        QVERIFY(action);
        action->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(window.session().runs.size() == 2 && !window.isRunning(), 30000);
        keepArtifact(window.captureWindow(1.0), "plugin-dock.png");

        // The dock's state travels with the session, under the plugin's id.
        QVERIFY(window.saveSessionTo(dir.filePath("dock.lstudio")));
        QFile saved(dir.filePath("dock.lstudio"));
        QVERIFY(saved.open(QIODevice::ReadOnly));
        const auto document = nlohmann::json::parse(saved.readAll().toStdString());
        QCOMPARE(document["viewState"]["plugins"]["template"]["pointCount"].get<int>(), count);
        points->setValue(500);
        QVERIFY(window.openSession(dir.filePath("dock.lstudio")));
        QCOMPARE(points->value(), count);

        // A reload takes the plugin's dock and action away before its library goes, and the new
        // copy adds them again, with the state kept.
        const QString library = QString::fromStdString(std::string(STUDIO_PLUGIN_DIR) + "/liblatency_studio_template.so");
        QPointer<QDockWidget> before = dock;
        window.reloadPlugin(library);
        QVERIFY2(!before, "the old dock outlived its plugin's library");
        auto* again = window.findChild<QDockWidget*>("template.panel");
        QVERIFY(again);
        QCOMPARE(again->findChild<QSpinBox*>("pointCount")->value(), count);
        QCOMPARE(window.findChildren<QAction*>("template.sampleAgain").size(), qsizetype(1));

        // Plugins → Manage plugins… says what each plugin adds.
        host::PluginRegistry registry;
        registry.scanFolders({STUDIO_PLUGIN_DIR});
        studio::PluginsDialog dialog(registry, window.pluginContributions());
        dialog.resize(1400, 320);
        keepArtifact(dialog.grab().toImage(), "plugins-dialog.png");
        QStringList adds;
        for (int row = 0; row < dialog.table()->rowCount(); ++row)
            adds << dialog.table()->item(row, 1)->text() + " | " + dialog.table()->item(row, 4)->text();
        QVERIFY2(adds.contains("Template: surface sampler | dock Surface sampler; action Tools → Sample the surface again [Ctrl+Shift+S]"),
                 qPrintable(adds.join('\n')));
        QVERIFY2(std::any_of(adds.begin(), adds.end(), [](const QString& a) {
                     return a.endsWith("action Run → Stream a live trace… [Ctrl+L]; CLI command live");
                 }),
                 qPrintable(adds.join('\n')));
    }

    void liveTraceStreamsAndJoinsTheSession()
    {
        std::mt19937 rng(std::random_device{}());
        const auto steps = test::randomSteps(rng, 120, 5);
        QList<QByteArray> pieces = test::randomPieces(test::eventStream(steps), rng);
        ReplayServer server({.pieces = pieces, .delayMs = 15}); // about 1–2 s: long enough to watch it grow
        QVERIFY(server.isListening());

        QTemporaryDir dir;
        studio::MainWindow window;
        showStudio(window);
        QVERIFY(window.saveSessionTo(dir.filePath("live.lstudio"))); // live traces go beside the session
        // The window comes from the signals plugin (an SDK extension): the studio knows it only as
        // the plugin's action, so the test reaches it the same way, by object names.
        QAction* action = window.findChild<QAction*>("signals.live");
        QVERIFY2(action, "the signals plugin adds Run → Stream a live trace…");
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_L));
        QVERIFY2(window.pluginContributions().contains("signals: action Run → Stream a live trace… [Ctrl+L]"),
                 qPrintable(window.pluginContributions().join('\n')));
        action->trigger();
        QWidget* live = topLevelNamed("liveStreamWindow");
        QVERIFY(live);
        QVERIFY(QTest::qWaitForWindowExposed(live));
        live->findChild<QLineEdit*>("baseUrl")->setText(server.baseUrl());
        const QString secret = QStringLiteral("sk-gui-secret-%1").arg(rng());
        live->findChild<QLineEdit*>("typedKey")->setText(secret);
        auto* status = live->findChild<QLabel*>("status");
        live->findChild<QPushButton*>("start")->click();
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith("Streaming"), 10000); // grows while it streams
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith("Finished"), 20000);
        QCOMPARE(server.requests().front().headers.value("authorization"), "Bearer " + secret.toUtf8());

        // The live view shows the whole text, shaded.
        std::string text;
        for (const auto& step : steps)
            text += step.token;
        const QTextEdit* liveText = live->findChild<QWidget*>("liveTrace")->findChild<QTextEdit*>();
        QCOMPARE(liveText->toPlainText(), QString::fromStdString(text));
        QTRY_VERIFY(liveText->viewport()->isVisible());
        const int warm = shadedPixels(*liveText);
        QVERIFY2(warm > 500, qPrintable(QString::number(warm)));
        keepArtifact(live->grab().toImage(), "live-window.png");

        // The finished trace joins the session as a run of the instability engine on the saved file.
        QTRY_VERIFY_WITH_TIMEOUT(window.session().runs.size() == 1 && !window.isRunning(), 30000);
        const auto& run = window.session().runs.front();
        QCOMPARE(run.engineId, std::string("reasoning.instability"));
        const QString tracePath = QString::fromStdString(run.parameters["traces"].get<std::string>());
        QVERIFY2(tracePath.startsWith(dir.filePath("live-live/")), qPrintable(tracePath));
        const auto& tokens = std::get<TokenTrace>(run.datasets.front().content).tokens;
        QCOMPARE(tokens.size(), steps.size());
        for (std::size_t t = 0; t < steps.size(); ++t)
            QCOMPARE(tokens[t], steps[t].token);

        // The key is nowhere on disk or in the log; the other settings are kept in the session.
        QVERIFY2(window.saveSessionTo(dir.filePath("live.lstudio")), qPrintable(window.logText()));
        for (const QString& path : {dir.filePath("live.lstudio"), tracePath}) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray content = file.readAll();
            QVERIFY2(!content.contains(secret.toUtf8()), qPrintable(path));
            if (path.endsWith(".lstudio"))
                QVERIFY(content.contains(server.baseUrl().toUtf8()));
        }
        QVERIFY(!window.logText().contains(secret));
        keepArtifact(window.captureWindow(1.0), "live-joined-session.png");
    }

    void cliScreenshotOfTheSampleSession()
    {
        QTemporaryDir dir;
        const QString png = dir.filePath("view.png");
        QProcess cli;
        cli.start(STUDIO_CLI_PATH, {"screenshot", "--session", STUDIO_SAMPLE_SESSION, "--out", png, "--width", "640",
                                    "--height", "400", "--scale", "2", "--no-overlay"});
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        const QImage image(png);
        QCOMPARE(image.size(), QSize(1280, 800));
        const PixelSummary summary = summarise(image);
        QVERIFY2(summary.brightPixels > 1280 * 800 / 50, qPrintable(QString::number(summary.brightPixels)));
        QVERIFY(summary.distinctColours > 200);

        cli.start(STUDIO_CLI_PATH, {"screenshot", "--session", STUDIO_SAMPLE_SESSION, "--out", png, "--color-by", "nope"});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY(cli.readAllStandardError().contains("no attribute 'nope'"));
    }

    void crashLeavesARecoverableAutosave()
    {
        host::Session session;
        session.name = "work in progress";
        studio::SessionFiles files;
        files.markCleanExit();
        QVERIFY(!files.recoveryAvailable());
        files.markRunning();
        host::saveSession(session, files.autosavePath().toStdString());
        // A new studio process would now see the marker of one that never exited cleanly.
        QVERIFY(studio::SessionFiles().recoveryAvailable());
        QCOMPARE(host::loadSession(files.autosavePath().toStdString()).name, session.name);
        files.markCleanExit();
        QVERIFY(!files.recoveryAvailable());
        QVERIFY(!QFile::exists(files.autosavePath()));
    }

    void colouringFollowsTheAttribute()
    {
        views::PointCloudView view;
        view.resize(640, 480);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        PointCloud cloud;
        const int n = 20000;
        for (int i = 0; i < n; ++i) {
            const float t = test::uniform(0, 6.2831853f);
            cloud.positions.insert(cloud.positions.end(), {std::cos(t), std::sin(t), test::uniform(-0.3f, 0.3f)});
        }
        std::vector<float> ramp(n), flat(n, 1.0f);
        for (int i = 0; i < n; ++i)
            ramp[i] = cloud.positions[3 * i + 2];
        cloud.attributes = {{"z", 1, ramp}, {"flat", 1, flat}};
        view.showPointCloud(cloud, "random ring");
        view.viewport()->setOverlayVisible(false);
        QCOMPARE(view.colorChoices(), (QStringList{"z", "flat", views::PointCloudView::kSolidColour}));
        const int byZ = summarise(view.viewport()->renderImage()).distinctColours;
        view.setColorBy(views::PointCloudView::kSolidColour);
        const int solid = summarise(view.viewport()->renderImage()).distinctColours;
        QVERIFY2(byZ > solid, qPrintable(QString("%1 vs %2").arg(byZ).arg(solid)));
    }
    void pickingShowsTheGroupAndItsAttention()
    {
        // FlatFormer on the sample cloud (the sample session's draft names it relative to the
        // session); click a point: its group is coloured by the attention its pillar gives each
        // member, everything else dimmed, and the overlay says so.
        studio::MainWindow window;
        showStudio(window);
        QVERIFY2(window.openSession(STUDIO_SAMPLE_SESSION), qPrintable(window.logText()));
        window.selectEngine("pointcloud.flatformer");
        ParameterValues values = window.parameterPanel()->values();
        const QString points = QString::fromStdString(std::get<std::string>(values["points"]));
        QVERIFY2(QFileInfo(points).isAbsolute() && QFileInfo::exists(points) && points.endsWith("street-32beam.pcd"), qPrintable(points));
        values["channels"] = std::int64_t{32}; // a smaller model keeps the test short
        values["heads"] = std::int64_t{4};
        values["blocks"] = std::int64_t{1};
        QVERIFY2(window.runEngineWith("pointcloud.flatformer", values), qPrintable(window.logText()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60000);
        QVERIFY2(!window.logText().contains("ERROR"), qPrintable(window.logText()));
        auto* view = window.pointCloudView();
        auto* viewport = view->viewport();
        QVERIFY(view->pointCount() > 1000);
        const QImage before = viewport->renderImage(1.0);

        // A point in the right half of the view (clear of the overlay), projected to the screen.
        const auto& cloud = std::get<PointCloud>(window.session().runs.back().datasets.front().content);
        vtkRenderer* renderer = viewport->renderer();
        auto displayOf = [&](std::size_t i) {
            renderer->SetWorldPoint(cloud.positions[3 * i], cloud.positions[3 * i + 1], cloud.positions[3 * i + 2], 1.0);
            renderer->WorldToDisplay();
            double d[3];
            renderer->GetDisplayPoint(d);
            const double ratio = viewport->devicePixelRatioF();
            if (d[2] < 0 || d[2] > 1) // outside the view frustum's depth range
                return QPointF(-1, -1);
            return QPointF(d[0] / ratio, viewport->height() - d[1] / ratio);
        };
        std::optional<QPointF> target;
        for (int tries = 0; tries < 10000 && !target; ++tries) {
            const QPointF at = displayOf(static_cast<std::size_t>(test::uniformInt(0, static_cast<std::int64_t>(cloud.pointCount()) - 1)));
            if (at.x() > 0.55 * viewport->width() && at.x() < 0.85 * viewport->width() && at.y() > 0.3 * viewport->height() &&
                at.y() < 0.8 * viewport->height())
                target = at;
        }
        QVERIFY(target);
        QTest::mouseClick(viewport, Qt::LeftButton, {}, target->toPoint());
        QTRY_VERIFY(window.pickDetail().has_value());
        QVERIFY(view->pickedPoint());
        const QPointF picked = displayOf(*view->pickedPoint());
        QVERIFY2((picked - *target).manhattanLength() < 20, qPrintable(QString("%1,%2").arg(picked.x()).arg(picked.y())));
        const PickDetail& detail = *window.pickDetail();
        QVERIFY2(QString::fromStdString(detail.title).contains("group"), detail.title.c_str());
        QCOMPARE(detail.pointValues.size(), cloud.pointCount());
        QCOMPARE(detail.profile.size(), std::size_t(144));

        // Pixels: the pick marker (magenta) shows, and most points turn to the dimmed grey.
        auto count = [](const QImage& image, auto&& predicate) {
            int n = 0;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x)
                    n += predicate(QColor(image.pixel(x, y)));
            return n;
        };
        auto isMarker = [](const QColor& c) { return c.red() > 170 && c.green() < 120 && c.blue() > 110 && c.red() > c.blue(); };
        auto isDimmed = [](const QColor& c) {
            return std::abs(c.red() - 71) < 14 && std::abs(c.green() - 74) < 14 && std::abs(c.blue() - 84) < 14;
        };
        const QImage after = viewport->renderImage(1.0);
        keepArtifact(window.captureWindow(1.0), "flatformer-pick.png");
        QVERIFY2(count(after, isMarker) > 2 * count(before, isMarker) + 20, qPrintable(QString::number(count(after, isMarker))));
        QVERIFY2(count(after, isDimmed) > 5 * count(before, isDimmed) + 500,
                 qPrintable(QString("%1 vs %2").arg(count(after, isDimmed)).arg(count(before, isDimmed))));

        // Esc clears the pick: the marker and the dimming go.
        QTest::keyClick(viewport, Qt::Key_Escape);
        QTRY_VERIFY(!window.pickDetail().has_value());
        QVERIFY(!view->pickedPoint());
        QVERIFY(count(viewport->renderImage(1.0), isMarker) < 10);
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
