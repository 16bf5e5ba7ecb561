#include "GridImageView.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace ls::views {

GridImageView::GridImageView(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(200, 150);
}

QImage GridImageView::toImage(const Grid& grid, float* lowOut, float* highOut)
{
    if (grid.height <= 0 || grid.width <= 0 || grid.values.size() != static_cast<std::size_t>(grid.height) * grid.width * grid.channels)
        return {};
    float low = INFINITY, high = -INFINITY;
    for (float v : grid.values)
        if (std::isfinite(v)) {
            low = std::min(low, v);
            high = std::max(high, v);
        }
    if (!(low <= high))
        low = 0, high = 1;
    if (low >= 0 && high <= 1) // an image already: keep its own brightness
        low = 0, high = 1;
    if (lowOut)
        *lowOut = low;
    if (highOut)
        *highOut = high;
    const float scale = high > low ? 255.0f / (high - low) : 0.0f;
    auto level = [&](float v) { return std::isfinite(v) ? std::clamp(static_cast<int>((v - low) * scale + 0.5f), 0, 255) : 0; };
    QImage image(grid.width, grid.height, QImage::Format_RGB32);
    for (int y = 0; y < grid.height; ++y)
        for (int x = 0; x < grid.width; ++x) {
            const float* cell = grid.values.data() + (static_cast<std::size_t>(y) * grid.width + x) * grid.channels;
            const int r = level(cell[0]);
            const int g = grid.channels >= 3 ? level(cell[1]) : r, b = grid.channels >= 3 ? level(cell[2]) : r;
            image.setPixel(x, y, qRgb(r, g, b));
        }
    return image;
}

void GridImageView::setGrid(const Grid& grid, const QString& title)
{
    float low = 0, high = 1;
    image_ = toImage(grid, &low, &high);
    title_ = title;
    xLabel_ = QString::fromStdString(grid.xLabel);
    yLabel_ = QString::fromStdString(grid.yLabel);
    range_ = tr("%1 × %2, black %3 … white %4%5")
                 .arg(grid.width)
                 .arg(grid.height)
                 .arg(low, 0, 'g', 4)
                 .arg(high, 0, 'g', 4)
                 .arg(grid.valueUnits.empty() ? QString() : " " + QString::fromStdString(grid.valueUnits));
    update();
}

void GridImageView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().window());
    const QFontMetrics metrics = painter.fontMetrics();
    const int line = metrics.height();
    painter.drawText(QRect(8, 4, width() - 16, line), Qt::AlignLeft, title_);
    painter.drawText(QRect(8, 4, width() - 16, line), Qt::AlignRight, range_);
    if (image_.isNull()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("(empty grid)"));
        return;
    }
    const QRect area(8 + line, 8 + line, width() - 24 - line, height() - 24 - 2 * line);
    // Whole-pixel scaling keeps every cell a crisp square block.
    const int factor = std::max(1, std::min(area.width() / image_.width(), area.height() / image_.height()));
    const QSize shown = factor > 1 || (image_.width() <= area.width() && image_.height() <= area.height())
                            ? image_.size() * factor
                            : image_.size().scaled(area.size(), Qt::KeepAspectRatio);
    const QRect target(area.left() + (area.width() - shown.width()) / 2, area.top() + (area.height() - shown.height()) / 2, shown.width(),
                       shown.height());
    painter.drawImage(target, image_);
    painter.drawText(QRect(target.left(), target.bottom() + 4, target.width(), line), Qt::AlignHCenter, xLabel_);
    painter.save();
    painter.translate(target.left() - 4, target.center().y());
    painter.rotate(-90);
    painter.drawText(QRect(-target.height() / 2, -line, target.height(), line), Qt::AlignHCenter, yLabel_);
    painter.restore();
}

} // namespace ls::views
