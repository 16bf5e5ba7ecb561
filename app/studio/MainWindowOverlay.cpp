// The overlay's parameter window: the shown run's quick parameters (ParameterSpec::overlay) and its
// picture, and the re-run a change there starts.
#include "MainWindow.h"

#include "engine/core/Error.h"
#include "views/GridImageView.h"
#include "views/ParameterPanel.h"

namespace ls::studio {

void MainWindow::refreshParameterOverlay(const host::RunRecord& run)
{
    parameterOverlay_ = {};
    overlayPicture_.clear();
    const auto engine = registry_.findEngine(run.engineId);
    if (!engine)
        return;
    const ParameterSchema schema = engine->parameterSchema();
    for (const ParameterSpec& spec : schema.specs)
        if (spec.overlay)
            parameterOverlay_.specs.push_back(spec);
    if (parameterOverlay_.specs.empty())
        return;
    try {
        parameterOverlay_.values = parametersFromJson(schema, run.parameters, run.label);
        resolveSessionRelativeFiles(schema, parameterOverlay_.values);
    } catch (const StudioError& error) {
        parameterOverlay_.specs.clear(); // a run from an older build: its parameters stay in the panel
        log(tr("Overlay parameters of %1 not shown: %2").arg(QString::fromStdString(run.label), error.what()), true);
        return;
    }
    parameterOverlay_.engineName = engine->displayName();
    for (const Dataset& dataset : run.datasets)
        if (const auto* grid = std::get_if<Grid>(&dataset.content); grid && grid->showAsImage) {
            overlayPicture_.setImage(views::GridImageView::toImage(*grid).convertToFormat(QImage::Format_RGBA8888));
            // The overlay's font is ASCII only (τ, × would show as '?').
            std::string title = dataset.name + (grid->yLabel.empty() ? "" : ": " + grid->yLabel);
            for (std::size_t at = title.find("τ"); at != std::string::npos; at = title.find("τ"))
                title.replace(at, std::string("τ").size(), "tau");
            std::erase_if(title, [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
            parameterOverlay_.pictureTitle = title;
            break;
        }
}

void MainWindow::drawParameterOverlay()
{
    const auto changed = views::drawParameterOverlay(parameterOverlay_, overlayPicture_);
    if (!changed)
        return;
    // Not from inside the overlay's frame (the GL context is current there): on the event loop.
    QTimer::singleShot(0, this, [this, key = changed->first, value = changed->second] { rerunFromOverlay(key, value); });
}

void MainWindow::rerunFromOverlay(const std::string& key, const ParameterValue& value)
{
    const host::RunRecord* run = session_.findRun(shownRunId_);
    if (!run)
        return;
    if (runs_.isRunning()) {
        parameterOverlay_.status = "a run is in progress: change it again when it ends";
        return;
    }
    const auto engine = registry_.findEngine(run->engineId);
    if (!engine)
        return;
    ParameterValues values = parameterOverlay_.values;
    values[key] = value;
    selectEngine(QString::fromStdString(run->engineId));
    parameterPanel_->setSchema(engine->parameterSchema(), values);
    parameterOverlay_.status = "re-running with " + key + " changed…";
    if (!startRun())
        parameterOverlay_.status = "could not start: see the log";
}

} // namespace ls::studio
