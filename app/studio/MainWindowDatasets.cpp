// MainWindow: a tab per dataset of the shown run (token traces, series, tables; point clouds go to
// the 3D view). Datasets are linked by the roles their engine gives them, never by name: a series
// that shades a token trace colours it by its last curve, and clicking either moves the other,
// selecting text highlights the span; a trace compared with another shares one side-by-side tab.
#include "MainWindow.h"

#include "engine/core/Error.h"
#include "engine/core/SeriesOverlay.h"
#include "views/ParameterPanel.h"
#include "views/PointCloudView.h"
#include "views/GridImageView.h"
#include "views/LatencyView.h"
#include "views/SeriesView.h"
#include "views/TableView.h"
#include "views/TokenTraceView.h"
#include "views/TraceComparisonView.h"

#include <QDir>
#include <QFileInfo>
#include <QTabWidget>
#include <algorithm>

namespace ls::studio {
namespace {

const Dataset* findDataset(const host::RunRecord& run, const std::string& name)
{
    const auto found = std::find_if(run.datasets.begin(), run.datasets.end(), [&](const Dataset& d) { return d.name == name; });
    return found == run.datasets.end() ? nullptr : &*found;
}

// The Series with role Shades linked to the trace `traceName`, if any.
const Dataset* shadingOf(const host::RunRecord& run, const std::string& traceName)
{
    for (const auto& dataset : run.datasets)
        if (dataset.role == DatasetRole::Shades && dataset.linkedTo == traceName && std::holds_alternative<Series>(dataset.content))
            return &dataset;
    return nullptr;
}

// Shown only inside a side-by-side tab: the compared trace, what shades it, and the curves of both.
bool insideComparison(const host::RunRecord& run, const Dataset& dataset)
{
    if (dataset.role == DatasetRole::ComparedWith || dataset.role == DatasetRole::BothSides)
        return true;
    const Dataset* linked = dataset.role == DatasetRole::Shades ? findDataset(run, dataset.linkedTo) : nullptr;
    return linked && linked->role == DatasetRole::ComparedWith;
}

} // namespace

void MainWindow::showDatasetTabs(const host::RunRecord& run)
{
    // Removing the shown dataset tab would leave its neighbour (the timeline) in front.
    const bool datasetTabWasCurrent = std::find(datasetTabs_.begin(), datasetTabs_.end(), centralTabs_->currentWidget()) != datasetTabs_.end();
    for (QWidget* tab : datasetTabs_) {
        centralTabs_->removeTab(centralTabs_->indexOf(tab));
        tab->setParent(nullptr); // out of the widget tree now; deleted once its events are done
        tab->deleteLater();
    }
    datasetTabs_.clear();

    // The first token trace outside a comparison is the one shown in full, linked to the series
    // that shades it; a comparison's datasets share one side-by-side tab.
    const Dataset* traceDataset = nullptr;
    for (const auto& dataset : run.datasets)
        if (std::holds_alternative<TokenTrace>(dataset.content) && !insideComparison(run, dataset) && !traceDataset)
            traceDataset = &dataset;
    const TokenTrace* trace = traceDataset ? &std::get<TokenTrace>(traceDataset->content) : nullptr;
    const Dataset* shading = traceDataset ? shadingOf(run, traceDataset->name) : nullptr;
    views::TokenTraceView* traceView = nullptr;
    views::SeriesView* linkedSeries = nullptr;
    if (auto* comparison = comparisonViewOf(run))
        datasetTabs_.push_back(comparison);

    for (const auto& dataset : run.datasets) {
        const QString name = QString::fromStdString(dataset.name);
        if (insideComparison(run, dataset))
            continue;
        if (const auto* series = std::get_if<Series>(&dataset.content)) {
            auto* view = new views::SeriesView(this);
            view->setObjectName("series:" + name);
            view->setSeries(*series, name);
            datasetTabs_.push_back(view);
            if (&dataset == shading && !series->curves.empty())
                linkedSeries = view;
        } else if (const auto* grid = std::get_if<Grid>(&dataset.content); grid && grid->showAsImage) {
            auto* view = new views::GridImageView(this);
            view->setObjectName("image:" + name);
            view->setGrid(*grid, name);
            datasetTabs_.push_back(view);
        } else if (const auto* table = std::get_if<Table>(&dataset.content)) {
            auto* view = new views::TableView(this);
            view->setObjectName("table:" + name);
            view->setTable(*table);
            datasetTabs_.push_back(view);
            // Engines that show one item of many in full take a 'traceIndex' parameter: a
            // double-clicked row runs the engine again with that item shown.
            connect(view, &views::TableView::rowActivated, this, [this, runId = run.id](int row) { openRowOfRun(runId, row); });
            // Engines that can also output a second item take 'compareIndex': two rows side by side.
            const auto engine = registry_.findEngine(run.engineId);
            view->setComparable(engine && engine->parameterSchema().find("compareIndex"));
            connect(view, &views::TableView::rowsCompared, this,
                    [this, runId = run.id](int first, int second) { compareRowsOfRun(runId, first, second); });
        } else if (&dataset == traceDataset) {
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
            // The series' own markers (the engine's) and the trace's peak.
            if (traceView->peakStep() >= 0)
                linkedSeries->addMarkers({{traceView->peakStep(), tr("peak")}});
            connect(linkedSeries, &views::SeriesView::indexClicked, traceView, &views::TokenTraceView::scrollToStep);
            connect(traceView, &views::TokenTraceView::stepClicked, linkedSeries,
                    [linkedSeries](int step) { linkedSeries->setHighlight(step, step); });
            connect(traceView, &views::TokenTraceView::spanSelected, linkedSeries, &views::SeriesView::setHighlight);
        }
    }
    addOverlayTabs(run);
    for (QWidget* tab : datasetTabs_)
        centralTabs_->addTab(tab, tab->objectName().section(':', 1));
    // A run without a point cloud is better shown by its first dataset view than by an empty 3D view.
    const bool hasCloud = std::any_of(run.datasets.begin(), run.datasets.end(),
                                      [](const Dataset& d) { return std::holds_alternative<PointCloud>(d.content); });
    if (!hasCloud && !datasetTabs_.empty())
        centralTabs_->setCurrentWidget(datasetTabs_.front());
    else if (hasCloud && datasetTabWasCurrent)
        centralTabs_->setCurrentWidget(pointCloudView_);
}

void MainWindow::addOverlayTabs(const host::RunRecord& run)
{
    // With a run of the same engine chosen for comparison in the latency dock, each line plot both
    // runs have (goodput curves, CDFs) gets a tab with the two on one plot, A = shown, B = compared.
    const host::RunRecord* compared = session_.findRun(latencyView_->comparedRun());
    if (!compared || compared == &run || compared->engineId != run.engineId)
        return;
    for (const auto& dataset : run.datasets) {
        const auto* a = std::get_if<Series>(&dataset.content);
        if (!a || a->style != SeriesStyle::Lines)
            continue;
        const auto other = std::find_if(compared->datasets.begin(), compared->datasets.end(), [&](const Dataset& d) {
            return d.name == dataset.name && std::holds_alternative<Series>(d.content);
        });
        if (other == compared->datasets.end())
            continue;
        try {
            const Series both = overlaySeries(*a, "A", std::get<Series>(other->content), "B");
            const QString name = tr("%1 · A vs B").arg(QString::fromStdString(dataset.name));
            auto* view = new views::SeriesView(this);
            view->setObjectName("series:" + name);
            view->setSeries(both, name);
            datasetTabs_.push_back(view);
        } catch (const StudioError& error) {
            log(tr("No overlay of '%1': %2").arg(QString::fromStdString(dataset.name), QString::fromUtf8(error.what())));
        }
    }
}

bool MainWindow::refreshDatasetView(QWidget* view, const Dataset& dataset)
{
    const QString name = QString::fromStdString(dataset.name);
    if (auto* series = qobject_cast<views::SeriesView*>(view); series && std::holds_alternative<Series>(dataset.content))
        series->setSeries(std::get<Series>(dataset.content), name);
    else if (auto* image = qobject_cast<views::GridImageView*>(view); image && std::holds_alternative<Grid>(dataset.content))
        image->setGrid(std::get<Grid>(dataset.content), name);
    else if (auto* table = qobject_cast<views::TableView*>(view); table && std::holds_alternative<Table>(dataset.content))
        table->setTable(std::get<Table>(dataset.content));
    else
        return false;
    return true;
}

void MainWindow::showPublished(const Dataset& dataset)
{
    // A dataset the running engine shows as it goes (a training's curves): one tab per name,
    // brought to the front the first time, replaced by the run's own tabs when it ends.
    const auto found = liveTabs_.find(dataset.name);
    if (found != liveTabs_.end()) {
        refreshDatasetView(found->second, dataset);
        return;
    }
    QWidget* view = nullptr;
    if (std::holds_alternative<Series>(dataset.content))
        view = new views::SeriesView(this);
    else if (std::holds_alternative<Grid>(dataset.content))
        view = new views::GridImageView(this);
    else if (std::holds_alternative<Table>(dataset.content))
        view = new views::TableView(this);
    if (!view)
        return; // clouds and traces are shown when the run ends
    view->setObjectName("live:" + QString::fromStdString(dataset.name));
    refreshDatasetView(view, dataset);
    if (liveTabs_.empty())
        tabBeforeLive_ = centralTabs_->currentWidget();
    liveTabs_[dataset.name] = view;
    centralTabs_->setCurrentIndex(centralTabs_->addTab(view, tr("%1 (live)").arg(QString::fromStdString(dataset.name))));
}

std::string MainWindow::clearPublished()
{
    std::string inFront;
    for (auto& [name, tab] : liveTabs_) {
        if (centralTabs_->currentWidget() == tab) {
            inFront = name;
            if (tabBeforeLive_ && centralTabs_->indexOf(tabBeforeLive_) >= 0)
                centralTabs_->setCurrentWidget(tabBeforeLive_); // not whichever neighbour Qt picks
        }
        centralTabs_->removeTab(centralTabs_->indexOf(tab));
        tab->setParent(nullptr);
        tab->deleteLater();
    }
    liveTabs_.clear();
    tabBeforeLive_.clear();
    return inFront;
}

bool MainWindow::openRowOfRun(int runId, int row)
{
    log(tr("Showing row %1 of run %2: running its engine again").arg(row).arg(runId));
    return rerunWith(runId, {{"traceIndex", std::int64_t{row}}, {"compareIndex", std::int64_t{-1}}});
}

bool MainWindow::compareRowsOfRun(int runId, int firstRow, int secondRow)
{
    log(tr("Comparing rows %1 and %2 of run %3: running its engine again").arg(firstRow).arg(secondRow).arg(runId));
    return rerunWith(runId, {{"traceIndex", std::int64_t{firstRow}}, {"compareIndex", std::int64_t{secondRow}}});
}

void MainWindow::resolveSessionRelativeFiles(const ParameterSchema& schema, ParameterValues& values) const
{
    // "~/" is the user's home, as in a shell (the sample's multipath draft writes under
    // ~/.local/share). Other relative file parameters (as in the bundled sample session) are
    // relative to the session's folder.
    for (const auto& spec : schema.specs) {
        if (spec.type != ParameterType::File)
            continue;
        const QString file = QString::fromStdString(stringParameter(values, spec.key));
        if (file.startsWith(QLatin1String("~/")))
            values[spec.key] = QDir::home().absoluteFilePath(file.mid(2)).toStdString();
        else if (!file.isEmpty() && QFileInfo(file).isRelative() && !sessionPath_.isEmpty())
            values[spec.key] = QFileInfo(sessionPath_).dir().absoluteFilePath(file).toStdString();
    }
}

bool MainWindow::rerunWith(int runId, const ParameterValues& overrides)
{
    const host::RunRecord* run = session_.findRun(runId);
    const auto engine = run ? registry_.findEngine(run->engineId) : nullptr;
    if (!engine)
        return false;
    const auto schema = engine->parameterSchema();
    ParameterValues values;
    try {
        values = parametersFromJson(schema, run->parameters, "run parameters");
    } catch (const StudioError& error) {
        log(tr("Cannot reopen run %1: %2").arg(runId).arg(QString::fromUtf8(error.what())), true);
        return false;
    }
    resolveSessionRelativeFiles(schema, values);
    bool anyKnown = false;
    for (const auto& [key, value] : overrides)
        if (schema.find(key)) { // keys the engine does not have are left out
            values[key] = value;
            anyKnown = true;
        }
    return anyKnown && runEngineWith(QString::fromStdString(engine->id()), values);
}

views::TraceComparisonView* MainWindow::comparisonViewOf(const host::RunRecord& run)
{
    // Second side: a trace ComparedWith the first; both sides' curves: a series BothSides of it.
    const Dataset* second = nullptr;
    for (const auto& dataset : run.datasets)
        if (dataset.role == DatasetRole::ComparedWith && std::holds_alternative<TokenTrace>(dataset.content) && !second)
            second = &dataset;
    if (!second)
        return nullptr;
    const Dataset* first = findDataset(run, second->linkedTo);
    const Dataset* shades[2] = {first ? shadingOf(run, first->name) : nullptr, shadingOf(run, second->name)};
    const Series* both = nullptr;
    for (const auto& dataset : run.datasets)
        if (dataset.role == DatasetRole::BothSides && dataset.linkedTo == second->name && !both)
            both = std::get_if<Series>(&dataset.content);
    if (!first || !std::holds_alternative<TokenTrace>(first->content) || !shades[0] || !shades[1] || !both)
        return nullptr;
    const TokenTrace* traces[2] = {&std::get<TokenTrace>(first->content), &std::get<TokenTrace>(second->content)};
    const Series* signalCurves[2] = {&std::get<Series>(shades[0]->content), &std::get<Series>(shades[1]->content)};
    auto* view = new views::TraceComparisonView(this);
    view->setObjectName("comparison:side by side");
    view->setTraces(*traces[0], *signalCurves[0], *traces[1], *signalCurves[1], *both);
    return view;
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

bool MainWindow::showTab(const QString& title)
{
    for (int i = 0; i < centralTabs_->count(); ++i)
        if (centralTabs_->tabText(i) == title) {
            centralTabs_->setCurrentIndex(i);
            return true;
        }
    return false;
}

} // namespace ls::studio
