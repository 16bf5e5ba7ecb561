#include "HandleFollowRunner.h"

#include "engine/core/VectorState.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QtConcurrent/QtConcurrentRun>

namespace ls::studio {

HandleFollowRunner::HandleFollowRunner(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<FollowResult>::finished, this, [this] {
        busy_ = false;
        const FollowResult result = watcher_.result();
        if (waiting_) { // the mouse moved on meanwhile: compute there next
            const QVector3D next = *waiting_;
            waiting_.reset();
            launch(next);
        }
        emit followed(result);
    });
}

HandleFollowRunner::~HandleFollowRunner()
{
    stop();
}

void HandleFollowRunner::begin(std::unique_ptr<HandleFollower> follower, const DeviceInfo& device, int runId, std::size_t pointIndex)
{
    stop();
    follower_ = std::move(follower);
    recorder_ = std::make_shared<LatencyRecorder>();
    device_ = device;
    runId_ = runId;
    pointIndex_ = pointIndex;
}

void HandleFollowRunner::moveTo(QVector3D position)
{
    if (!follower_)
        return;
    if (busy_)
        waiting_ = position;
    else
        launch(position);
}

void HandleFollowRunner::launch(QVector3D position)
{
    busy_ = true;
    watcher_.setFuture(QtConcurrent::run([follower = follower_, recorder = recorder_, device = device_, runId = runId_, pointIndex = pointIndex_,
                                               position]() -> FollowResult {
        FollowResult result;
        result.runId = runId;
        result.pointIndex = pointIndex;
        result.position = position;
        clearUpperVectorState(); // a pool thread: VectorState.h
        QElapsedTimer clock;
        clock.start();
        recorder->beginRepeat(false);
        try {
            RunContext context(device, *recorder, {}, nullptr);
            result.datasets = follower->follow({position.x(), position.y(), position.z()}, context);
        } catch (const std::exception& error) {
            result.error = QString::fromUtf8(error.what());
        } catch (...) {
            result.error = QStringLiteral("the engine failed with an unknown exception");
        }
        recorder->endRepeat();
        result.elapsedMs = clock.nsecsElapsed() / 1e6;
        result.latency = recorder->record();
        return result;
    }));
}

void HandleFollowRunner::stop()
{
    waiting_.reset();
    watcher_.waitForFinished(); // its `followed` still comes, naming the run it was for
    busy_ = false;
    follower_.reset();
    recorder_.reset();
}

void HandleFollowRunner::waitForIdle()
{
    while (busy_ || waiting_) {
        watcher_.waitForFinished();
        QCoreApplication::processEvents(); // delivers `finished`, which may launch the waiting one
    }
}

} // namespace ls::studio
