#pragma once
// Where the studio keeps its own files: the autosave, the marker that tells a crash from a clean
// exit, and the recent-files list.
#include <QString>
#include <QStringList>

namespace ls::studio {

class SessionFiles {
public:
    static constexpr int kAutosaveIntervalMs = 3 * 60 * 1000;
    static constexpr int kMaxRecentFiles = 8;

    SessionFiles();

    QString autosavePath() const;
    // True when the last studio process did not exit cleanly and left an autosave behind.
    bool recoveryAvailable() const;
    void markRunning();     // at start-up
    void markCleanExit();   // at a normal quit; also drops the autosave
    void discardAutosave();

    QStringList recentFiles() const;
    void addRecentFile(const QString& path);

private:
    QString folder_;
};

} // namespace ls::studio
