#include "PluginRegistry.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLibrary>
#include <QTimer>

namespace ls::host {

const char* toString(PluginStatus status)
{
    switch (status) {
    case PluginStatus::Loaded: return "loaded";
    case PluginStatus::Incompatible: return "incompatible";
    case PluginStatus::Failed: return "failed";
    }
    return "?";
}

PluginRegistry::PluginRegistry(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFileSystemWatcher::fileChanged, this, &PluginRegistry::onFileChanged);
}

PluginRegistry::~PluginRegistry()
{
    for (auto& entry : plugins_)
        unload(*entry);
}

QStringList PluginRegistry::defaultSearchFolders()
{
    QStringList folders;
    const QString fromEnvironment = qEnvironmentVariable(kPathVariable);
    for (const QString& folder : fromEnvironment.split(QLatin1Char(':'), Qt::SkipEmptyParts))
        folders << folder;
    const QString appDir = QCoreApplication::applicationDirPath();
    // The build tree and the installed tree share this layout: bin/ beside lib/latency-studio/plugins/.
    folders << QDir::cleanPath(QDir(appDir).filePath(QStringLiteral("../lib/latency-studio/plugins")));
    return folders;
}

void PluginRegistry::scanFolders(const QStringList& folders)
{
    for (const QString& folder : folders) {
        const QDir dir(folder);
        if (!dir.exists())
            continue;
        for (const QFileInfo& file : dir.entryInfoList(QDir::Files, QDir::Name))
            if (QLibrary::isLibrary(file.fileName()))
                loadFile(file.canonicalFilePath());
    }
}

const PluginEntry& PluginRegistry::loadFile(const QString& path)
{
    for (const auto& existing : plugins_)
        if (existing->path == path)
            return *existing;
    auto entry = std::make_unique<PluginEntry>();
    entry->path = path;
    vetAndLoad(*entry);
    plugins_.push_back(std::move(entry));
    emit pluginsChanged();
    return *plugins_.back();
}

void PluginRegistry::vetAndLoad(PluginEntry& entry)
{
    const QFileInfo file(entry.path);
    entry.name = file.fileName();
    if (!file.exists()) {
        entry.status = PluginStatus::Failed;
        entry.reason = QStringLiteral("%1: no such file").arg(entry.path);
        return;
    }
    entry.loader = std::make_unique<QPluginLoader>(entry.path);
    const QJsonObject meta = entry.loader->metaData();
    if (meta.isEmpty()) {
        entry.status = PluginStatus::Failed;
        entry.reason = QStringLiteral("%1: not a Qt plugin (no plugin metadata): %2")
                           .arg(entry.path, entry.loader->errorString());
        return;
    }
    const QString iid = meta.value(QStringLiteral("IID")).toString();
    const QJsonObject data = meta.value(QStringLiteral("MetaData")).toObject();
    entry.id = data.value(QStringLiteral("id")).toString();
    entry.name = data.value(QStringLiteral("name")).toString(entry.name);
    entry.version = data.value(QStringLiteral("version")).toString();
    entry.description = data.value(QStringLiteral("description")).toString();
    entry.sdkAbi = data.value(QStringLiteral("sdkAbi")).toInt(-1);

    if (iid != QLatin1String(LATENCY_STUDIO_PLUGIN_IID) || entry.sdkAbi != LATENCY_STUDIO_SDK_ABI) {
        entry.status = PluginStatus::Incompatible;
        if (!iid.startsWith(QLatin1String(LATENCY_STUDIO_PLUGIN_IID_PREFIX)))
            entry.reason = QStringLiteral("%1: not a Latency Studio plugin (interface '%2')").arg(entry.path, iid);
        else
            entry.reason = QStringLiteral("%1: built for SDK ABI %2 (interface '%3'), this studio provides ABI %4; "
                                          "rebuild the plugin against this studio's SDK")
                               .arg(entry.path)
                               .arg(entry.sdkAbi)
                               .arg(iid)
                               .arg(LATENCY_STUDIO_SDK_ABI);
        return;
    }
    if (entry.id.isEmpty()) {
        entry.status = PluginStatus::Incompatible;
        entry.reason = QStringLiteral("%1: plugin metadata has no 'id'").arg(entry.path);
        return;
    }
    for (const auto& other : plugins_)
        if (other.get() != &entry && other->id == entry.id && other->status == PluginStatus::Loaded) {
            entry.status = PluginStatus::Failed;
            entry.reason = QStringLiteral("%1: plugin id '%2' is already provided by %3").arg(entry.path, entry.id, other->path);
            return;
        }

    QObject* root = entry.loader->instance(); // loads the library
    auto* plugin = qobject_cast<StudioPlugin*>(root);
    if (!plugin) {
        entry.status = PluginStatus::Failed;
        entry.reason = root ? QStringLiteral("%1: the plugin object does not implement the studio interface").arg(entry.path)
                            : QStringLiteral("%1: %2").arg(entry.path, entry.loader->errorString());
        entry.loader->unload();
        return;
    }
    try {
        plugin->attachHost(services_);
        entry.engines = plugin->createEngines();
    } catch (const std::exception& error) {
        entry.status = PluginStatus::Failed;
        entry.reason = QStringLiteral("%1: failed while creating its engines: %2").arg(entry.path, QString::fromUtf8(error.what()));
        entry.engines.clear();
        entry.loader->unload();
        return;
    } catch (...) {
        entry.status = PluginStatus::Failed;
        entry.reason = QStringLiteral("%1: failed while creating its engines (unknown exception)").arg(entry.path);
        entry.engines.clear();
        entry.loader->unload();
        return;
    }
    // Plugins are trusted code, but a mistake in one must not crash the host: a null engine is refused.
    for (std::size_t i = 0; i < entry.engines.size(); ++i)
        if (!entry.engines[i]) {
            entry.status = PluginStatus::Failed;
            entry.reason = QStringLiteral("%1: createEngines() returned a null engine (entry %2 of %3)")
                               .arg(entry.path).arg(i).arg(entry.engines.size());
            entry.engines.clear();
            entry.loader->unload();
            return;
        }
    entry.instance = plugin;
    entry.status = PluginStatus::Loaded;
    entry.reason.clear();
    entry.modifiedWhenLoaded = file.lastModified();
    if (!watcher_.files().contains(entry.path))
        watcher_.addPath(entry.path);
}

void PluginRegistry::unload(PluginEntry& entry)
{
    entry.engines.clear();
    entry.instance = nullptr;
    if (entry.loader && entry.loader->isLoaded())
        entry.loader->unload();
    entry.loader.reset();
}

const PluginEntry& PluginRegistry::reload(const QString& path)
{
    for (auto& entry : plugins_) {
        if (entry->path != path)
            continue;
        unload(*entry);
        vetAndLoad(*entry);
        emit pluginsChanged();
        return *entry;
    }
    return loadFile(path);
}

void PluginRegistry::onFileChanged(const QString& path)
{
    // A rebuild replaces the file (new inode): the watch is dropped and must be set again. Wait a
    // moment so that the linker has finished writing before anyone reloads.
    QTimer::singleShot(500, this, [this, path] {
        if (QFileInfo::exists(path) && !watcher_.files().contains(path))
            watcher_.addPath(path);
        for (const auto& entry : plugins_)
            if (entry->path == path && QFileInfo(path).lastModified() != entry->modifiedWhenLoaded) {
                emit pluginChangedOnDisk(path);
                return;
            }
    });
}

std::shared_ptr<Engine> PluginRegistry::findEngine(const std::string& engineId) const
{
    for (const auto& entry : plugins_)
        for (const auto& engine : entry->engines)
            if (engine->id() == engineId)
                return engine;
    return nullptr;
}

const PluginEntry* PluginRegistry::pluginOfEngine(const std::string& engineId) const
{
    for (const auto& entry : plugins_)
        for (const auto& engine : entry->engines)
            if (engine->id() == engineId)
                return entry.get();
    return nullptr;
}

const PluginEntry* PluginRegistry::entryOf(const QString& path) const
{
    for (const auto& entry : plugins_)
        if (entry->path == path)
            return entry.get();
    return nullptr;
}

} // namespace ls::host
