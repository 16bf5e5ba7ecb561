#pragma once
// A Grid dataset shown as a picture: one channel in greyscale over its value range (or [0, 1]
// when the values lie inside it, so images keep their brightness), or through the heat ramp with
// a colour bar when the grid asks for it; three channels as RGB; a grid of layers (frequencies)
// with a slider through them, all on one scale. Scaled up with whole pixels so cells stay crisp,
// with the title, the axes' names and the value range.
#include "engine/core/Dataset.h"

#include <QImage>
#include <QWidget>

class QSlider;

namespace ls::views {

class GridImageView : public QWidget {
    Q_OBJECT
public:
    explicit GridImageView(QWidget* parent = nullptr);
    void setGrid(const Grid& grid, const QString& title); // keeps the layer shown when it still exists
    const QImage& image() const { return image_; } // one pixel per cell
    int layer() const { return layer_; }
    void setLayer(int layer);
    QSize sizeHint() const override { return {640, 480}; }

    // Layer `layer` of a layered grid (else the grid's own channels).
    static QImage toImage(const Grid& grid, float* low = nullptr, float* high = nullptr, int layer = 0);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void refreshImage();

    Grid grid_;
    int layer_ = 0;
    QSlider* layerSlider_;
    QImage image_;
    float low_ = 0, high_ = 1;
    QString title_, xLabel_, yLabel_, range_;
};

} // namespace ls::views
