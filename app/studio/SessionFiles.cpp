#include "SessionFiles.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace ls::studio {
namespace {

QString markerPath(const QString& folder)
{
    return QDir(folder).filePath("running.marker");
}

} // namespace

SessionFiles::SessionFiles() : folder_(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
{
    QDir().mkpath(folder_);
}

QString SessionFiles::autosavePath() const
{
    return QDir(folder_).filePath("autosave.lstudio");
}

bool SessionFiles::recoveryAvailable() const
{
    return QFileInfo::exists(markerPath(folder_)) && QFileInfo::exists(autosavePath());
}

void SessionFiles::markRunning()
{
    QFile marker(markerPath(folder_));
    if (marker.open(QIODevice::WriteOnly))
        marker.write(QByteArray::number(QCoreApplication::applicationPid()));
}

void SessionFiles::markCleanExit()
{
    discardAutosave();
    QFile::remove(markerPath(folder_));
}

void SessionFiles::discardAutosave()
{
    // The autosave's sidecars carry a timestamp in their names; remove them with it.
    const QDir dir(folder_);
    for (const QString& sidecar : dir.entryList({"autosave.*.npz"}, QDir::Files))
        QFile::remove(dir.filePath(sidecar));
    QFile::remove(autosavePath());
}

QStringList SessionFiles::recentFiles() const
{
    QStringList files = QSettings().value("recentFiles").toStringList();
    files.erase(std::remove_if(files.begin(), files.end(), [](const QString& f) { return !QFileInfo::exists(f); }),
                files.end());
    return files;
}

void SessionFiles::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue("recentFiles", files);
}

} // namespace ls::studio
