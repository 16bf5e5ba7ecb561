// MainWindow: dragging a handle of the shown run's cloud (a transmitter) in the 3D view. The engine
// names its handles (Engine::dragHandles) and follows one (Engine::followHandle) off the UI thread;
// what it computes at each position replaces the run's datasets of the same name, its map shows in
// the overlay's handle window with the latency of every follow.
#include "MainWindow.h"

#include "views/GridImageView.h"
#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

#include <QComboBox>
#include <QTabWidget>
#include <algorithm>

namespace ls::studio {

namespace {

host::RunRecord* mutableRun(host::Session& session, int runId)
{
    const auto found = std::find_if(session.runs.begin(), session.runs.end(), [&](const host::RunRecord& r) { return r.id == runId; });
    return found == session.runs.end() ? nullptr : &*found;
}

} // namespace

void MainWindow::showDragHandles(const host::RunRecord& run)
{
    shownHandles_.clear();
    const Dataset* cloud = shownPointCloudOf(run);
    if (handleFollower_.runId() != run.id)
        handleFollower_.stop();
    if (const auto engine = registry_.findEngine(run.engineId); engine && cloud) {
        try {
            for (auto& handle : engine->dragHandles(run.datasets))
                if (handle.cloudName == cloud->name)
                    shownHandles_.push_back(std::move(handle));
        } catch (const std::exception& error) { // a plugin's bug must not take the view down
            log(tr("%1 could not name its drag handles: %2").arg(QString::fromStdString(run.engineId), error.what()), true);
        }
    }
    std::vector<views::PointHandle> viewHandles;
    for (const auto& handle : shownHandles_)
        viewHandles.push_back({handle.pointIndex, QString::fromStdString(handle.label)});
    pointCloudView_->setDragHandles(viewHandles);
    // The statistics window sits over the scene's upper left, often over the handle: fold it while
    // there is something to drag (the drag window shows the follow latency meanwhile).
    if (!shownHandles_.empty() || handleWasShown_)
        pointCloudView_->viewport()->foldOverlayStatistics(!shownHandles_.empty());
    handleWasShown_ = !shownHandles_.empty();
    handlePanel_ = {};
    handleMap_.clear();
    handleLatency_ = {};
    if (!shownHandles_.empty()) {
        const auto& first = shownHandles_.front();
        const QVector3D at = pointCloudView_->pointPosition(first.pointIndex);
        handlePanel_.label = first.label;
        handlePanel_.position = {at.x(), at.y(), at.z()};
    }
}

const DragHandle* MainWindow::shownHandleAt(std::size_t pointIndex) const
{
    const auto found = std::find_if(shownHandles_.begin(), shownHandles_.end(), [&](const DragHandle& h) { return h.pointIndex == pointIndex; });
    return found == shownHandles_.end() ? nullptr : &*found;
}

bool MainWindow::grabHandle(std::size_t pointIndex)
{
    const host::RunRecord* run = session_.findRun(shownRunId_);
    const DragHandle* handle = shownHandleAt(pointIndex);
    const auto engine = run ? registry_.findEngine(run->engineId) : nullptr;
    if (!handle || !engine)
        return false;
    if (handleFollower_.follows(run->id, pointIndex))
        return true; // a drag after a drag: the model is loaded already
    try {
        const auto schema = engine->parameterSchema();
        ParameterValues parameters = parametersFromJson(schema, run->parameters, "run parameters");
        resolveSessionRelativeFiles(schema, parameters);
        auto follower = engine->followHandle(*handle, run->datasets, run->archives, parameters);
        if (!follower) {
            log(tr("%1 does not follow its %2").arg(QString::fromStdString(run->engineId), QString::fromStdString(handle->label)), true);
            return false;
        }
        const DeviceSelection device = selectDevice(deviceBox_->currentData().toString().toStdString());
        handleFollower_.begin(std::move(follower), device.device, run->id, pointIndex);
        handlePanel_.status = "rendering on " + device.device.describe();
    } catch (const std::exception& error) {
        handlePanel_.status = error.what();
        log(tr("Cannot follow the %1 of %2: %3").arg(QString::fromStdString(handle->label), QString::fromStdString(run->label), error.what()), true);
        return false;
    }
    return true;
}

bool MainWindow::moveHandleTo(std::size_t pointIndex, QVector3D position)
{
    if (!grabHandle(pointIndex))
        return false;
    pointCloudView_->movePoint(pointIndex, position);
    handlePanel_.position = {position.x(), position.y(), position.z()};
    handleFollower_.moveTo(position);
    return true;
}

void MainWindow::waitForHandleFollow()
{
    handleFollower_.waitForIdle();
}

void MainWindow::onHandleFollowed(const FollowResult& result)
{
    host::RunRecord* run = mutableRun(session_, result.runId);
    if (!run || result.runId != shownRunId_)
        return; // the user has moved on to another run
    handleLatency_ = result.latency;
    if (!result.error.isEmpty()) {
        handlePanel_.status = result.error.toStdString();
        log(tr("Following the %1 failed: %2").arg(QString::fromStdString(handlePanel_.label), result.error), true);
        return;
    }
    handlePanel_.follows = handleLatency_.repeats;
    handlePanel_.lastFollowMs = result.elapsedMs;
    handlePanel_.status.clear();

    // The handle's own point moves in the kept cloud too, so a saved session shows where it was.
    if (const DragHandle* handle = shownHandleAt(result.pointIndex))
        for (auto& dataset : run->datasets)
            if (auto* cloud = std::get_if<PointCloud>(&dataset.content); cloud && dataset.name == handle->cloudName && handle->pointIndex < cloud->pointCount())
                for (int k = 0; k < 3; ++k)
                    cloud->positions[handle->pointIndex * 3 + k] = result.position[k];

    bool newNames = false;
    for (const auto& followed : result.datasets) {
        auto existing = std::find_if(run->datasets.begin(), run->datasets.end(), [&](const Dataset& d) { return d.name == followed.name; });
        if (existing == run->datasets.end()) {
            run->datasets.push_back(followed);
            newNames = true;
        } else {
            existing->content = followed.content;
        }
        const QString name = QString::fromStdString(followed.name);
        if (const auto* grid = std::get_if<Grid>(&followed.content); grid && grid->showAsImage) {
            auto* view = centralTabs_->findChild<views::GridImageView*>("image:" + name);
            if (view)
                refreshDatasetView(view, followed);
            if (handlePanel_.mapTitle.empty() || handlePanel_.mapTitle == followed.name) { // the first map is the overlay's
                const int layer = view ? view->layer() : 0; // the frequency the tab's slider shows
                handlePanel_.mapTitle = followed.name;
                handlePanel_.mapAxes = "across: " + grid->xLabel + "; down: " + grid->yLabel;
                if (grid->layerCount() > 1)
                    handlePanel_.mapAxes += "; " + grid->layerLabel + " " + std::to_string(layer);
                Grid coloured = *grid;
                coloured.heatColours = true;
                handleMap_.setImage(views::GridImageView::toImage(coloured, &handlePanel_.mapLow, &handlePanel_.mapHigh, layer));
            }
        } else {
            for (const char* kind : {"table:", "series:"})
                if (auto* view = centralTabs_->findChild<QWidget*>(kind + name))
                    refreshDatasetView(view, followed);
        }
    }
    if (newNames)
        showDatasetTabs(*run); // tabs for what the drag added (a training run's first rendered map)
    setDirty(true);
    pointCloudView_->viewport()->update();
}

void MainWindow::drawHandlePanel()
{
    if (shownHandles_.empty())
        return;
    if (views::drawHandleOverlay(handlePanel_, handleMap_, handleLatency_)) {
        const auto& p = handlePanel_.position;
        moveHandleTo(shownHandles_.front().pointIndex, QVector3D(p[0], p[1], p[2]));
    }
}

} // namespace ls::studio
