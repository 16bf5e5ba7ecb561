// MainWindow: what plugins add to the window through the SDK (StudioExtension.h), and the context
// they reach it by. The host names no plugin and no engine here: each plugin says what it adds.
#include "MainWindow.h"

#include "views/ParameterPanel.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMenuBar>
#include <QStandardPaths>

namespace ls::studio {

// The studio end of StudioContext for one plugin: it remembers what the plugin added, so that the
// window can take it away before the plugin's library goes.
class PluginContext final : public StudioContext {
public:
    PluginContext(MainWindow& window, QString pluginId) : window_(window), pluginId_(std::move(pluginId)) {}
    ~PluginContext() override
    {
        for (const auto& action : actions_)
            delete action.data(); // null when the plugin deleted it already
        for (const auto& dock : docks_)
            delete dock.data();
    }

    QWidget* window() override { return &window_; }

    void addMenuAction(const QString& menu, QAction* action) override
    {
        action->setParent(&window_);
        window_.menuTitled(menu)->addAction(action);
        window_.addAction(action); // its shortcut works wherever the focus is
        actions_.emplace_back(action);
        contributions_ << QStringLiteral("%1: action %2 → %3%4")
                              .arg(pluginId_, menu, QString(action->text()).remove('&'),
                                   action->shortcut().isEmpty() ? QString() : " [" + action->shortcut().toString() + "]");
    }

    void addDockWidget(QDockWidget* dock, Qt::DockWidgetArea area) override
    {
        if (dock->objectName().isEmpty()) // the layout is saved by object name
            dock->setObjectName(pluginId_ + ":" + dock->windowTitle());
        dock->setParent(&window_);
        window_.QMainWindow::addDockWidget(area, dock);
        window_.viewMenu_->insertAction(window_.viewMenu_->actions().value(window_.viewMenu_->actions().size() - 2),
                                        dock->toggleViewAction());
        docks_.emplace_back(dock);
        contributions_ << QStringLiteral("%1: dock %2").arg(pluginId_, dock->windowTitle());
    }

    void log(const QString& message, bool isError) override { window_.log(message, isError); }

    StudioRunView currentRun() const override
    {
        const host::RunRecord* run = window_.session_.findRun(window_.shownRunId_);
        if (!run)
            return {};
        return {run->id, run->engineId, &run->parameters, &run->datasets};
    }

    bool addRun(const std::string& engineId, const ParameterValues& overrides) override
    {
        return window_.addRun(engineId, overrides);
    }

    QString sessionFilesFolder(const QString& name) const override
    {
        // Beside a saved session, so the session and the files its runs read travel together.
        if (!window_.sessionPath_.isEmpty()) {
            const QFileInfo session(window_.sessionPath_);
            return session.dir().filePath(session.completeBaseName() + "-" + name);
        }
        return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(name);
    }

    QString startupOption(const QString& name) const override
    {
        window_.startupOptionsRead_.insert(name);
        const auto found = window_.startupOptions_.find(name);
        return found == window_.startupOptions_.end() ? QString() : found->second;
    }

    void quit(int status) override
    {
        window_.setPromptOnClose(false);
        window_.close();
        QCoreApplication::exit(status);
    }

    const QStringList& contributions() const { return contributions_; }

private:
    MainWindow& window_;
    QString pluginId_;
    std::vector<QPointer<QAction>> actions_;
    std::vector<QPointer<QDockWidget>> docks_;
    QStringList contributions_;
};

MainWindow::PluginPresence::~PluginPresence()
{
    extension.reset();
    context.reset();
}

void MainWindow::extendByPlugins()
{
    for (const auto& entry : registry_.plugins()) {
        if (entry->status != host::PluginStatus::Loaded || !entry->instance || extensions_.count(entry->path))
            continue;
        auto& presence = extensions_[entry->path];
        presence.context = std::make_unique<PluginContext>(*this, entry->id);
        try {
            presence.extension = entry->instance->extendStudio(*presence.context);
            const auto state = session_.viewState.find("plugins");
            if (presence.extension && state != session_.viewState.end() && state->contains(entry->id.toStdString()))
                presence.extension->restoreState((*state)[entry->id.toStdString()]);
        } catch (const std::exception& error) {
            log(tr("Plugin %1 could not add its windows and actions: %2").arg(entry->id, QString::fromUtf8(error.what())), true);
        }
    }
}

void MainWindow::dropExtension(const QString& pluginPath)
{
    storeViewState(); // keeps the extension's state for the one made after a reload
    extensions_.erase(pluginPath);
}

void MainWindow::reloadPlugin(const QString& path)
{
    if (runs_.isRunning()) {
        log(tr("Wait for the run to finish before reloading a plugin."), true);
        return;
    }
    dropExtension(path);
    const auto& entry = registry_.reload(path);
    log(entry.status == host::PluginStatus::Loaded ? tr("Reloaded %1").arg(path) : entry.reason,
        entry.status != host::PluginStatus::Loaded);
    extendByPlugins();
}

void MainWindow::tellExtensionsTheShownRun()
{
    for (const auto& [path, presence] : extensions_)
        if (presence.extension)
            presence.extension->runShown(presence.context->currentRun());
}

QStringList MainWindow::unreadStartupOptions() const
{
    QStringList unread;
    for (const auto& [name, value] : startupOptions_)
        if (!startupOptionsRead_.contains(name))
            unread << name;
    return unread;
}

QStringList MainWindow::pluginContributions() const
{
    QStringList lines;
    for (const auto& [path, presence] : extensions_)
        lines << presence.context->contributions();
    return lines;
}

QMenu* MainWindow::menuTitled(const QString& title)
{
    QAction* help = nullptr;
    for (QAction* action : menuBar()->actions()) {
        if (QString(action->text()).remove('&') == title && action->menu())
            return action->menu();
        if (QString(action->text()).remove('&') == tr("Help"))
            help = action;
    }
    auto* menu = new QMenu(title, this);
    menuBar()->insertMenu(help, menu);
    return menu;
}

bool MainWindow::addRun(const std::string& engineId, const ParameterValues& overrides)
{
    if (!registry_.findEngine(engineId)) {
        log(tr("No loaded plugin provides the engine %1.").arg(QString::fromStdString(engineId)), true);
        return false;
    }
    if (runs_.isRunning()) {
        pendingRuns_.emplace_back(engineId, overrides);
        log(tr("A run of %1 starts when the current run ends.").arg(QString::fromStdString(engineId)));
        return true;
    }
    const QString id = QString::fromStdString(engineId);
    selectEngine(id);
    ParameterValues values = parameterPanel_->values(); // the user's settings for the engine
    for (const auto& [key, value] : overrides)
        values[key] = value;
    return runEngineWith(id, values);
}

} // namespace ls::studio
