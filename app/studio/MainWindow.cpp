#include "MainWindow.h"

#include "PluginsDialog.h"
#include "views/LatencyOverlay.h"
#include "views/LatencyView.h"
#include "views/ParameterPanel.h"
#include "views/PickOverlay.h"
#include "views/PointCloudView.h"
#include "views/TimelineView.h"
#include "views/VtkViewport.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <imgui.h>

namespace ls::studio {
namespace {

constexpr int kEngineIdRole = Qt::UserRole + 1;
constexpr int kMinimumDockWidth = 240;
// Raised when the docks change, so that a layout saved by an older studio is not restored.
constexpr int kLayoutVersion = 2;

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName("mainWindow");
    resize(1440, 900);
    setDockOptions(AnimatedDocks | AllowTabbedDocks);

    centralTabs_ = new QTabWidget(this);
    // Many dataset tabs scroll instead of widening the window's centre, which squeezed the docks
    // beside it to a few characters. Names are kept whole: tabs cut to two letters could not be told apart.
    centralTabs_->setUsesScrollButtons(true);
    centralTabs_->setElideMode(Qt::ElideNone);
    centralTabs_->tabBar()->setExpanding(false);
    centralTabs_->setMinimumWidth(360);
    pointCloudView_ = new views::PointCloudView(this);
    centralTabs_->addTab(pointCloudView_, tr("3D view"));
    timelineView_ = new views::TimelineView(this);
    auto* timelineScroll = new QScrollArea(this);
    timelineScroll->setWidget(timelineView_);
    timelineScroll->setWidgetResizable(true);
    centralTabs_->addTab(timelineScroll, tr("Timeline"));
    setCentralWidget(centralTabs_);
    buildDocks();
    buildMenus();

    // Plugins draw into the viewport's overlay with the host's one ImGui context.
    HostServices services;
    services.imguiContext = pointCloudView_->viewport()->imguiContext();
    ImGui::GetAllocatorFunctions(&services.imguiAlloc, &services.imguiFree, &services.imguiAllocUserData);
    registry_.setHostServices(services);
    pointCloudView_->viewport()->setOverlayContent([this] {
        const host::RunRecord* run = session_.findRun(shownRunId_);
        if (!run) {
            ImGui::TextUnformatted("no run yet: choose an engine and press Run");
            return;
        }
        views::drawLatencyOverlay(run->label, run->latency);
        if (const auto* plugin = registry_.pluginOfEngine(run->engineId); plugin && plugin->instance)
            plugin->instance->drawOverlay();
        if (pick_)
            views::drawPickOverlay(*pick_, pickAttributes_);
        drawHandlePanel();
        drawParameterOverlay();
    });

    connect(&runs_, &RunController::progressed, this, [this](double fraction, const QString& message) {
        progress_->setValue(static_cast<int>(fraction * 1000));
        runStatus_->setText(message);
    });
    connect(&runs_, &RunController::finished, this, &MainWindow::onRunFinished);
    connect(&runs_, &RunController::published, this, &MainWindow::showPublished);
    connect(latencyView_, &views::LatencyView::selectedRunChanged, this, &MainWindow::showRun);
    connect(latencyView_, &views::LatencyView::comparedRunChanged, this, [this] { showRun(shownRunId_); });
    // The timeline and the latency table select the same stage.
    connect(latencyView_, &views::LatencyView::stageSelected, timelineView_, &views::TimelineView::selectStage);
    connect(timelineView_, &views::TimelineView::stageSelected, latencyView_, &views::LatencyView::selectStage);
    connect(pointCloudView_, &views::PointCloudView::colorByChanged, this, [this] { storeViewState(); });
    connect(pointCloudView_, &views::PointCloudView::pointPicked, this, &MainWindow::showPick);
    connect(pointCloudView_, &views::PointCloudView::pickCleared, this, [this] { pick_.reset(); });
    connect(pointCloudView_, &views::PointCloudView::handleGrabbed, this, [this](std::size_t index) { grabHandle(index); });
    connect(pointCloudView_, &views::PointCloudView::handleMoved, this, &MainWindow::moveHandleTo);
    connect(pointCloudView_, &views::PointCloudView::handleReleased, this, [this](std::size_t, QVector3D at) {
        log(tr("The %1 is at (%2, %3, %4) m").arg(QString::fromStdString(handlePanel_.label)).arg(at.x(), 0, 'f', 3).arg(at.y(), 0, 'f', 3).arg(at.z(), 0, 'f', 3));
    });
    connect(&handleFollower_, &HandleFollowRunner::followed, this, &MainWindow::onHandleFollowed);
    connect(&registry_, &host::PluginRegistry::pluginsChanged, this, &MainWindow::refreshEngineTree);
    connect(&registry_, &host::PluginRegistry::pluginChangedOnDisk, this, &MainWindow::onPluginChangedOnDisk);
    connect(&autosaveTimer_, &QTimer::timeout, this, &MainWindow::autosave);
    autosaveTimer_.start(SessionFiles::kAutosaveIntervalMs);
    files_.markRunning();
    updateTitle();
}

MainWindow::~MainWindow()
{
    runs_.cancel();
    runs_.waitForFinished();
}

void MainWindow::buildDocks()
{
    auto addDock = [this](const QString& title, const QString& name, QWidget* content, Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(content);
        // A dock stays readable however the window is shared out (engine names, parameter labels).
        if (area != Qt::BottomDockWidgetArea)
            content->setMinimumWidth(kMinimumDockWidth);
        addDockWidget(area, dock);
        return dock;
    };

    engineTree_ = new QTreeWidget(this);
    engineTree_->setObjectName("engineTree");
    engineTree_->setHeaderLabels({tr("Plugin / engine"), tr("Status")});
    engineTree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    engineTree_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    engineTree_->header()->setStretchLastSection(false);
    connect(engineTree_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item && !item->data(0, kEngineIdRole).toString().isEmpty())
            selectEngine(item->data(0, kEngineIdRole).toString());
    });
    auto* enginesDock = addDock(tr("Engines"), "enginesDock", engineTree_, Qt::LeftDockWidgetArea);

    auto* parameterHolder = new QWidget(this);
    auto* parameterLayout = new QVBoxLayout(parameterHolder);
    engineDescription_ = new QLabel(tr("Select an engine."), parameterHolder);
    engineDescription_->setWordWrap(true);
    parameterPanel_ = new views::ParameterPanel(parameterHolder);
    auto* resetButton = new QPushButton(tr("Reset to defaults"), parameterHolder);
    parameterLayout->addWidget(engineDescription_);
    parameterLayout->addWidget(parameterPanel_);
    parameterLayout->addWidget(resetButton);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(parameterHolder);
    scroll->setWidgetResizable(true);
    auto* parametersDock = addDock(tr("Parameters"), "parametersDock", scroll, Qt::LeftDockWidgetArea);
    splitDockWidget(enginesDock, parametersDock, Qt::Vertical);
    connect(parameterPanel_, &views::ParameterPanel::valuesChanged, this, [this] {
        storeParameterDraft();
        runButton_->setEnabled(!runs_.isRunning() && parameterPanel_->problems().isEmpty() && activeEngine());
    });
    connect(resetButton, &QPushButton::clicked, parameterPanel_, &views::ParameterPanel::resetToDefaults);

    auto* runHolder = new QWidget(this);
    runButton_ = new QPushButton(tr("Run"), runHolder);
    runButton_->setObjectName("runButton");
    runButton_->setEnabled(false);
    cancelButton_ = new QPushButton(tr("Cancel"), runHolder);
    cancelButton_->setEnabled(false);
    repeatBox_ = new QSpinBox(runHolder);
    repeatBox_->setRange(1, 100000);
    repeatBox_->setValue(kDefaultRepeats);
    warmupBox_ = new QSpinBox(runHolder);
    warmupBox_->setRange(0, 1000);
    warmupBox_->setValue(kDefaultWarmups);
    deviceBox_ = new QComboBox(runHolder);
    deviceBox_->addItem(tr("auto"), "auto");
    deviceBox_->addItem(tr("CPU"), "cpu");
    const auto cuda = enumerateCudaDevices();
    for (const auto& device : cuda.devices)
        deviceBox_->addItem(QString::fromStdString(device.describe()), QString::fromStdString(device.id()));
    deviceBox_->setToolTip(cuda.devices.empty() ? QString::fromStdString(cuda.reason) : tr("Where runs execute"));
    progress_ = new QProgressBar(runHolder);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    runStatus_ = new QLabel(tr("Idle"), runHolder);
    runStatus_->setWordWrap(true);
    auto* runForm = new QFormLayout(runHolder);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(runButton_);
    buttons->addWidget(cancelButton_);
    runForm->addRow(buttons);
    runForm->addRow(tr("Repeats"), repeatBox_);
    runForm->addRow(tr("Warm-up"), warmupBox_);
    runForm->addRow(tr("Device"), deviceBox_);
    runForm->addRow(progress_);
    runForm->addRow(runStatus_);
    auto* runDock = addDock(tr("Run"), "runDock", runHolder, Qt::RightDockWidgetArea);
    connect(runButton_, &QPushButton::clicked, this, [this] { startRun(); });
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelRun);

    latencyView_ = new views::LatencyView(this);
    auto* latencyDock = addDock(tr("Latency"), "latencyDock", latencyView_, Qt::RightDockWidgetArea);
    splitDockWidget(runDock, latencyDock, Qt::Vertical);

    log_ = new QPlainTextEdit(this);
    log_->setObjectName("log");
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    auto* logDock = addDock(tr("Log"), "logDock", log_, Qt::BottomDockWidgetArea);
    // The 3D view gets most of the window; the log shows its last few lines.
    resizeDocks({enginesDock, runDock}, {330, 480}, Qt::Horizontal);
    resizeDocks({logDock}, {110}, Qt::Vertical);
    defaultLayout_ = saveState(kLayoutVersion);
}

void MainWindow::setRepeats(int repeats, int warmupRepeats)
{
    repeatBox_->setValue(repeats);
    warmupBox_->setValue(warmupRepeats);
}

void MainWindow::resetLayout()
{
    for (auto* dock : findChildren<QDockWidget*>()) {
        dock->setFloating(false);
        dock->show();
    }
    restoreState(defaultLayout_, kLayoutVersion);
    resizeDocks({findChild<QDockWidget*>("enginesDock"), findChild<QDockWidget*>("runDock")}, {330, 480}, Qt::Horizontal);
    resizeDocks({findChild<QDockWidget*>("logDock")}, {110}, Qt::Vertical);
}

void MainWindow::showGettingStarted()
{
    // What each engine of the sample session shows and what to try, for a first visit.
    const QString text = tr(
        "<h3>Getting started</h3>"
        "<p>The sample session holds a finished run of every engine. Pick a run in the <b>Latency</b> dock's "
        "<i>Run</i> list to show it; pick an engine in <b>Engines</b> and press <b>Run</b> (Ctrl+R) to run its draft, "
        "each set to finish within half a minute.</p>"
        "<ul>"
        "<li><b>GSpaRC: render a spectrum</b> — an RF field of 3D Gaussians trained on real RFID spectra. "
        "<i>Drag the transmitter</i> (the handle in the 3D view) and watch the spectrum tab re-render.</li>"
        "<li><b>FlatFormer</b> — window attention on a 32-beam street scan. <i>Click a point</i> to see its group and "
        "the attention it pays; colour by any attribute.</li>"
        "<li><b>Latent consistency: evaluate</b> — samples of a consistency model at 1, 2 and 4 steps beside the "
        "diffusion model's Euler sampler at 10, 20 and 50, with Fréchet distance and milliseconds per sample.</li>"
        "<li><b>Reasoning-trace instability</b> — 200 real reasoning traces; <i>hover a token</i> for its alternatives, "
        "double-click a row of the traces table to show that trace.</li>"
        "<li><b>Serving latency benchmark</b> — TTFT, TPOT and goodput of an OpenAI-compatible server across request "
        "rates; the Timeline tab has a row per request. Start <tt>scripts/local-llm</tt> first to load-test a real model.</li>"
        "<li><b>RF multipath simulator</b> — image-source reflections in an office scene.</li>"
        "<li><b>Surface sampler (template)</b> — the plugin template: copy it to write an engine "
        "(<tt>plugins/template/AUTHORING.md</tt>).</li>"
        "</ul>"
        "<p>Every run is timed: the <b>Latency</b> dock has per-stage percentiles, <i>compare with</i> sets two runs "
        "side by side, and File → Export report writes a PDF. F2 toggles the 3D view's overlay.</p>");
    QMessageBox box(QMessageBox::NoIcon, tr("Getting started"), text, QMessageBox::Close, this);
    box.setTextFormat(Qt::RichText);
    box.exec();
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) {
        // First launch: most of the screen, not a fixed size that may not fit it.
        if (const QScreen* screen = this->screen()) {
            const QRect available = screen->availableGeometry();
            resize(std::min(1600, available.width() * 9 / 10), std::min(1000, available.height() * 9 / 10));
            move(available.center() - rect().center());
        }
    }
    restoreState(settings.value("window/state").toByteArray(), kLayoutVersion);
}

void MainWindow::saveLayout() const
{
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState(kLayoutVersion));
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New session"), QKeySequence::New, this, [this] {
        if (!maybeSave())
            return;
        session_ = {};
        sessionPath_.clear();
        latencyView_->setEntries({});
        pointCloudView_->clear();
        shownRunId_ = 0;
        setDirty(false);
    });
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
        if (!maybeSave())
            return;
        const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QFileInfo(sessionPath_).path(),
                                                          tr("Latency Studio sessions (*.lstudio)"));
        if (!path.isEmpty())
            openSession(path);
    });
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { save(); });
    file->addAction(tr("Save &as…"), QKeySequence::SaveAs, this, [this] {
        if (const QString path = askSessionSavePath(tr("Save session as")); !path.isEmpty())
            saveSessionTo(path);
    });
    file->addAction(tr("&Import Chrome trace…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import Chrome trace"), QString(),
                                                          tr("Chrome trace JSON (*.json);;All files (*)"));
        if (!path.isEmpty())
            importChromeTrace(path);
    });
    file->addAction(tr("Save the run's &checkpoint…"), this, &MainWindow::saveRunArchiveInteractively);
    file->addSeparator();
    file->addAction(tr("Export &report…"), QKeySequence(Qt::CTRL | Qt::Key_E), this, &MainWindow::showReportDialog);
    file->addAction(tr("Export screenshot of the &view…"), this, [this] { exportScreenshot(false); });
    file->addAction(tr("Export screenshot of the &window…"), this, [this] { exportScreenshot(true); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    refreshRecentMenu();

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { startRun(); });
    run->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelRun);
    run->addAction(tr("S&weep…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), this, [this] { openSweepDialog(); });
    run->addSeparator(); // plugins' actions follow (SDK StudioContext::addMenuAction)

    QMenu* view = viewMenu_ = menuBar()->addMenu(tr("&View"));
    QAction* overlay = view->addAction(tr("ImGui &overlay (F2)"));
    overlay->setCheckable(true);
    overlay->setChecked(true);
    connect(overlay, &QAction::toggled, pointCloudView_->viewport(), &views::VtkViewport::setOverlayVisible);
    connect(pointCloudView_->viewport(), &views::VtkViewport::overlayVisibilityChanged, overlay, &QAction::setChecked);
    view->addAction(tr("&Mark 3D view for report"), QKeySequence(Qt::CTRL | Qt::Key_M), this, &MainWindow::markViewForReport);
    view->addSeparator();
    for (auto* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("&Reset layout"), this, &MainWindow::resetLayout);

    QMenu* plugins = menuBar()->addMenu(tr("&Plugins"));
    plugins->addAction(tr("&Manage plugins…"), this, [this] {
        PluginsDialog dialog(registry_, pluginContributions(), this);
        connect(&dialog, &PluginsDialog::reloadRequested, this, &MainWindow::reloadPlugin);
        dialog.exec();
    });
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Getting started"), QKeySequence::HelpContents, this, &MainWindow::showGettingStarted);
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("Latency Studio"),
                           tr("Latency Studio %1\nGPU engines for real-time ML, and how fast they are.\nPlugin SDK ABI %2.")
                               .arg(QCoreApplication::applicationVersion())
                               .arg(LATENCY_STUDIO_SDK_ABI));
    });
}

void MainWindow::loadPlugins(const QStringList& folders)
{
    registry_.scanFolders(folders);
    for (const auto& entry : registry_.plugins()) {
        if (entry->status == host::PluginStatus::Loaded)
            log(tr("Plugin %1 %2 loaded (%3 engines) from %4").arg(entry->id, entry->version).arg(entry->engines.size()).arg(entry->path));
        else
            log(tr("Plugin not loaded: %1").arg(entry->reason), true);
    }
    if (registry_.plugins().empty())
        log(tr("No plugins found in: %1").arg(folders.join("; ")), true);
    refreshEngineTree();
    extendByPlugins();
}

void MainWindow::refreshEngineTree()
{
    const QString current = QString::fromStdString(session_.activeEngineId);
    QSignalBlocker block(engineTree_);
    engineTree_->clear();
    for (const auto& entry : registry_.plugins()) {
        auto* pluginItem = new QTreeWidgetItem(engineTree_, {entry->name, host::toString(entry->status)});
        pluginItem->setToolTip(0, entry->reason.isEmpty() ? entry->path : entry->reason);
        pluginItem->setToolTip(1, entry->reason);
        pluginItem->setForeground(1, entry->status == host::PluginStatus::Loaded ? QColor(40, 160, 70) : QColor(210, 60, 50));
        for (const auto& engine : entry->engines) {
            const QString id = QString::fromStdString(engine->id());
            // Under its plugin, "Latent consistency: train" reads "train": the part that tells the
            // plugin's engines apart stays visible in a narrow dock. The tooltip has the full name.
            const QString fullName = QString::fromStdString(engine->displayName());
            const QString shortName = fullName.contains(": ") ? fullName.section(": ", 1) : fullName;
            auto* item = new QTreeWidgetItem(pluginItem, {shortName, engine->hasCudaPath() ? tr("CPU + CUDA") : tr("CPU")});
            item->setData(0, kEngineIdRole, id);
            item->setToolTip(0, QStringLiteral("<b>%1</b> (%2)<br>%3").arg(fullName.toHtmlEscaped(), id,
                                                                              QString::fromStdString(engine->description()).toHtmlEscaped()));
            if (id == current)
                engineTree_->setCurrentItem(item);
        }
    }
    engineTree_->expandAll();
    if (!activeEngine()) {
        // Pick the first engine so a fresh studio is one click from a run.
        for (const auto& entry : registry_.plugins())
            if (!entry->engines.empty()) {
                block.unblock();
                selectEngine(QString::fromStdString(entry->engines.front()->id()));
                return;
            }
    } else {
        block.unblock();
        selectEngine(current);
    }
}

void MainWindow::selectEngine(const QString& engineId)
{
    const auto engine = registry_.findEngine(engineId.toStdString());
    if (!engine)
        return;
    session_.activeEngineId = engine->id();
    const auto schema = engine->parameterSchema();
    ParameterValues values = defaultValues(schema);
    if (session_.parameterDrafts.contains(engine->id())) {
        try {
            values = parametersFromJson(schema, session_.parameterDrafts[engine->id()], "session parameters");
            resolveSessionRelativeFiles(schema, values);
        } catch (const StudioError& error) {
            log(tr("Stored parameters of %1 ignored: %2").arg(engineId, error.what()), true);
        }
    }
    engineDescription_->setText(QStringLiteral("<b>%1</b><br>%2").arg(QString::fromStdString(engine->displayName()),
                                                                       QString::fromStdString(engine->description())));
    parameterPanel_->setSchema(schema, values);
    // Engines that train for minutes say so; the others keep the boxes as the user left them.
    if (const auto advice = engine->repeatAdvice(); advice.repeats > 0) {
        repeatBox_->setValue(advice.repeats);
        warmupBox_->setValue(advice.warmupRepeats);
    } else if (previousAdvised_) {
        repeatBox_->setValue(kDefaultRepeats);
        warmupBox_->setValue(kDefaultWarmups);
    }
    previousAdvised_ = engine->repeatAdvice().repeats > 0;
    runButton_->setEnabled(!runs_.isRunning() && parameterPanel_->problems().isEmpty());
    for (QTreeWidgetItemIterator it(engineTree_); *it; ++it)
        if ((*it)->data(0, kEngineIdRole).toString() == engineId && engineTree_->currentItem() != *it) {
            QSignalBlocker block(engineTree_);
            engineTree_->setCurrentItem(*it);
        }
}

std::shared_ptr<Engine> MainWindow::activeEngine() const
{
    return session_.activeEngineId.empty() ? nullptr : registry_.findEngine(session_.activeEngineId);
}

void MainWindow::storeParameterDraft()
{
    if (session_.activeEngineId.empty())
        return;
    session_.parameterDrafts[session_.activeEngineId] = parametersToJson(parameterPanel_->values());
    setDirty(true);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (promptOnClose_ && !maybeSave()) {
        event->ignore();
        return;
    }
    runs_.cancel();
    runs_.waitForFinished();
    files_.markCleanExit();
    event->accept();
}

void MainWindow::onPluginChangedOnDisk(const QString& path)
{
    log(tr("Plugin library changed on disk: %1").arg(path));
    if (runs_.isRunning())
        return;
    const auto answer = QMessageBox::question(this, tr("Plugin changed"),
                                              tr("%1 was rebuilt. Reload it now? (Runs already made are kept.)").arg(path));
    if (answer == QMessageBox::Yes)
        reloadPlugin(path);
}

void MainWindow::setDirty(bool dirty)
{
    dirty_ = dirty;
    updateTitle();
}

void MainWindow::updateTitle()
{
    const QString name = sessionPath_.isEmpty() ? tr("Untitled") : QFileInfo(sessionPath_).fileName();
    setWindowTitle(QStringLiteral("%1%2 — Latency Studio").arg(name, dirty_ ? "*" : ""));
}

void MainWindow::log(const QString& message, bool isError)
{
    const QString line = QStringLiteral("%1  %2%3").arg(QDateTime::currentDateTime().toString("HH:mm:ss"), isError ? "ERROR " : "", message);
    log_->appendPlainText(line);
    if (isError)
        statusBar()->showMessage(message, 8000);
}

void MainWindow::logStartupTime(qint64 milliseconds)
{
    log(tr("Studio ready in %1 ms (plugins, session and first frame)").arg(milliseconds));
}

QString MainWindow::logText() const
{
    return log_->toPlainText();
}

} // namespace ls::studio
