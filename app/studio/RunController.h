#pragma once
// Runs an engine on a worker thread so the UI stays responsive; reports progress and can cancel.
#include "engine/core/EngineRunner.h"

#include <QFutureWatcher>
#include <QObject>
#include <atomic>
#include <memory>
#include <optional>

namespace ls::studio {

struct RunOutcome {
    std::optional<CompletedRun> completed; // set on success
    QString error;                         // set on failure
    bool cancelled = false;
};

class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;

    bool isRunning() const { return running_; }
    // Starts a run; the engine is kept alive until it finishes. Returns false if one is running.
    bool start(std::shared_ptr<Engine> engine, RunRequest request);
    void cancel();
    void waitForFinished();

signals:
    void progressed(double fraction, const QString& message);
    void published(const ls::Dataset& dataset); // what the engine shows while it runs
    void finished(const ls::studio::RunOutcome& outcome);

private:
    std::shared_ptr<Engine> engine_;
    std::atomic<bool> cancelRequested_{false};
    QFutureWatcher<RunOutcome> watcher_;
    bool running_ = false;
};

} // namespace ls::studio

Q_DECLARE_METATYPE(ls::studio::RunOutcome)
Q_DECLARE_METATYPE(ls::Dataset)
