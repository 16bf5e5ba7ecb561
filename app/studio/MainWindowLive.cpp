// MainWindow: the live-trace window and the traces it hands to the session.
#include "MainWindow.h"

#include "LiveStreamWindow.h"
#include "views/ParameterPanel.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace ls::studio {

namespace {
constexpr auto kInstabilityEngine = "reasoning.instability";
}

QString MainWindow::liveTraceFolder() const
{
    // Beside a saved session, so the session and the traces its runs read travel together.
    if (!sessionPath_.isEmpty()) {
        const QFileInfo session(sessionPath_);
        return session.dir().filePath(session.completeBaseName() + QStringLiteral("-live"));
    }
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("live-traces"));
}

LiveStreamWindow* MainWindow::showLiveWindow()
{
    if (!liveWindow_) {
        liveWindow_ = new LiveStreamWindow(this);
        if (session_.viewState.contains("live"))
            liveWindow_->applySettings(session_.viewState["live"]);
        connect(liveWindow_, &LiveStreamWindow::logMessage, this, &MainWindow::log);
        connect(liveWindow_, &LiveStreamWindow::traceSaved, this, [this](const QString& path) { addTraceFileToSession(path); });
    }
    liveWindow_->setTraceFolder(liveTraceFolder());
    liveWindow_->show();
    liveWindow_->raise();
    liveWindow_->activateWindow();
    return liveWindow_;
}

void MainWindow::addTraceFileToSession(const QString& path)
{
    if (!registry_.findEngine(kInstabilityEngine)) {
        log(tr("The trace is saved at %1, but the reasoning-instability plugin is not loaded to add it to the session.").arg(path), true);
        return;
    }
    if (runs_.isRunning()) {
        pendingTraceFiles_.push_back(path);
        log(tr("The trace %1 joins the session when the current run ends.").arg(path));
        return;
    }
    selectEngine(QString::fromLatin1(kInstabilityEngine));
    ParameterValues values = parameterPanel_->values(); // the user's settings for the engine
    values["traces"] = path.toStdString();
    values["traceIndex"] = std::int64_t{0};
    log(tr("Adding the live trace %1 to the session").arg(path));
    runEngineWith(QString::fromLatin1(kInstabilityEngine), values);
}

} // namespace ls::studio
