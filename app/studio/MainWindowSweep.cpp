// Run → Sweep…: the sweep dialog for the active engine, and the runs of a finished sweep (its
// session, written by latency-studio-cli sweep) added to this session.
#include "MainWindow.h"
#include "SweepDialog.h"

#include "app/host/Session.h"
#include "engine/core/Error.h"
#include "views/LatencyView.h"
#include "views/ParameterPanel.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace ls::studio {

SweepDialog* MainWindow::openSweepDialog()
{
    const auto engine = activeEngine();
    if (!engine) {
        log(tr("Choose an engine to sweep first."), true);
        return nullptr;
    }
    // Beside a saved session (its files travel with it), else in the studio's own data folder.
    QString folder = QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath("sweeps");
    if (!sessionPath_.isEmpty()) {
        const QFileInfo session(sessionPath_);
        folder = session.dir().filePath(session.completeBaseName() + "-sweeps");
    }
    QDir().mkpath(folder);
    auto* dialog = new SweepDialog(engine->id(), QString::fromStdString(engine->displayName()), engine->parameterSchema(), parameterPanel_->values(),
                                   folder, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SweepDialog::sweepFinished, this, [this](const QString& path, int exitCode) {
        if (addRunsFromSession(path))
            log(tr("Sweep added to the session (exit %1): its summary run shows latency against each swept parameter.").arg(exitCode),
                exitCode != 0);
    });
    dialog->show();
    return dialog;
}

bool MainWindow::addRunsFromSession(const QString& path)
{
    host::Session other;
    try {
        other = host::loadSession(path.toStdString());
    } catch (const StudioError& error) {
        log(tr("Cannot read the sweep's session: %1").arg(QString::fromUtf8(error.what())), true);
        return false;
    }
    int last = 0;
    for (host::RunRecord& run : other.runs)
        last = session_.addRun(std::move(run)).id; // renumbered after this session's runs
    if (last == 0)
        return false;
    setDirty(true);
    refreshLatencyEntries();
    latencyView_->selectRun(last);
    showRun(last); // the summary: the table of runs and latency against each swept parameter
    return true;
}

} // namespace ls::studio
