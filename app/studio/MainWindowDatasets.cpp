// MainWindow: a tab per dataset of the shown run (token traces, series, tables; point clouds go to
// the 3D view). A token trace and a series over the same steps are linked: the trace is shaded by
// the series' last curve, clicking either moves the other, selecting text highlights the span.
#include "MainWindow.h"

#include "engine/core/Error.h"
#include "views/ParameterPanel.h"
#include "views/SeriesView.h"
#include "views/TableView.h"
#include "views/TokenTraceView.h"

#include <QTabWidget>

namespace ls::studio {

void MainWindow::showDatasetTabs(const host::RunRecord& run)
{
    for (QWidget* tab : datasetTabs_) {
        centralTabs_->removeTab(centralTabs_->indexOf(tab));
        tab->setParent(nullptr); // out of the widget tree now; deleted once its events are done
        tab->deleteLater();
    }
    datasetTabs_.clear();

    const TokenTrace* trace = nullptr;
    for (const auto& dataset : run.datasets)
        if (const auto* t = std::get_if<TokenTrace>(&dataset.content))
            trace = t;
    views::TokenTraceView* traceView = nullptr;
    views::SeriesView* linkedSeries = nullptr;

    for (const auto& dataset : run.datasets) {
        const QString name = QString::fromStdString(dataset.name);
        if (const auto* series = std::get_if<Series>(&dataset.content)) {
            auto* view = new views::SeriesView(this);
            view->setObjectName("series:" + name);
            view->setSeries(*series, name);
            datasetTabs_.push_back(view);
            if (trace && !linkedSeries && series->x.size() == trace->tokens.size() && !series->curves.empty())
                linkedSeries = view;
        } else if (const auto* table = std::get_if<Table>(&dataset.content)) {
            auto* view = new views::TableView(this);
            view->setObjectName("table:" + name);
            view->setTable(*table);
            datasetTabs_.push_back(view);
            // Engines that show one item of many in full take a 'traceIndex' parameter: a
            // double-clicked row runs the engine again with that item shown.
            connect(view, &views::TableView::rowActivated, this, [this, runId = run.id](int row) { openRowOfRun(runId, row); });
        } else if (std::holds_alternative<TokenTrace>(dataset.content) && &std::get<TokenTrace>(dataset.content) == trace) {
            traceView = new views::TokenTraceView(this);
            traceView->setObjectName("trace:" + name);
            datasetTabs_.insert(datasetTabs_.begin(), traceView);
        }
    }
    if (traceView) {
        std::vector<float> shading;
        QString shadingName;
        std::vector<std::pair<QString, std::vector<float>>> details;
        if (linkedSeries) {
            const auto& curves = linkedSeries->series().curves;
            shading = curves.back().values;
            shadingName = QString::fromStdString(curves.back().name);
            for (std::size_t c = 0; c + 1 < curves.size(); ++c)
                details.emplace_back(QString::fromStdString(curves[c].name), curves[c].values);
        }
        traceView->setTrace(*trace, shading, shadingName, details);
        if (linkedSeries) {
            // Markers: the peak, and the early/late boundaries when the run was made with them.
            std::vector<std::pair<double, QString>> markers;
            const double steps = static_cast<double>(trace->tokens.size());
            if (run.parameters.contains("earlyEnd"))
                markers.emplace_back(run.parameters["earlyEnd"].get<double>() * steps, tr("early | middle"));
            if (run.parameters.contains("lateStart"))
                markers.emplace_back(run.parameters["lateStart"].get<double>() * steps, tr("middle | late"));
            if (traceView->peakStep() >= 0)
                markers.emplace_back(traceView->peakStep(), tr("peak"));
            linkedSeries->setMarkers(markers);
            connect(linkedSeries, &views::SeriesView::indexClicked, traceView, &views::TokenTraceView::scrollToStep);
            connect(traceView, &views::TokenTraceView::stepClicked, linkedSeries,
                    [linkedSeries](int step) { linkedSeries->setHighlight(step, step); });
            connect(traceView, &views::TokenTraceView::spanSelected, linkedSeries, &views::SeriesView::setHighlight);
        }
    }
    for (QWidget* tab : datasetTabs_)
        centralTabs_->addTab(tab, tab->objectName().section(':', 1));
    // A run without a point cloud is better shown by its first dataset view than by an empty 3D view.
    const bool hasCloud = std::any_of(run.datasets.begin(), run.datasets.end(),
                                      [](const Dataset& d) { return std::holds_alternative<PointCloud>(d.content); });
    if (!hasCloud && !datasetTabs_.empty())
        centralTabs_->setCurrentWidget(datasetTabs_.front());
}

bool MainWindow::openRowOfRun(int runId, int row)
{
    const host::RunRecord* run = session_.findRun(runId);
    const auto engine = run ? registry_.findEngine(run->engineId) : nullptr;
    if (!engine)
        return false;
    const auto schema = engine->parameterSchema();
    const ParameterSpec* index = schema.find("traceIndex");
    if (!index || index->type != ParameterType::Int)
        return false;
    ParameterValues values;
    try {
        values = parametersFromJson(schema, run->parameters, "run parameters");
    } catch (const StudioError& error) {
        log(tr("Cannot reopen run %1: %2").arg(runId).arg(QString::fromUtf8(error.what())), true);
        return false;
    }
    values["traceIndex"] = std::int64_t{row};
    log(tr("Showing row %1 of run %2: running %3 again").arg(row).arg(runId).arg(QString::fromStdString(engine->id())));
    return runEngineWith(QString::fromStdString(engine->id()), values);
}

bool MainWindow::runEngineWith(const QString& engineId, const ParameterValues& values)
{
    const auto engine = registry_.findEngine(engineId.toStdString());
    if (!engine)
        return false;
    selectEngine(engineId);
    parameterPanel_->setSchema(engine->parameterSchema(), values);
    storeParameterDraft();
    return startRun();
}

} // namespace ls::studio
