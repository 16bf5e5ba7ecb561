#pragma once
// Finds, vets and loads studio plugins. Each library's metadata is read before it is loaded, so an
// incompatible plugin is reported without running any of its code; a plugin that fails later
// (missing symbol, throwing in createEngines) is reported with the reason and the studio goes on.
#include "plugins/sdk/StudioPlugin.h"

#include <QDateTime>
#include <QFileSystemWatcher>
#include <QObject>
#include <QPluginLoader>
#include <QStringList>
#include <memory>
#include <vector>

namespace ls::host {

enum class PluginStatus { Loaded, Incompatible, Failed };
const char* toString(PluginStatus status);

struct PluginEntry {
    QString path;
    QString id, name, version, description;
    int sdkAbi = 0;
    PluginStatus status = PluginStatus::Failed;
    QString reason; // why it is not loaded; empty when loaded
    std::vector<std::shared_ptr<Engine>> engines;
    StudioPlugin* instance = nullptr;
    std::unique_ptr<QPluginLoader> loader;
    QDateTime modifiedWhenLoaded;
};

class PluginRegistry : public QObject {
    Q_OBJECT
public:
    static constexpr const char* kPathVariable = "LATENCY_STUDIO_PLUGIN_PATH";

    explicit PluginRegistry(QObject* parent = nullptr);
    ~PluginRegistry() override;

    // LATENCY_STUDIO_PLUGIN_PATH folders first, then <bin>/../lib/latency-studio/plugins.
    static QStringList defaultSearchFolders();

    // Services handed to every plugin loaded from now on (the GUI sets the ImGui context).
    void setHostServices(const HostServices& services) { services_ = services; }

    void scanFolders(const QStringList& folders);
    // Vets and loads one library (also a path that does not exist: reported as failed).
    const PluginEntry& loadFile(const QString& path);
    // Unloads and loads again a plugin whose library changed; engines handed out before must have
    // been released. Returns the new entry.
    const PluginEntry& reload(const QString& path);

    const std::vector<std::unique_ptr<PluginEntry>>& plugins() const { return plugins_; }
    std::shared_ptr<Engine> findEngine(const std::string& engineId) const;
    const PluginEntry* pluginOfEngine(const std::string& engineId) const;
    const PluginEntry* entryOf(const QString& path) const; // null when no library there was scanned

signals:
    void pluginsChanged();
    // The library of a loaded plugin was rebuilt or replaced on disk.
    void pluginChangedOnDisk(const QString& path);

private:
    void vetAndLoad(PluginEntry& entry);
    void unload(PluginEntry& entry);
    void onFileChanged(const QString& path);

    std::vector<std::unique_ptr<PluginEntry>> plugins_;
    HostServices services_;
    QFileSystemWatcher watcher_;
};

} // namespace ls::host
