#include "TraceComparisonView.h"

#include "SeriesView.h"
#include "TokenTraceView.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace ls::views {
namespace {

void showTrace(TokenTraceView& view, const TokenTrace& trace, const Series& signalCurves, std::pair<float, float> scale)
{
    if (signalCurves.curves.empty() || signalCurves.x.size() != trace.tokens.size()) {
        view.setTrace(trace, {}, {});
        return;
    }
    std::vector<std::pair<QString, std::vector<float>>> details;
    for (std::size_t c = 0; c + 1 < signalCurves.curves.size(); ++c)
        details.emplace_back(QString::fromStdString(signalCurves.curves[c].name), signalCurves.curves[c].values);
    view.setSharedScale(scale);
    view.setTrace(trace, signalCurves.curves.back().values, QString::fromStdString(signalCurves.curves.back().name), details);
}

} // namespace

TraceComparisonView::TraceComparisonView(QWidget* parent)
    : QWidget(parent)
    , first_(new TokenTraceView)
    , second_(new TokenTraceView)
    , plot_(new SeriesView)
    , firstTitle_(new QLabel)
    , secondTitle_(new QLabel)
{
    auto* texts = new QSplitter(Qt::Horizontal);
    for (auto [view, title] : {std::pair{first_, firstTitle_}, std::pair{second_, secondTitle_}}) {
        auto* side = new QWidget;
        auto* column = new QVBoxLayout(side);
        column->setContentsMargins(0, 0, 0, 0);
        column->addWidget(title);
        column->addWidget(view, 1);
        texts->addWidget(side);
    }
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(texts);
    split->addWidget(plot_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    connect(plot_, &SeriesView::indexClicked, this, [this](int step) {
        first_->scrollToStep(step);
        second_->scrollToStep(step);
    });
}

void TraceComparisonView::setTraces(const TokenTrace& first, const Series& firstSignals, const TokenTrace& second,
                                    const Series& secondSignals, const Series& both)
{
    // One colour scale for both texts, so that equal colours mean equal instability.
    float low = INFINITY, high = -INFINITY;
    for (const auto* s : {&firstSignals, &secondSignals})
        if (!s->curves.empty())
            for (float v : s->curves.back().values)
                if (std::isfinite(v)) {
                    low = std::min(low, v);
                    high = std::max(high, v);
                }
    const std::pair<float, float> scale = low <= high ? std::pair{low, high} : std::pair{0.0f, 1.0f};
    showTrace(*first_, first, firstSignals, scale);
    showTrace(*second_, second, secondSignals, scale);
    plot_->setSeries(both, tr("Instability of both traces"));
    // The plot's legend names the traces; the same names head the texts, in the curves' colours.
    QLabel* titles[] = {firstTitle_, secondTitle_};
    for (std::size_t i = 0; i < 2; ++i) {
        const QString name = i < both.curves.size() ? QString::fromStdString(both.curves[i].name) : QString();
        titles[i]->setText(QStringLiteral("<b style='color:%1'>%2</b>").arg(SeriesView::curveColour(i).name(), name.toHtmlEscaped()));
    }
    std::vector<std::pair<double, QString>> peaks;
    if (first_->peakStep() >= 0)
        peaks.emplace_back(first_->peakStep(), tr("peak 1"));
    if (second_->peakStep() >= 0)
        peaks.emplace_back(second_->peakStep(), tr("peak 2"));
    plot_->addMarkers(peaks);
}

} // namespace ls::views
