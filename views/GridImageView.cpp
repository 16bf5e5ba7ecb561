#include "GridImageView.h"

#include "ColourRamp.h"

#include <QPainter>
#include <QSlider>
#include <algorithm>
#include <cmath>

namespace ls::views {

namespace {
constexpr int kColourBarWidth = 14;
constexpr int kSliderHeight = 24;
} // namespace

GridImageView::GridImageView(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(200, 150);
    layerSlider_ = new QSlider(Qt::Horizontal, this);
    layerSlider_->setObjectName("layer");
    layerSlider_->hide();
    connect(layerSlider_, &QSlider::valueChanged, this, &GridImageView::setLayer);
}

QImage GridImageView::toImage(const Grid& grid, float* lowOut, float* highOut, int layer)
{
    if (grid.height <= 0 || grid.width <= 0 || grid.values.size() != static_cast<std::size_t>(grid.height) * grid.width * grid.channels)
        return {};
    const bool layered = !grid.layerLabel.empty();
    layer = std::clamp(layer, 0, grid.channels - 1);
    // One scale for all layers, so that stepping through them compares like with like.
    float low = INFINITY, high = -INFINITY;
    for (float v : grid.values)
        if (std::isfinite(v)) {
            low = std::min(low, v);
            high = std::max(high, v);
        }
    if (!(low <= high))
        low = 0, high = 1;
    if (!grid.heatColours && low >= 0 && high <= 1) // an image already: keep its own brightness
        low = 0, high = 1;
    if (lowOut)
        *lowOut = low;
    if (highOut)
        *highOut = high;
    const float span = high > low ? high - low : 1.0f;
    auto level = [&](float v) { return std::isfinite(v) ? std::clamp(static_cast<int>((v - low) * 255.0f / span + 0.5f), 0, 255) : 0; };
    const bool rgb = !layered && grid.channels >= 3;
    QImage image(grid.width, grid.height, QImage::Format_RGB32);
    for (int y = 0; y < grid.height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < grid.width; ++x) {
            const float* cell = grid.values.data() + (static_cast<std::size_t>(y) * grid.width + x) * grid.channels;
            const float value = cell[layered ? layer : 0];
            if (grid.heatColours && !rgb)
                line[x] = std::isfinite(value) ? heatColour((value - low) / span) : qRgb(0, 0, 0);
            else if (rgb)
                line[x] = qRgb(level(cell[0]), level(cell[1]), level(cell[2]));
            else
                line[x] = qRgb(level(value), level(value), level(value));
        }
    }
    return image;
}

void GridImageView::setGrid(const Grid& grid, const QString& title)
{
    grid_ = grid;
    title_ = title;
    xLabel_ = QString::fromStdString(grid.xLabel);
    yLabel_ = QString::fromStdString(grid.yLabel);
    const int layers = grid.layerCount();
    layer_ = std::clamp(layer_, 0, layers - 1);
    {
        const QSignalBlocker block(layerSlider_);
        layerSlider_->setRange(0, layers - 1);
        layerSlider_->setValue(layer_);
    }
    layerSlider_->setVisible(layers > 1);
    refreshImage();
}

void GridImageView::setLayer(int layer)
{
    layer = std::clamp(layer, 0, grid_.layerCount() - 1);
    if (layer == layer_ && !image_.isNull())
        return;
    layer_ = layer;
    if (layerSlider_->value() != layer)
        layerSlider_->setValue(layer);
    refreshImage();
}

void GridImageView::refreshImage()
{
    image_ = toImage(grid_, &low_, &high_, layer_);
    const QString units = grid_.valueUnits.empty() ? QString() : " " + QString::fromStdString(grid_.valueUnits);
    range_ = grid_.heatColours ? tr("%1 × %2, %3 … %4%5").arg(grid_.width).arg(grid_.height).arg(low_, 0, 'g', 4).arg(high_, 0, 'g', 4).arg(units)
                               : tr("%1 × %2, black %3 … white %4%5").arg(grid_.width).arg(grid_.height).arg(low_, 0, 'g', 4).arg(high_, 0, 'g', 4).arg(units);
    if (grid_.layerCount() > 1)
        range_ = tr("%1 %2 of %3 · ").arg(QString::fromStdString(grid_.layerLabel)).arg(layer_).arg(grid_.layerCount()) + range_;
    update();
}

void GridImageView::resizeEvent(QResizeEvent*)
{
    layerSlider_->setGeometry(8, height() - kSliderHeight - 2, width() - 16, kSliderHeight);
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
    const int barSpace = grid_.heatColours ? kColourBarWidth + 12 + metrics.horizontalAdvance("-0.0000e+00") : 0;
    const int sliderSpace = layerSlider_->isVisible() ? kSliderHeight + 4 : 0;
    const QRect area(8 + line, 8 + line, width() - 24 - line - barSpace, height() - 24 - 2 * line - sliderSpace);
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
    if (grid_.heatColours) { // the colour bar: high at the top, as a map's legend reads
        const QRect bar(target.right() + 10, target.top(), kColourBarWidth, target.height());
        for (int y = 0; y < bar.height(); ++y)
            painter.fillRect(QRect(bar.left(), bar.top() + y, bar.width(), 1), QColor(heatColour(1.0f - (y + 0.5f) / bar.height())));
        painter.drawRect(bar.adjusted(0, 0, -1, -1));
        painter.drawText(QPoint(bar.right() + 4, bar.top() + metrics.ascent()), QString::number(high_, 'g', 4));
        painter.drawText(QPoint(bar.right() + 4, bar.bottom()), QString::number(low_, 'g', 4));
    }
}

} // namespace ls::views
