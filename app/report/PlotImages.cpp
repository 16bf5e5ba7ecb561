#include "PlotImages.h"

#include "views/GridImageView.h"
#include "views/HistogramWidget.h"
#include "views/SeriesView.h"
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
    // The studio's own plot, so that a report shows what the user saw (bars included).
    views::SeriesView widget;
    widget.setSeries(series, title);
    return renderWidget(widget, {640, 240});
}

QImage gridImage(const Grid& grid, const QString& title)
{
    if (grid.width <= 0 || grid.height <= 0 || grid.values.empty())
        return {};
    const auto [lowest, highest] = std::minmax_element(grid.values.begin(), grid.values.end());
    float low = *lowest, high = *highest;
    QImage cells;
    if (grid.showAsImage || grid.heatColours) { // drawn as the studio's tab draws it (grey pictures, heat-coloured maps)
        cells = views::GridImageView::toImage(grid, &low, &high);
    } else {
        const double span = std::max(1e-30, static_cast<double>(high - low));
        cells = QImage(grid.width, grid.height, QImage::Format_RGB32);
        for (int y = 0; y < grid.height; ++y)
            for (int x = 0; x < grid.width; ++x) // first channel
                cells.setPixelColor(x, y, rampColour((grid.values[(static_cast<std::size_t>(y) * grid.width + x) * grid.channels] - low) / span));
    }
    if (cells.isNull())
        return {};
    const int width = 640, height = std::clamp(width * grid.height / grid.width, 80, 640);
    QImage image(QSize(width, height + 44) * kPrintScale, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.scale(kPrintScale, kPrintScale);
    painter.drawText(QRectF(8, 4, width - 16, 18), Qt::AlignLeft, title);
    painter.drawImage(QRectF(0, 22, width, height), cells);
    painter.drawText(QRectF(8, height + 24, width - 16, 18), Qt::AlignLeft,
                     QStringLiteral("%1 … %2 %3  (%4 × %5; x: %6, y: %7)")
                         .arg(low, 0, 'g', 4)
                         .arg(high, 0, 'g', 4)
                         .arg(QString::fromStdString(grid.valueUnits))
                         .arg(grid.width)
                         .arg(grid.height)
                         .arg(QString::fromStdString(grid.xLabel), QString::fromStdString(grid.yLabel)));
    return image;
}

} // namespace ls::report
