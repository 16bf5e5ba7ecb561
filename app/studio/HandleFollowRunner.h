#pragma once
// Follows a dragged handle (a transmitter) off the UI thread: the engine's HandleFollower computes
// the outputs at one position at a time; positions that arrive meanwhile are coalesced so only the
// latest waits, and the view keeps up with the mouse however slow one computation is.
#include "engine/core/Engine.h"

#include <QFutureWatcher>
#include <QObject>
#include <QVector3D>
#include <memory>
#include <optional>

namespace ls::studio {

struct FollowResult {
    std::vector<Dataset> datasets; // to replace the run's ones of the same name
    LatencyRecord latency;         // every follow of this drag so far, one repeat each
    int runId = 0;                 // whose handle
    std::size_t pointIndex = 0;
    QVector3D position;
    double elapsedMs = 0;          // this follow, end to end
    QString error;                 // set when it failed (the datasets are then empty)
};

class HandleFollowRunner : public QObject {
    Q_OBJECT
public:
    explicit HandleFollowRunner(QObject* parent = nullptr);
    ~HandleFollowRunner() override;

    // Takes over `follower` for handle `pointIndex` of run `runId`, computing on `device`.
    void begin(std::unique_ptr<HandleFollower> follower, const DeviceInfo& device, int runId, std::size_t pointIndex);
    bool follows(int runId, std::size_t pointIndex) const { return follower_ && runId_ == runId && pointIndex_ == pointIndex; }
    bool isBusy() const { return busy_; }
    int runId() const { return follower_ ? runId_ : 0; }

    // Computes the outputs at `position` now, or after the one running (replacing any waiting).
    void moveTo(QVector3D position);
    // Waits for the running computation, drops the waiting one and the follower.
    void stop();
    void waitForIdle(); // tests: until nothing runs or waits

signals:
    void followed(const ls::studio::FollowResult& result);

private:
    void launch(QVector3D position);

    std::shared_ptr<HandleFollower> follower_; // shared with the worker while it computes
    std::shared_ptr<LatencyRecorder> recorder_;
    DeviceInfo device_;
    int runId_ = 0;
    std::size_t pointIndex_ = 0;
    bool busy_ = false;
    std::optional<QVector3D> waiting_;
    QFutureWatcher<FollowResult> watcher_;
};

} // namespace ls::studio

Q_DECLARE_METATYPE(ls::studio::FollowResult)
