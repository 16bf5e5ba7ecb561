// MainWindow: a point picked in the 3D view — the engine's account of it (describePick) in the
// overlay and as a highlight in the view, plus the point's own attributes for any engine.
#include "MainWindow.h"

#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

namespace ls::studio {

void MainWindow::showPick(std::size_t pointIndex)
{
    const host::RunRecord* run = session_.findRun(shownRunId_);
    const Dataset* cloudDataset = run ? shownPointCloudOf(*run) : nullptr;
    if (!cloudDataset)
        return;
    const auto& cloud = std::get<PointCloud>(cloudDataset->content);
    PickDetail detail;
    try {
        if (const auto engine = registry_.findEngine(run->engineId))
            if (auto described = engine->describePick(run->datasets, cloudDataset->name, pointIndex))
                detail = std::move(*described);
    } catch (const std::exception& error) { // a plugin's bug must not take the pick down
        log(tr("%1 could not describe point %2: %3").arg(QString::fromStdString(run->engineId)).arg(pointIndex).arg(error.what()), true);
    }
    if (detail.title.empty())
        detail.title = "point " + std::to_string(pointIndex);
    pickAttributes_ = pointFacts(cloud, pointIndex);
    pointCloudView_->setHighlight(pointIndex, detail.pointValues, QString::fromStdString(detail.valueLabel));
    log(tr("Picked %1").arg(QString::fromStdString(detail.title)));
    pick_ = std::move(detail);
    pointCloudView_->viewport()->update();
}

} // namespace ls::studio
