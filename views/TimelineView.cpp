#include "TimelineView.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <map>

namespace ls::views {
namespace {

QColor stageColour(int stage, bool dimmed)
{
    // Golden-angle hues: neighbouring stages get clearly different colours.
    QColor colour = QColor::fromHsv(static_cast<int>(std::fmod(stage * 137.508, 360.0)), 120, 215);
    if (dimmed)
        colour.setAlpha(70);
    return colour;
}

QString formatUs(double us)
{
    if (std::abs(us) >= 1e6) return QString::number(us / 1e6, 'f', 3) + " s";
    if (std::abs(us) >= 1e3) return QString::number(us / 1e3, 'f', 3) + " ms";
    return QString::number(us, 'f', 1) + " µs";
}

// A "nice" tick step (1, 2 or 5 × 10^k) giving about `targetTicks` ticks over `span`.
double tickStep(double span, int targetTicks)
{
    const double raw = span / std::max(1, targetTicks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double factor : {1.0, 2.0, 5.0, 10.0})
        if (raw <= factor * magnitude)
            return factor * magnitude;
    return 10 * magnitude;
}

// "cpu", "cpu 2" (an engine's second thread), "gpu"; other lanes (imported traces' threads) as named.
QString laneTitle(const std::string& lane)
{
    if (lane == "gpu")
        return TimelineView::tr("GPU");
    if (lane.starts_with("cpu"))
        return TimelineView::tr("CPU") + QString::fromStdString(lane.substr(3));
    return QString::fromStdString(lane);
}

} // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setMinimumHeight(120);
    setAutoFillBackground(true);
    setFocusPolicy(Qt::ClickFocus);
}

void TimelineView::clear()
{
    lanes_.clear();
    stagePaths_.clear();
    stageColours_.clear();
    stageStats_.clear();
    selectedStage_ = -1;
    update();
}

void TimelineView::setRecord(const LatencyRecord& record, const QString& title)
{
    setRecords({{&record, title}});
}

void TimelineView::setRecords(const std::vector<std::pair<const LatencyRecord*, QString>>& runs)
{
    const QString previouslySelected = selectedStage();
    clear();
    QStringList titles;
    std::map<std::string, int> stageIndex;
    for (const auto& [record, title] : runs) {
        titles << (runs.size() > 1 ? QStringLiteral("%1 = %2").arg(QChar(static_cast<char16_t>('A' + titles.size()))).arg(title) : title);
        for (const auto& path : record->stagePaths())
            if (stageIndex.emplace(path, static_cast<int>(stagePaths_.size())).second)
                stagePaths_.push_back(QString::fromStdString(path));
    }
    std::map<QString, int> leafColours;
    for (const QString& path : stagePaths_)
        stageColours_.push_back(leafColours.emplace(path.section('/', -1), static_cast<int>(leafColours.size())).first->second);
    title_ = titles.join(QStringLiteral("  ·  "));
    totalStartUs_ = 0;
    totalEndUs_ = 1;
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const LatencyRecord& record = *runs[r].first;
        std::vector<SampleStats> stats(stagePaths_.size());
        for (const auto& path : record.stagePaths())
            stats[stageIndex.at(path)] = record.stageStats(path);
        stageStats_.push_back(std::move(stats));
        double originUs = std::numeric_limits<double>::max();
        for (const auto& sample : record.samples)
            originUs = std::min(originUs, sample.startUs);
        std::map<std::string, std::size_t> laneIndex;
        for (const auto& sample : record.samples) {
            auto [it, inserted] = laneIndex.emplace(sample.lane, lanes_.size());
            if (inserted) {
                const QString lane = laneTitle(sample.lane);
                lanes_.push_back({runs.size() > 1 ? QStringLiteral("%1 · %2").arg(QChar(static_cast<char16_t>('A' + r))).arg(lane) : lane, {}});
            }
            Lane& lane = lanes_[it->second];
            if (sample.depth < 0 || sample.depth > kMaxStageDepth || !stageIndex.contains(sample.path))
                continue; // records from files are checked on load; a record built elsewhere must not crash the view
            if (lane.rows.size() <= static_cast<std::size_t>(sample.depth))
                lane.rows.resize(sample.depth + 1);
            const double start = sample.startUs - originUs;
            lane.rows[sample.depth].push_back({start, start + sample.durationUs, stageIndex.at(sample.path), static_cast<int>(r)});
            totalEndUs_ = std::max(totalEndUs_, start + sample.durationUs);
        }
    }
    for (auto& lane : lanes_) {
        // A lane whose stages all sit under a stage of another lane (a request's spans under its
        // rate's stage) starts at depth 1: its empty rows are not drawn.
        std::erase_if(lane.rows, [](const auto& row) { return row.empty(); });
        for (auto& row : lane.rows)
            std::sort(row.begin(), row.end(), [](const Bar& a, const Bar& b) { return a.startUs < b.startUs; });
    }
    const auto kept = std::find(stagePaths_.begin(), stagePaths_.end(), previouslySelected);
    selectedStage_ = kept == stagePaths_.end() ? -1 : static_cast<int>(kept - stagePaths_.begin());
    int rows = 0;
    for (const auto& lane : lanes_)
        rows += static_cast<int>(lane.rows.size());
    setMinimumHeight(kRulerHeight + rows * kRowHeight + static_cast<int>(lanes_.size()) * kLaneGap + 30);
    zoomToFit();
}

void TimelineView::zoomToFit()
{
    const double margin = (totalEndUs_ - totalStartUs_) * 0.01;
    setVisibleRange(totalStartUs_ - margin, totalEndUs_ + margin);
}

void TimelineView::setVisibleRange(double startUs, double endUs)
{
    viewStartUs_ = startUs;
    viewEndUs_ = std::max(endUs, startUs + 1e-3); // a nanosecond is the deepest zoom
    update();
}

std::size_t TimelineView::instanceCount() const
{
    std::size_t count = 0;
    for (const auto& lane : lanes_)
        for (const auto& row : lane.rows)
            count += row.size();
    return count;
}

QString TimelineView::selectedStage() const
{
    return selectedStage_ >= 0 ? stagePaths_[selectedStage_] : QString();
}

void TimelineView::selectStage(const QString& path)
{
    const auto found = std::find(stagePaths_.begin(), stagePaths_.end(), path);
    const int index = found == stagePaths_.end() ? -1 : static_cast<int>(found - stagePaths_.begin());
    if (index == selectedStage_)
        return;
    selectedStage_ = index;
    update();
    emit stageSelected(selectedStage());
}

double TimelineView::xOf(double us) const
{
    return kLabelWidth + (us - viewStartUs_) / (viewEndUs_ - viewStartUs_) * (width() - kLabelWidth - 4);
}

double TimelineView::usOf(double x) const
{
    return viewStartUs_ + (x - kLabelWidth) / (width() - kLabelWidth - 4) * (viewEndUs_ - viewStartUs_);
}

int TimelineView::laneTop(std::size_t lane) const
{
    int top = kRulerHeight + 18;
    for (std::size_t i = 0; i < lane; ++i)
        top += static_cast<int>(lanes_[i].rows.size()) * kRowHeight + kLaneGap;
    return top;
}

TimelineView::Hit TimelineView::hitAt(QPoint position) const
{
    if (position.x() < kLabelWidth)
        return {};
    const double us = usOf(position.x());
    const double slackUs = 2.0 * (viewEndUs_ - viewStartUs_) / std::max(1, width()); // 2 px of tolerance
    for (std::size_t l = 0; l < lanes_.size(); ++l) {
        const int row = (position.y() - laneTop(l)) / kRowHeight;
        if (position.y() < laneTop(l) || row >= static_cast<int>(lanes_[l].rows.size()))
            continue;
        const auto& bars = lanes_[l].rows[row];
        auto it = std::lower_bound(bars.begin(), bars.end(), us - slackUs, [](const Bar& b, double t) { return b.endUs < t; });
        if (it != bars.end() && it->startUs <= us + slackUs)
            return {&*it};
    }
    return {};
}

QString TimelineView::stageAt(QPoint position) const
{
    const Hit hit = hitAt(position);
    return hit.bar ? stagePaths_[hit.bar->stage] : QString();
}

void TimelineView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    painter.setPen(palette().text().color());
    if (lanes_.empty()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("Run an engine (or import a Chrome trace) to see its timeline"));
        return;
    }
    const QString hint = showsHint_ ? tr(" · wheel: zoom, drag: pan, double-click: fit, click: select stage") : QString();
    painter.drawText(QRect(6, 2, width() - 12, 16), Qt::AlignLeft | Qt::AlignVCenter,
                     tr("%1 · %2 stage instances").arg(title_).arg(instanceCount()) + hint);

    // Ruler.
    // Times count from each run's first recorded stage (warm-up time before it is not shown).
    const double step = tickStep(viewEndUs_ - viewStartUs_, std::max(2, (width() - kLabelWidth) / 110));
    painter.setPen(palette().mid().color());
    const double firstTick = std::ceil((viewStartUs_ - totalStartUs_) / step) * step;
    for (double t = firstTick; t + totalStartUs_ <= viewEndUs_; t += step) {
        const int x = static_cast<int>(xOf(t + totalStartUs_));
        painter.drawLine(x, kRulerHeight + 12, x, height());
        painter.drawText(x + 3, kRulerHeight + 10, formatUs(t));
    }

    const QFontMetrics metrics = painter.fontMetrics();
    for (std::size_t l = 0; l < lanes_.size(); ++l) {
        const Lane& lane = lanes_[l];
        const int top = laneTop(l);
        painter.setPen(palette().text().color());
        painter.drawText(QRect(4, top, kLabelWidth - 8, kRowHeight), Qt::AlignLeft | Qt::AlignVCenter, lane.name);
        for (std::size_t depth = 0; depth < lane.rows.size(); ++depth) {
            const auto& bars = lane.rows[depth];
            const int y = top + static_cast<int>(depth) * kRowHeight;
            // Bars are sorted and do not overlap within a row: start at the first one still visible.
            auto it = std::lower_bound(bars.begin(), bars.end(), viewStartUs_, [](const Bar& b, double t) { return b.endUs < t; });
            int lastPixel = std::numeric_limits<int>::min();
            for (; it != bars.end() && it->startUs <= viewEndUs_; ++it) {
                const double x0 = std::max<double>(xOf(it->startUs), kLabelWidth);
                const double x1 = std::min<double>(xOf(it->endUs), width());
                // Many bars within one pixel column: draw that column once.
                if (x1 - x0 < 1.0 && static_cast<int>(x0) == lastPixel)
                    continue;
                lastPixel = static_cast<int>(x0);
                const bool selected = it->stage == selectedStage_;
                const QRectF box(x0, y + 1, std::max(1.0, x1 - x0), kRowHeight - 2);
                painter.fillRect(box, stageColour(stageColours_[it->stage], selectedStage_ >= 0 && !selected));
                if (selected) {
                    painter.setPen(QPen(palette().highlight().color(), 2));
                    painter.drawRect(box);
                }
                if (box.width() > 40) {
                    const QString path = stagePaths_[it->stage];
                    const QString label = metrics.elidedText(path.section('/', -1), Qt::ElideRight, static_cast<int>(box.width()) - 6);
                    painter.setPen(Qt::black);
                    painter.drawText(box.adjusted(3, 0, -3, 0), Qt::AlignLeft | Qt::AlignVCenter, label);
                }
            }
        }
    }
}

void TimelineView::wheelEvent(QWheelEvent* event)
{
    // Zoom around the time under the cursor.
    const double anchor = usOf(event->position().x());
    const double factor = std::pow(0.85, event->angleDelta().y() / 120.0);
    setVisibleRange(anchor - (anchor - viewStartUs_) * factor, anchor + (viewEndUs_ - anchor) * factor);
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    pressPosition_ = event->pos();
    pressViewStartUs_ = viewStartUs_;
    dragging_ = false;
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    if (event->buttons() & Qt::LeftButton) {
        const double dx = event->pos().x() - pressPosition_.x();
        if (std::abs(dx) > 3)
            dragging_ = true;
        if (dragging_) {
            const double span = viewEndUs_ - viewStartUs_;
            const double shift = -dx / (width() - kLabelWidth - 4) * span;
            setVisibleRange(pressViewStartUs_ + shift, pressViewStartUs_ + shift + span);
        }
        return;
    }
    const Hit hit = hitAt(event->pos());
    if (!hit.bar) {
        QToolTip::hideText();
        return;
    }
    const SampleStats& s = stageStats_[hit.bar->run][hit.bar->stage];
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("<b>%1</b><br>this instance: %2 at %3<br>stage: n=%4, median %5, p90 %6, max %7, CV %8")
                           .arg(stagePaths_[hit.bar->stage].toHtmlEscaped(), formatUs(hit.bar->endUs - hit.bar->startUs),
                                formatUs(hit.bar->startUs - totalStartUs_))
                           .arg(s.count)
                           .arg(formatUs(s.median), formatUs(s.p90), formatUs(s.max))
                           .arg(s.cv, 0, 'f', 3),
                       this);
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    if (!dragging_ && event->button() == Qt::LeftButton)
        selectStage(stageAt(event->pos()));
    dragging_ = false;
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent*)
{
    zoomToFit();
}

} // namespace ls::views
