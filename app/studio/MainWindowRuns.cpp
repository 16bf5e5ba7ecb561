// MainWindow: starting, cancelling and receiving runs.
#include "MainWindow.h"

#include "app/host/FileParameterRecords.h"

#include "views/LatencyView.h"
#include "views/ParameterPanel.h"
#include "views/PointCloudView.h"
#include "views/TimelineView.h"
#include "views/VtkViewport.h"
#include "engine/core/ChromeTraceImport.h"
#include "engine/core/Npz.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QMessageBox>
#include <QFileInfo>
#include <QCoreApplication>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>

namespace ls::studio {

const Dataset* MainWindow::shownPointCloudOf(const host::RunRecord& run)
{
    for (const auto& dataset : run.datasets)
        if (std::holds_alternative<PointCloud>(dataset.content))
            return &dataset;
    return nullptr;
}

bool MainWindow::startRun()
{
    const auto engine = activeEngine();
    if (!engine) {
        log(tr("No engine selected (or its plugin is not loaded)."), true);
        return false;
    }
    if (const QStringList problems = parameterPanel_->problems(); !problems.isEmpty()) {
        log(tr("Cannot run %1: %2").arg(QString::fromStdString(engine->id()), problems.join("; ")), true);
        return false;
    }
    RunRequest request;
    request.parameters = parameterPanel_->values();
    request.repeats = repeatBox_->value();
    request.warmupRepeats = warmupBox_->value();
    request.device = deviceBox_->currentData().toString().toStdString();
    if (!runs_.start(engine, request)) {
        log(tr("A run is already in progress."), true);
        return false;
    }
    runButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    progress_->setValue(0);
    runStatus_->setText(tr("Starting %1…").arg(QString::fromStdString(engine->displayName())));
    log(tr("Run of %1 started: %2 repeats after %3 warm-up").arg(QString::fromStdString(engine->id())).arg(request.repeats).arg(request.warmupRepeats));
    return true;
}

void MainWindow::cancelRun()
{
    if (runs_.isRunning()) {
        runs_.cancel();
        runStatus_->setText(tr("Cancelling…"));
    }
}

void MainWindow::waitForRun()
{
    runs_.waitForFinished();
    QCoreApplication::processEvents(); // deliver the finished signal
}

void MainWindow::onRunFinished(const RunOutcome& outcome)
{
    runButton_->setEnabled(activeEngine() && parameterPanel_->problems().isEmpty());
    cancelButton_->setEnabled(false);
    const std::string liveInFront = clearPublished();
    if (!pendingRuns_.empty()) // after this outcome is handled
        QMetaObject::invokeMethod(this, [this] {
            if (pendingRuns_.empty() || runs_.isRunning())
                return;
            const auto [engineId, overrides] = pendingRuns_.front();
            pendingRuns_.erase(pendingRuns_.begin());
            addRun(engineId, overrides);
        }, Qt::QueuedConnection);
    if (!parameterOverlay_.status.empty()) // a re-run from the overlay ends here too (success: showRun refreshes it)
        parameterOverlay_.status = outcome.cancelled ? "cancelled" : outcome.completed ? "" : "the re-run failed: " + outcome.error.left(300).toStdString();
    if (outcome.cancelled) {
        runStatus_->setText(tr("Cancelled"));
        log(tr("Run cancelled; nothing was added to the session."));
        return;
    }
    if (!outcome.completed) {
        runStatus_->setText(tr("Failed"));
        log(tr("Run failed: %1").arg(outcome.error), true);
        return;
    }
    const CompletedRun& completed = *outcome.completed;
    const auto engine = registry_.findEngine(completed.latency.engineId);
    const auto* plugin = registry_.pluginOfEngine(completed.latency.engineId);
    host::RunRecord& record = session_.addCompletedRun(completed, engine ? engine->displayName() : completed.latency.engineId,
                                                       plugin ? plugin->id.toStdString() : std::string());
    // The files its parameters named (as resolved for the run), for reports: path, size, SHA-256.
    if (engine) {
        try {
            record.inputs = host::fileParameterRecords(engine->parameterSchema(),
                                                       parametersFromJson(engine->parameterSchema(), completed.latency.parameters, "the run"));
        } catch (const StudioError& error) { // the run's own parameters: not expected, but never fatal here
            log(tr("The run's input files were not recorded: %1").arg(QString::fromUtf8(error.what())), true);
        }
    }
    const int id = record.id;
    setDirty(true);
    const auto total = completed.latency.totalStats();
    runStatus_->setText(tr("Done: median %1 ms per repeat").arg(total.median / 1000.0, 0, 'f', 3));
    log(tr("Run %1 finished on %2 (%3): median %4 ms, p90 %5 ms")
            .arg(id)
            .arg(QString::fromStdString(completed.device.describe()), QString::fromStdString(completed.deviceReason))
            .arg(total.median / 1000.0, 0, 'f', 3)
            .arg(total.p90 / 1000.0, 0, 'f', 3));
    for (const auto& [name, archive] : completed.output.archives)
        log(tr("Run %1 handed over %2 (%3 tensors): File → Save the run's checkpoint… writes it; the session keeps it meanwhile.")
                .arg(id)
                .arg(QString::fromStdString(name))
                .arg(archive.size()));
    refreshLatencyEntries();
    latencyView_->selectRun(id);
    showRun(id);
    // The run's own tab of what was watched live takes its place in front.
    for (int index = 0; !liveInFront.empty() && index < centralTabs_->count(); ++index)
        if (centralTabs_->tabText(index) == QString::fromStdString(liveInFront))
            centralTabs_->setCurrentIndex(index);
}

bool MainWindow::saveRunArchive(const QString& path, const std::string& archiveName)
{
    const host::RunRecord* run = session_.findRun(shownRunId_);
    if (!run || run->archives.empty()) {
        log(tr("The shown run handed over no files to save: training engines do (Latent consistency: train)."), true);
        return false;
    }
    const auto found = archiveName.empty() ? run->archives.begin() : run->archives.find(archiveName);
    if (found == run->archives.end()) {
        log(tr("Run %1 has no file %2.").arg(run->id).arg(QString::fromStdString(archiveName)), true);
        return false;
    }
    try {
        writeNpz(path.toStdString(), found->second);
    } catch (const std::exception& error) {
        log(tr("Could not save %1: %2").arg(path, QString::fromUtf8(error.what())), true);
        return false;
    }
    log(tr("Saved run %1's %2 to %3").arg(run->id).arg(QString::fromStdString(found->first), path));
    return true;
}

void MainWindow::saveRunArchiveInteractively()
{
    const host::RunRecord* run = session_.findRun(shownRunId_);
    if (!run || run->archives.empty()) {
        QMessageBox::information(this, tr("Save checkpoint"),
                                 tr("The shown run handed over no files. Training engines do: run “Latent consistency: train” "
                                    "and save its checkpoint here."));
        return;
    }
    const QString suggested = QFileInfo(sessionPath_).dir().filePath(QString::fromStdString(run->archives.begin()->first));
    const QString path = QFileDialog::getSaveFileName(this, tr("Save checkpoint"), suggested, tr("NumPy archives (*.npz)"));
    if (!path.isEmpty())
        saveRunArchive(path.endsWith(".npz") ? path : path + ".npz");
}

int MainWindow::importChromeTrace(const QString& path)
{
    ImportedTrace trace;
    try {
        trace = importChromeTraceFile(path.toStdString());
    } catch (const std::exception& error) {
        log(tr("Could not import the trace: %1").arg(QString::fromUtf8(error.what())), true);
        return 0;
    }
    for (const auto& record : trace.records) {
        host::RunRecord run;
        run.engineId = record.engineId;
        run.label = QStringLiteral("Run %1: imported %2 (%3)")
                        .arg(session_.nextRunId)
                        .arg(QFileInfo(path).fileName(), QString::fromStdString(record.engineId))
                        .toStdString();
        run.device = record.device;
        run.latency = record;
        session_.addRun(std::move(run));
    }
    if (trace.records.empty()) {
        log(tr("%1 holds no stage events ('X' or 'B'/'E')").arg(path), true);
        return 0;
    }
    setDirty(true);
    refreshLatencyEntries();
    latencyView_->selectRun(session_.runs.back().id);
    showRun(session_.runs.back().id);
    log(tr("Imported %1 trace(s) from %2").arg(trace.records.size()).arg(path));
    return static_cast<int>(trace.records.size());
}

void MainWindow::showRun(int runId)
{
    const host::RunRecord* run = session_.findRun(runId);
    if (!run)
        return;
    shownRunId_ = runId;
    tellExtensionsTheShownRun();
    // With a comparison chosen in the latency dock, the timeline stacks both runs.
    const host::RunRecord* compared = session_.findRun(latencyView_->comparedRun());
    if (compared && compared != run)
        timelineView_->setRecords({{&run->latency, QString::fromStdString(run->label)},
                                   {&compared->latency, QString::fromStdString(compared->label)}});
    else
        timelineView_->setRecord(run->latency, QString::fromStdString(run->label));
    pick_.reset(); // showing a cloud ends the view's pick
    if (const Dataset* cloud = shownPointCloudOf(*run))
        pointCloudView_->showPointCloud(std::get<PointCloud>(cloud->content), QString::fromStdString(run->label));
    showDragHandles(*run);
    refreshParameterOverlay(*run);
    showDatasetTabs(*run);
    pointCloudView_->viewport()->update();
}

} // namespace ls::studio
