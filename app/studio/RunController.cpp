#include "RunController.h"

#include <QtConcurrent/QtConcurrentRun>

namespace ls::studio {

RunController::RunController(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<RunOutcome>::finished, this, [this] {
        running_ = false;
        engine_.reset();
        emit finished(watcher_.result());
    });
}

RunController::~RunController()
{
    cancel();
    waitForFinished();
}

bool RunController::start(std::shared_ptr<Engine> engine, RunRequest request)
{
    if (running_)
        return false;
    running_ = true;
    cancelRequested_ = false;
    engine_ = std::move(engine);
    Engine* enginePointer = engine_.get();
    watcher_.setFuture(QtConcurrent::run([this, enginePointer, request = std::move(request)]() -> RunOutcome {
        RunOutcome outcome;
        try {
            outcome.completed = runEngine(
                *enginePointer, request,
                [this](double fraction, const std::string& message) {
                    // Queued to the UI thread by Qt, since this object lives there.
                    emit progressed(fraction, QString::fromStdString(message));
                },
                &cancelRequested_,
                [this](const Dataset& dataset) { emit published(dataset); }); // queued to the UI thread, like progress
        } catch (const CancelledError&) {
            outcome.cancelled = true;
        } catch (const std::exception& error) {
            outcome.error = QString::fromUtf8(error.what());
        } catch (...) {
            outcome.error = QStringLiteral("the engine failed with an unknown exception");
        }
        return outcome;
    }));
    return true;
}

void RunController::cancel()
{
    cancelRequested_ = true;
}

void RunController::waitForFinished()
{
    watcher_.waitForFinished();
}

} // namespace ls::studio
