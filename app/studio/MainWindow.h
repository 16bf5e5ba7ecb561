#pragma once
// The studio's main window: engines, parameters, run controls, latency and log docks around the
// central views. It wires plugins to views and holds no engine math (DESIGN.md).
#include "HandleFollowRunner.h"
#include "RunController.h"
#include "SessionFiles.h"
#include "app/host/PluginRegistry.h"
#include "app/host/Session.h"
#include "app/report/ReportBuilder.h"
#include "engine/core/PickDetail.h"
#include "plugins/sdk/StudioExtension.h"
#include "views/HandleOverlay.h"
#include "views/ParameterOverlay.h"

#include <QMainWindow>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <map>
#include <optional>

class QComboBox;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTreeWidget;

namespace ls::views {
class LatencyView;
class ParameterPanel;
class PointCloudView;
class TimelineView;
class TraceComparisonView;
} // namespace ls::views

namespace ls::studio {

class PluginContext;
class SweepDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT
    friend class PluginContext; // the SDK's StudioContext reaches the window's log, menus and runs
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void loadPlugins(const QStringList& folders);
    bool openSession(const QString& path);       // logs errors; returns success
    bool saveSessionTo(const QString& path);     // atomic; logs errors
    void offerRecoveryIfNeeded();

    // Starts a run of the selected engine with the panel's parameters.
    bool startRun();
    // The Run dock's repeats and warm-up repeats for the next runs (as a user sets them there).
    void setRepeats(int repeats, int warmupRepeats);
    void cancelRun();
    bool isRunning() const { return runs_.isRunning(); }
    void waitForRun();

    const host::Session& session() const { return session_; }
    views::PointCloudView* pointCloudView() const { return pointCloudView_; }
    views::LatencyView* latencyView() const { return latencyView_; }
    views::TimelineView* timelineView() const { return timelineView_; }
    // Adds each process of a Chrome trace as a run (no datasets); returns how many were added.
    int importChromeTrace(const QString& path);
    views::ParameterPanel* parameterPanel() const { return parameterPanel_; }
    QString logText() const;
    void logStartupTime(qint64 milliseconds);
    void selectEngine(const QString& engineId);
    // Runs the engine of `runId` again with its 'traceIndex' parameter set to `row`.
    bool openRowOfRun(int runId, int row);
    // Runs it again with 'traceIndex' = firstRow and 'compareIndex' = secondRow: side by side.
    bool compareRowsOfRun(int runId, int firstRow, int secondRow);
    // Selects the engine, shows `values` in the parameter panel and starts a run.
    bool runEngineWith(const QString& engineId, const ParameterValues& values);
    // The overlay's parameter window for the shown run, and what a change made there does: the
    // shown run's engine runs again with that one parameter changed.
    const views::ParameterOverlay& parameterOverlay() const { return parameterOverlay_; }
    void rerunFromOverlay(const std::string& key, const ParameterValue& value);

    // Adds a run of the engine with the user's settings for it, then `overrides`: now, or when the
    // current run ends. False (logged) when no loaded plugin provides the engine.
    bool addRun(const std::string& engineId, const ParameterValues& overrides);
    // Run → Sweep…: the grid editor for the active engine (null without one); and the runs of a
    // session (a finished sweep's) added to this one, the last shown.
    SweepDialog* openSweepDialog();
    bool addRunsFromSession(const QString& path);
    // What plugins added to the window (SDK StudioExtension.h), a line each:
    // "<plugin id>: action <menu> → <text> [<shortcut>]" or "<plugin id>: dock <title>".
    QStringList pluginContributions() const;
    // `--plugin-option name=value` from the command line, for the plugins' extensions to read.
    void setStartupOptions(std::map<QString, QString> options) { startupOptions_ = std::move(options); }
    // The options given that no plugin's extension read (after loadPlugins): each is a mistake.
    QStringList unreadStartupOptions() const;
    // Unloads and loads a plugin again, its window extension with it; logs the outcome.
    void reloadPlugin(const QString& path);

    // For scripted use (--screenshot): closing will not ask about unsaved runs.
    void setPromptOnClose(bool prompt) { promptOnClose_ = prompt; }

    // Keeps a print-resolution capture of the 3D view for the next report.
    void markViewForReport();
    const std::vector<report::MarkedView>& markedViews() const { return markedViews_; }
    // Builds and writes a report with progress and cancel; logs and returns false on failure.
    bool exportReport(const QString& path, report::ReportOptions options);

    // Writes file `archiveName` (empty: the only one) that the shown run handed over, e.g. a trained
    // model's checkpoint, to `path` (atomic); logs and returns false when there is none or it fails.
    bool saveRunArchive(const QString& path, const std::string& archiveName = {});
    void saveRunArchiveInteractively();

    // The 3D view's picked point as the overlay shows it (none when nothing is picked).
    const std::optional<PickDetail>& pickDetail() const { return pick_; }

    // Moves handle `pointIndex` of the shown run's cloud as a drag does (the overlay's position
    // field does the same): the engine computes the run's outputs there off the UI thread.
    bool moveHandleTo(std::size_t pointIndex, QVector3D position);
    void waitForHandleFollow(); // until the latest position is computed and shown
    const views::HandlePanel& handlePanel() const { return handlePanel_; }
    const std::vector<DragHandle>& shownDragHandles() const { return shownHandles_; }

    // The window's size and dock layout from the last session (QSettings), or a sane first size;
    // saved when the studio closes. View → Reset layout goes back to the built-in arrangement.
    void restoreLayout();
    void saveLayout() const;
    void resetLayout();
    void showGettingStarted(); // Help → Getting started (F1): what each engine shows, what to try

    // Brings the central tab with this title forward ("Timeline", a dataset's name); false if none.
    bool showTab(const QString& title);

    QImage captureWindow(double scale) const;
    QImage captureView(double scale) const;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildDocks();
    void buildMenus();
    void refreshEngineTree();
    void refreshRecentMenu();
    void rememberSessionPath(const QString& path);
    QString askSessionSavePath(const QString& title); // empty when cancelled; ends in .lstudio
    bool save();                                       // to the session's file, asking for one if new
    void refreshLatencyEntries();
    void showRun(int runId);
    static const Dataset* shownPointCloudOf(const host::RunRecord& run); // the run's cloud in the 3D view
    void showPick(std::size_t pointIndex);
    void showDragHandles(const host::RunRecord& run);
    const DragHandle* shownHandleAt(std::size_t pointIndex) const;
    bool grabHandle(std::size_t pointIndex); // makes the follower when the drag starts
    void onHandleFollowed(const FollowResult& result);
    void drawHandlePanel();
    void refreshParameterOverlay(const host::RunRecord& run);
    void drawParameterOverlay();
    void addOverlayTabs(const host::RunRecord& run);
    void showDatasetTabs(const host::RunRecord& run);
    static bool refreshDatasetView(QWidget* view, const Dataset& dataset); // false: the view shows another kind
    void showPublished(const Dataset& dataset); // while a run goes on
    // Removes the live tabs; returns the name of the one in front ("" if none was), putting back
    // the tab that was in front before the first live tab came.
    std::string clearPublished();
    views::TraceComparisonView* comparisonViewOf(const host::RunRecord& run); // null: not a comparison run
    bool rerunWith(int runId, const ParameterValues& overrides);
    void resolveSessionRelativeFiles(const ParameterSchema& schema, ParameterValues& values) const;
    void onRunFinished(const RunOutcome& outcome);
    void onPluginChangedOnDisk(const QString& path);
    // Makes the studio extension of each loaded plugin that has none yet.
    void extendByPlugins();
    void dropExtension(const QString& pluginPath);
    void tellExtensionsTheShownRun();
    QMenu* menuTitled(const QString& title); // a top-level menu by its text without '&', made if missing
    void storeViewState();
    void applyViewState();
    void setDirty(bool dirty);
    void updateTitle();
    void autosave();
    bool maybeSave();
    void exportScreenshot(bool wholeWindow);
    void showReportDialog();
    void log(const QString& message, bool isError = false);
    std::shared_ptr<Engine> activeEngine() const;
    void storeParameterDraft();

    host::PluginRegistry registry_;
    host::Session session_;
    QString sessionPath_;
    bool dirty_ = false;
    bool promptOnClose_ = true;
    SessionFiles files_;
    RunController runs_;
    QTimer autosaveTimer_;
    int shownRunId_ = 0;
    std::vector<report::MarkedView> markedViews_;
    static constexpr int kDefaultRepeats = 20, kDefaultWarmups = 2;
    bool previousAdvised_ = false; // the last selected engine set the repeat boxes itself
    std::optional<PickDetail> pick_; // the 3D view's picked point, drawn in the overlay
    std::vector<std::pair<std::string, std::string>> pickAttributes_; // and its own attribute values
    std::vector<DragHandle> shownHandles_; // of the shown run's cloud
    HandleFollowRunner handleFollower_;
    views::HandlePanel handlePanel_;       // the overlay's handle window
    views::OverlayImage handleMap_;        // its map
    LatencyRecord handleLatency_;          // every follow since the handle was grabbed
    views::ParameterOverlay parameterOverlay_; // the shown run's quick parameters in the overlay
    views::OverlayImage overlayPicture_;       // and its picture

    QTreeWidget* engineTree_ = nullptr;
    views::ParameterPanel* parameterPanel_ = nullptr;
    QLabel* engineDescription_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QSpinBox* repeatBox_ = nullptr;
    QSpinBox* warmupBox_ = nullptr;
    QComboBox* deviceBox_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* runStatus_ = nullptr;
    views::LatencyView* latencyView_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QByteArray defaultLayout_; // saveState() right after the docks were built
    QTabWidget* centralTabs_ = nullptr;
    views::PointCloudView* pointCloudView_ = nullptr;
    views::TimelineView* timelineView_ = nullptr;
    std::vector<QWidget*> datasetTabs_; // views of the shown run's datasets, rebuilt per run
    std::map<std::string, QWidget*> liveTabs_; // what the running engine published, by name
    QPointer<QWidget> tabBeforeLive_;          // in front before the live tabs took over
    bool handleWasShown_ = false;              // the last shown run had drag handles (overlay folded)
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    std::vector<std::pair<std::string, ParameterValues>> pendingRuns_; // addRun while a run went on
    std::map<QString, QString> startupOptions_;
    mutable QSet<QString> startupOptionsRead_; // names the plugins asked for
    // Each loaded plugin's extension and the context it reaches the window by, by library path.
    // Declared after registry_, so destroyed before the libraries are unloaded.
    struct PluginPresence {
        std::unique_ptr<PluginContext> context;
        std::unique_ptr<StudioExtension> extension;
        ~PluginPresence(); // the extension first: it may still use the context
    };
    std::map<QString, PluginPresence> extensions_;
};

} // namespace ls::studio
