#include "SeriesView.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace ls::views {
namespace {

const QColor kCurveColours[] = {QColor(40, 110, 200), QColor(230, 120, 30), QColor(200, 40, 60), QColor(50, 160, 80),
                                QColor(150, 70, 180)};

} // namespace

QColor SeriesView::curveColour(std::size_t curve)
{
    return kCurveColours[curve % std::size(kCurveColours)];
}

SeriesView::SeriesView(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(160);
    setAutoFillBackground(true);
}

void SeriesView::setSeries(const Series& series, const QString& title)
{
    series_ = series;
    title_ = title;
    markers_.clear();
    for (const auto& marker : series.markers) // the engine's own (phase boundaries, thresholds)
        markers_.emplace_back(marker.x, QString::fromStdString(marker.label));
    highlightFirst_ = highlightLast_ = -1;
    xMin_ = 0, xMax_ = 1, yMin_ = 0, yMax_ = 1;
    if (!series_.x.empty()) {
        const auto [lo, hi] = std::minmax_element(series_.x.begin(), series_.x.end());
        xMin_ = *lo;
        xMax_ = *hi > *lo ? *hi : *lo + 1;
        yMin_ = 0;
        yMax_ = 0;
        for (const auto& curve : series_.curves)
            for (float v : curve.values)
                if (std::isfinite(v)) {
                    yMin_ = std::min<double>(yMin_, v);
                    yMax_ = std::max<double>(yMax_, v);
                }
        if (yMax_ <= yMin_)
            yMax_ = yMin_ + 1;
        if (series_.style == SeriesStyle::Bars)
            yMax_ += 0.12 * (yMax_ - yMin_); // room for the value above the tallest bar
    }
    update();
}

void SeriesView::addMarkers(const std::vector<std::pair<double, QString>>& markers)
{
    markers_.insert(markers_.end(), markers.begin(), markers.end());
    update();
}

void SeriesView::setHighlight(int firstIndex, int lastIndex)
{
    highlightFirst_ = firstIndex;
    highlightLast_ = lastIndex;
    update();
}

QRectF SeriesView::plotArea() const
{
    return QRectF(56, 26, width() - 72, height() - 58);
}

int SeriesView::indexAt(QPoint position) const
{
    if (series_.x.empty())
        return -1;
    const QRectF plot = plotArea();
    if (series_.style == SeriesStyle::Bars)
        return std::clamp(static_cast<int>((position.x() - plot.left()) / plot.width() * static_cast<double>(series_.x.size())), 0,
                          static_cast<int>(series_.x.size()) - 1);
    const double x = xMin_ + (position.x() - plot.left()) / plot.width() * (xMax_ - xMin_);
    int best = 0;
    for (int i = 1; i < static_cast<int>(series_.x.size()); ++i)
        if (std::abs(series_.x[i] - x) < std::abs(series_.x[best] - x))
            best = i;
    return best;
}

void SeriesView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF plot = plotArea();
    painter.setPen(palette().text().color());
    painter.drawText(QRectF(8, 4, width() - 16, 18), Qt::AlignLeft, title_);
    if (series_.x.empty()) {
        painter.drawText(plot, Qt::AlignCenter, tr("no data"));
        return;
    }
    const bool barLayout = series_.style == SeriesStyle::Bars;
    // With bars, x values are categories in order: slot i is centred at (i + ½) of the plot's width.
    auto toPoint = [&](double x, double y) {
        const double fraction = barLayout ? 0.5 : (x - xMin_) / (xMax_ - xMin_);
        return QPointF(plot.left() + fraction * plot.width(), plot.bottom() - (y - yMin_) / (yMax_ - yMin_) * plot.height());
    };
    auto toBarX = [&](std::size_t i) {
        return plot.left() + (static_cast<double>(i) + 0.5) / static_cast<double>(series_.x.size()) * plot.width();
    };
    if (highlightFirst_ >= 0 && highlightLast_ < static_cast<int>(series_.x.size())) {
        const QPointF a = toPoint(series_.x[highlightFirst_], yMax_), b = toPoint(series_.x[highlightLast_], yMin_);
        painter.fillRect(QRectF(a, b).normalized().adjusted(-2, 0, 2, 0), QColor(255, 200, 0, 70));
    }
    painter.setPen(palette().mid().color());
    painter.drawRect(plot);
    // Marker labels are staggered along the bottom, clear of the legend and of each other.
    for (std::size_t m = 0; m < markers_.size(); ++m) {
        const auto& [x, label] = markers_[m];
        const QPointF top = toPoint(x, yMax_);
        painter.setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
        painter.drawLine(top, QPointF(top.x(), plot.bottom()));
        painter.setPen(palette().text().color());
        painter.drawText(QPointF(top.x() + 3, plot.bottom() - 6 - 14.0 * static_cast<double>(m % 3)), label);
    }
    const bool bars = series_.style == SeriesStyle::Bars;
    // Bars of all curves share each x slot side by side; the slot is the x spacing.
    const double slot = plot.width() / std::max<double>(1.0, static_cast<double>(series_.x.size()));
    const double barWidth = 0.7 * slot / std::max<double>(1.0, static_cast<double>(series_.curves.size()));
    // Two runs on one plot (overlaySeries: "A · x", "B · x"): B's curve takes the colour of A's
    // curve of the same name and is dashed, so each pair reads as one quantity in two runs. Names
    // match up to a note in parentheses, which may carry a run's own value ("(goodput 0.6 req/s)").
    const auto withoutNote = [](const std::string& name) { return name.substr(0, name.find(" (")); };
    std::vector<std::size_t> colourOf(series_.curves.size());
    std::vector<bool> dashed(series_.curves.size(), false);
    for (std::size_t c = 0; c < series_.curves.size(); ++c) {
        colourOf[c] = c;
        const std::string& name = series_.curves[c].name;
        if (name.starts_with("B · "))
            for (std::size_t a = 0; a < series_.curves.size(); ++a)
                if (withoutNote(series_.curves[a].name) == withoutNote("A · " + name.substr(std::string("B · ").size()))) {
                    colourOf[c] = a;
                    dashed[c] = true;
                }
    }
    for (std::size_t c = 0; c < series_.curves.size(); ++c) {
        const auto& values = series_.curves[c].values;
        const QColor colour = curveColour(colourOf[c]);
        if (bars) {
            for (std::size_t i = 0; i < series_.x.size() && i < values.size(); ++i) {
                if (!std::isfinite(values[i]))
                    continue;
                const double centre = toBarX(i);
                const double left = centre - 0.35 * slot + barWidth * static_cast<double>(c);
                const QPointF top = toPoint(series_.x[i], values[i]), base = toPoint(series_.x[i], std::max(0.0, yMin_));
                painter.fillRect(QRectF(QPointF(left, top.y()), QPointF(left + barWidth, base.y())).normalized(), colour);
                painter.setPen(palette().text().color());
                painter.drawText(QRectF(left - 20, top.y() - 16, barWidth + 40, 14), Qt::AlignCenter, QString::number(values[i], 'g', 3));
            }
        } else {
            QPolygonF line;
            for (std::size_t i = 0; i < series_.x.size() && i < values.size(); ++i)
                if (std::isfinite(values[i]))
                    line << toPoint(series_.x[i], values[i]);
            painter.setPen(QPen(colour, 1.5, dashed[c] ? Qt::DashLine : Qt::SolidLine));
            painter.drawPolyline(line);
            if (line.size() <= 12) { // few points (a frontier of samplers): each one is a datum, show it
                painter.setPen(QPen(colour, 1.5));
                painter.setBrush(dashed[c] ? QBrush(palette().base().color()) : QBrush(colour)); // B: hollow markers
                for (const QPointF& point : line)
                    painter.drawEllipse(point, 3.5, 3.5);
                painter.setBrush(Qt::NoBrush);
            }
        }
        const double legendLeft = plot.right() - 230, legendY = plot.top() + 6 + 16 * c;
        if (dashed[c]) {
            painter.setPen(QPen(colour, 2, Qt::DashLine));
            painter.drawLine(QPointF(legendLeft - 4, legendY + 5), QPointF(legendLeft + 12, legendY + 5));
        } else {
            painter.fillRect(QRectF(legendLeft, legendY, 10, 10), colour);
        }
        painter.setPen(palette().text().color());
        painter.drawText(QPointF(legendLeft + 14, legendY + 9),
                         painter.fontMetrics().elidedText(QString::fromStdString(series_.curves[c].name), Qt::ElideRight, 226));
    }
    painter.setPen(palette().text().color());
    if (bars || !series_.xTicks.empty()) {
        for (std::size_t i = 0; i < series_.x.size(); ++i) {
            const QString tick = i < series_.xTicks.size() ? QString::fromStdString(series_.xTicks[i]) : QString::number(series_.x[i], 'g', 4);
            const double centre = bars ? toBarX(i) : toPoint(series_.x[i], 0).x();
            const double left = std::clamp(centre - slot / 2, 0.0, std::max(0.0, width() - slot)); // the last label stays whole
            painter.drawText(QRectF(left, plot.bottom() + 2, slot, 16), Qt::AlignCenter, tick);
        }
    } else {
        painter.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), 16), Qt::AlignLeft, QString::number(xMin_, 'g', 4));
        painter.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), 16), Qt::AlignRight, QString::number(xMax_, 'g', 4));
    }
    painter.drawText(QRectF(plot.left(), plot.bottom() + 16, plot.width(), 16), Qt::AlignHCenter, QString::fromStdString(series_.xLabel));
    // Thousands written out ("5380", not "5.38e+03"): the left margin is narrow.
    const auto axisLabel = [](double v) { return std::abs(v) >= 1000 && std::abs(v) < 1e7 ? QString::number(v, 'f', 0) : QString::number(v, 'g', 3); };
    painter.drawText(QRectF(0, plot.top() - 6, plot.left() - 4, 16), Qt::AlignRight, axisLabel(yMax_));
    painter.drawText(QRectF(0, plot.bottom() - 10, plot.left() - 4, 16), Qt::AlignRight, axisLabel(yMin_));
}

void SeriesView::mouseReleaseEvent(QMouseEvent* event)
{
    if (plotArea().contains(event->position())) {
        const int index = indexAt(event->pos());
        if (index >= 0)
            emit indexClicked(index);
    }
}

} // namespace ls::views
