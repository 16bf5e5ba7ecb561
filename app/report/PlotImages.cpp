#include "PlotImages.h"

#include "views/HistogramWidget.h"
#include "views/TimelineView.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace ls::report {
namespace {

// Widgets paint at twice their size so that the pictures stay sharp when printed.
constexpr double kPrintScale = 2.0;

QImage renderWidget(QWidget& widget, QSize size)
{
    widget.resize(size);
    QImage image(size * kPrintScale, QImage::Format_RGB32);
    image.setDevicePixelRatio(kPrintScale);
    image.fill(Qt::white);
    widget.render(&image);
    image.setDevicePixelRatio(1.0);
    return image;
}

QColor rampColour(double t)
{
    // Dark blue → cyan → yellow, the same reading as the 3D view's ramp.
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromHsvF(0.66 - 0.53 * t, 0.85, 0.45 + 0.55 * t);
}

} // namespace

QImage histogramImage(const QString& title, const std::vector<double>& first, const QString& firstLabel,
                      const std::vector<double>& second, const QString& secondLabel)
{
    views::HistogramWidget widget;
    widget.setSamples(title, first, firstLabel, second, secondLabel);
    return renderWidget(widget, {640, 200});
}

QImage timelineImage(const LatencyRecord& record, const QString& title)
{
    views::TimelineView widget;
    widget.setShowsHint(false);
    widget.setRecord(record, title);
    return renderWidget(widget, {900, std::max(140, widget.minimumHeight())});
}

QImage seriesImage(const Series& series, const QString& title)
{
    const QSize size(640, 240);
    QImage image(size * kPrintScale, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.scale(kPrintScale, kPrintScale);
    const QRectF plot(56, 28, size.width() - 72, size.height() - 64);
    painter.drawText(QRectF(8, 4, size.width() - 16, 20), Qt::AlignLeft, title);
    if (series.x.empty()) {
        painter.drawText(plot, Qt::AlignCenter, QObject::tr("no data"));
        return image;
    }
    const auto [xMin, xMax] = std::minmax_element(series.x.begin(), series.x.end());
    double yMin = 0, yMax = 0;
    for (const auto& curve : series.curves)
        for (float v : curve.values) {
            yMin = std::min<double>(yMin, v);
            yMax = std::max<double>(yMax, v);
        }
    const double xSpan = std::max(1e-30, static_cast<double>(*xMax - *xMin)), ySpan = std::max(1e-30, yMax - yMin);
    auto toPoint = [&](float x, float y) {
        return QPointF(plot.left() + (x - *xMin) / xSpan * plot.width(), plot.bottom() - (y - yMin) / ySpan * plot.height());
    };
    painter.setPen(Qt::gray);
    painter.drawRect(plot);
    const QColor colours[] = {QColor(40, 110, 200), QColor(230, 120, 30), QColor(50, 160, 80), QColor(180, 50, 160)};
    for (std::size_t c = 0; c < series.curves.size(); ++c) {
        QPolygonF line;
        for (std::size_t i = 0; i < series.x.size() && i < series.curves[c].values.size(); ++i)
            line << toPoint(series.x[i], series.curves[c].values[i]);
        painter.setPen(QPen(colours[c % 4], 1.6));
        painter.drawPolyline(line);
        painter.drawText(QPointF(plot.right() - 160, plot.top() + 14 + 14 * c), QString::fromStdString(series.curves[c].name));
    }
    painter.setPen(Qt::black);
    painter.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), 16), Qt::AlignLeft, QString::number(*xMin, 'g', 4));
    painter.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), 16), Qt::AlignRight, QString::number(*xMax, 'g', 4));
    painter.drawText(QRectF(plot.left(), plot.bottom() + 18, plot.width(), 16), Qt::AlignHCenter,
                     QString::fromStdString(series.xLabel));
    painter.drawText(QRectF(0, plot.top(), plot.left() - 4, 16), Qt::AlignRight, QString::number(yMax, 'g', 4));
    painter.drawText(QRectF(0, plot.bottom() - 14, plot.left() - 4, 16), Qt::AlignRight, QString::number(yMin, 'g', 4));
    return image;
}

QImage gridImage(const Grid& grid, const QString& title)
{
    if (grid.width <= 0 || grid.height <= 0 || grid.values.empty())
        return {};
    const auto [low, high] = std::minmax_element(grid.values.begin(), grid.values.end());
    const double span = std::max(1e-30, static_cast<double>(*high - *low));
    QImage cells(grid.width, grid.height, QImage::Format_RGB32);
    for (int y = 0; y < grid.height; ++y)
        for (int x = 0; x < grid.width; ++x) // first channel
            cells.setPixelColor(x, y, rampColour((grid.values[(static_cast<std::size_t>(y) * grid.width + x) * grid.channels] - *low) / span));
    const int width = 640, height = std::clamp(width * grid.height / grid.width, 80, 640);
    QImage image(QSize(width, height + 44) * kPrintScale, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.scale(kPrintScale, kPrintScale);
    painter.drawText(QRectF(8, 4, width - 16, 18), Qt::AlignLeft, title);
    painter.drawImage(QRectF(0, 22, width, height), cells);
    painter.drawText(QRectF(8, height + 24, width - 16, 18), Qt::AlignLeft,
                     QStringLiteral("%1 … %2 %3  (%4 × %5; x: %6, y: %7)")
                         .arg(*low, 0, 'g', 4)
                         .arg(*high, 0, 'g', 4)
                         .arg(QString::fromStdString(grid.valueUnits))
                         .arg(grid.width)
                         .arg(grid.height)
                         .arg(QString::fromStdString(grid.xLabel), QString::fromStdString(grid.yLabel)));
    return image;
}

} // namespace ls::report
