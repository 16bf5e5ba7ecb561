// MainWindow: opening, saving, autosaving and recovering sessions; recent files.
#include "MainWindow.h"


#include "engine/core/JsonFields.h"
#include "views/LatencyView.h"
#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>

namespace ls::studio {

bool MainWindow::openSession(const QString& path)
{
    try {
        session_ = host::loadSession(path.toStdString());
    } catch (const std::exception& error) {
        log(tr("Could not open session: %1").arg(QString::fromUtf8(error.what())), true);
        return false;
    }
    rememberSessionPath(path);
    refreshLatencyEntries();
    if (!session_.activeEngineId.empty())
        selectEngine(QString::fromStdString(session_.activeEngineId));
    for (const auto& run : session_.runs)
        if (!registry_.findEngine(run.engineId) && run.engineId != host::kSweepSummaryEngineId)
            log(tr("Run %1 was made with engine %2, which no loaded plugin provides; its results are still shown.")
                    .arg(run.id)
                    .arg(QString::fromStdString(run.engineId)),
                true);
    if (!session_.runs.empty()) {
        // The run that was shown when the session was saved, else the newest.
        const auto shownRun = session_.viewState.find("shownRun");
        const int saved = shownRun != session_.viewState.end() && shownRun->is_number_integer() ? shownRun->get<int>() : 0;
        const int shown = session_.findRun(saved) ? saved : session_.runs.back().id;
        latencyView_->selectRun(shown);
        showRun(shown);
    } else {
        pointCloudView_->clear();
    }
    applyViewState();
    setDirty(false);
    log(tr("Opened %1 (%2 runs)").arg(path).arg(session_.runs.size()));
    return true;
}

bool MainWindow::saveSessionTo(const QString& path)
{
    storeViewState();
    try {
        session_.name = QFileInfo(path).completeBaseName().toStdString();
        host::saveSession(session_, path.toStdString());
    } catch (const std::exception& error) {
        log(tr("Could not save the session (the previous file is unchanged): %1").arg(QString::fromUtf8(error.what())), true);
        return false;
    }
    rememberSessionPath(path);
    setDirty(false);
    log(tr("Saved %1").arg(path));
    return true;
}

void MainWindow::storeViewState()
{
    session_.viewState["pointCloud"] = {{"colorBy", pointCloudView_->colorBy().toStdString()},
                                        {"overlay", pointCloudView_->viewport()->overlayVisible()}};
    session_.viewState["shownRun"] = shownRunId_;
    for (const auto& [path, presence] : extensions_)
        if (const auto* entry = registry_.entryOf(path); entry && presence.extension)
            if (auto state = presence.extension->state(); !state.is_null())
                session_.viewState["plugins"][entry->id.toStdString()] = std::move(state);
}

void MainWindow::applyViewState()
{
    // The view state comes from a file: a field of the wrong type is logged and skipped.
    const auto& state = session_.viewState;
    try {
        if (state.contains("pointCloud")) {
            const std::string where = "session viewState.pointCloud";
            pointCloudView_->setColorBy(QString::fromStdString(optionalField<std::string>(state["pointCloud"], "colorBy", "", where)));
            pointCloudView_->viewport()->setOverlayVisible(optionalField<bool>(state["pointCloud"], "overlay", true, where));
        }
        if (state.contains("plugins") && state["plugins"].is_object())
            for (const auto& [path, presence] : extensions_)
                if (const auto* entry = registry_.entryOf(path); entry && presence.extension && state["plugins"].contains(entry->id.toStdString()))
                    presence.extension->restoreState(state["plugins"][entry->id.toStdString()]);
    } catch (const std::exception& error) {
        log(tr("Part of the saved view state was ignored: %1").arg(QString::fromUtf8(error.what())), true);
    }
}

void MainWindow::offerRecoveryIfNeeded()
{
    if (!files_.recoveryAvailable())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Recover session"),
        tr("Latency Studio did not exit cleanly last time. Recover the autosaved session from %1?")
            .arg(QFileInfo(files_.autosavePath()).lastModified().toString()),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    if (answer == QMessageBox::Yes && openSession(files_.autosavePath())) {
        sessionPath_.clear(); // save the recovered work somewhere of the user's choosing
        setDirty(true);
    }
}

void MainWindow::autosave()
{
    if (!dirty_)
        return;
    storeViewState();
    try {
        host::saveSession(session_, files_.autosavePath().toStdString());
    } catch (const std::exception& error) {
        log(tr("Autosave failed: %1").arg(QString::fromUtf8(error.what())), true);
    }
}

bool MainWindow::maybeSave()
{
    if (!dirty_ || session_.runs.empty())
        return true;
    const auto answer = QMessageBox::question(this, tr("Unsaved runs"), tr("The session has unsaved changes. Save them first?"),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save)
        return save();
    return true;
}

bool MainWindow::save()
{
    const QString path = sessionPath_.isEmpty() ? askSessionSavePath(tr("Save session")) : sessionPath_;
    return !path.isEmpty() && saveSessionTo(path);
}

QString MainWindow::askSessionSavePath(const QString& title)
{
    const QString path = QFileDialog::getSaveFileName(this, title, sessionPath_, tr("Latency Studio sessions (*.lstudio)"));
    if (path.isEmpty() || path.endsWith(".lstudio"))
        return path;
    return path + ".lstudio";
}

void MainWindow::rememberSessionPath(const QString& path)
{
    sessionPath_ = path;
    files_.addRecentFile(path);
    refreshRecentMenu();
}

void MainWindow::refreshLatencyEntries()
{
    std::vector<views::LatencyEntry> entries;
    for (const auto& run : session_.runs)
        entries.push_back({run.id, QString::fromStdString(run.label), run.latency});
    latencyView_->setEntries(std::move(entries));
}

void MainWindow::refreshRecentMenu()
{
    recentMenu_->clear();
    for (const QString& path : files_.recentFiles())
        recentMenu_->addAction(path, this, [this, path] {
            if (maybeSave())
                openSession(path);
        });
    recentMenu_->setEnabled(!recentMenu_->isEmpty());
}

} // namespace ls::studio
