#pragma once
// What a plugin adds to the studio window beyond engines (StudioPlugin::extendStudio): menu actions
// with shortcuts, dock widgets, windows of its own, and the session context they need. The engines
// stay Qt-free; this part of a plugin is Qt Widgets code, linked to Qt6::Widgets by the plugin.
//
// Lifetime: the studio calls extendStudio() once per window after the plugin's engines are
// registered, and destroys the returned extension before the plugin's library is unloaded (a
// reload, or the window closing). Actions and docks handed to the context are deleted by the studio
// at that point if the extension has not deleted them itself, since their connections run the
// plugin's code. Windows the plugin makes with window() as their parent are its own to delete in
// the extension's destructor, for the same reason.
#include "engine/core/Dataset.h"
#include "engine/core/Parameters.h"

#include <QString>
#include <QtCore/qnamespace.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

class QAction;
class QDockWidget;
class QWidget;

namespace ls {

// A run of the session as a plugin reads it; the pointers are valid until control returns to the
// studio's event loop.
struct StudioRunView {
    int id = 0; // 0: no run is shown
    std::string engineId;
    const nlohmann::json* parameters = nullptr; // as recorded for the run: {key: value}
    const std::vector<Dataset>* datasets = nullptr;
};

// The studio window as one plugin reaches it (implemented by the host, one per plugin).
class StudioContext {
public:
    virtual ~StudioContext() = default;

    // The main window: the parent for the plugin's own windows and dialogs.
    virtual QWidget* window() = 0;
    // Adds the action to a top-level menu by its title without '&' ("Run", "View", "Tools"; one
    // that does not exist is added before "Help"). The studio owns the action from now on.
    virtual void addMenuAction(const QString& menu, QAction* action) = 0;
    // Docks the widget (its objectName must be set: the window layout is saved by it) and lists it
    // under View. The studio owns the dock from now on.
    virtual void addDockWidget(QDockWidget* dock, Qt::DockWidgetArea area) = 0;
    // A line in the studio's log (errors also show in the status bar).
    virtual void log(const QString& message, bool isError = false) = 0;
    // The run shown in the studio now.
    virtual StudioRunView currentRun() const = 0;
    // Adds a run to the session: the engine with the user's current settings for it, then
    // `overrides`. While another run is going it is queued and starts after it. False (and a line
    // in the log) when no loaded plugin provides the engine.
    virtual bool addRun(const std::string& engineId, const ParameterValues& overrides) = 0;
    // A folder for files that belong with the session (beside a saved session, else in the
    // studio's data folder), named by `name`; the plugin creates it when it writes there.
    virtual QString sessionFilesFolder(const QString& name) const = 0;
    // The value of `--plugin-option name=value` given to the studio at start; empty when not given.
    // Read the options in extendStudio(): the studio refuses, once every plugin is extended, any
    // option that no plugin asked for (a misspelt option must not be ignored silently).
    virtual QString startupOption(const QString& name) const = 0;
    // Ends the studio with this exit status, without asking to save (scripted use).
    virtual void quit(int status) = 0;
};

// A plugin's presence in one studio window.
class StudioExtension {
public:
    virtual ~StudioExtension() = default;
    // Saved in the session under the plugin's id (never secrets: sessions are plain files), and
    // handed back when a session is opened.
    virtual nlohmann::json state() const { return nullptr; }
    virtual void restoreState(const nlohmann::json& state) { (void)state; }
    // The studio now shows this run (a finished run, or one picked in the latency dock).
    virtual void runShown(const StudioRunView& run) { (void)run; }
};

} // namespace ls
