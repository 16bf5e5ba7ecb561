#include "SurfacePanel.h"

#include <QAction>
#include <QCoreApplication>
#include <QDockWidget>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ls::surface {
namespace {
constexpr auto kEngine = "template.surface-sampler";
QString tr(const char* text) { return QCoreApplication::translate("SurfacePanel", text); }
} // namespace

SurfacePanel::SurfacePanel(StudioContext& studio) : studio_(studio)
{
    auto* content = new QWidget;
    pointCount_ = new QSpinBox;
    pointCount_->setObjectName("pointCount");
    pointCount_->setRange(100, 2'000'000);
    pointCount_->setSingleStep(5000);
    pointCount_->setValue(20000);
    shown_ = new QLabel(tr("No sampler run shown yet."));
    shown_->setObjectName("shownRun");
    shown_->setWordWrap(true);
    auto* sample = new QPushButton(tr("Sample again"));
    sample->setObjectName("sampleAgain");
    QObject::connect(sample, &QPushButton::clicked, [this] { sampleAgain(); });
    auto* form = new QFormLayout;
    form->addRow(tr("Points"), pointCount_);
    auto* layout = new QVBoxLayout(content);
    layout->addLayout(form);
    layout->addWidget(sample);
    layout->addWidget(shown_);
    layout->addStretch();

    auto* dock = new QDockWidget(tr("Surface sampler"));
    dock->setObjectName("template.panel"); // the window layout is saved by this name
    dock->setWidget(content);
    studio_.addDockWidget(dock, Qt::RightDockWidgetArea);

    auto* action = new QAction(tr("Sample the surface again"));
    action->setObjectName("template.sampleAgain");
    action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    QObject::connect(action, &QAction::triggered, [this] { sampleAgain(); });
    studio_.addMenuAction("Tools", action);
}

void SurfacePanel::sampleAgain()
{
    // The user's other settings for the engine stay as they are; only the point count changes.
    studio_.addRun(kEngine, {{"pointCount", std::int64_t{pointCount_ ? pointCount_->value() : 20000}}});
}

void SurfacePanel::runShown(const StudioRunView& run)
{
    if (!shown_ || run.engineId != kEngine || !run.datasets)
        return;
    for (const auto& dataset : *run.datasets)
        if (const auto* cloud = std::get_if<PointCloud>(&dataset.content))
            shown_->setText(tr("Run %1 sampled %2 points.").arg(run.id).arg(cloud->pointCount()));
}

nlohmann::json SurfacePanel::state() const
{
    return {{"pointCount", pointCount_ ? pointCount_->value() : 20000}};
}

void SurfacePanel::restoreState(const nlohmann::json& state)
{
    // Sessions are files: a value of the wrong type is ignored, not thrown.
    if (pointCount_ && state.is_object() && state.contains("pointCount") && state["pointCount"].is_number_integer())
        pointCount_->setValue(state["pointCount"].get<int>());
}

} // namespace ls::surface
