#pragma once
// A Grid dataset shown as a picture: one channel in greyscale over its value range (or [0, 1]
// when the values lie inside it, so images keep their brightness), three channels as RGB; scaled
// up with whole pixels so cells stay crisp, with the title, the axes' names and the value range.
#include "engine/core/Dataset.h"

#include <QImage>
#include <QWidget>

namespace ls::views {

class GridImageView : public QWidget {
    Q_OBJECT
public:
    explicit GridImageView(QWidget* parent = nullptr);
    void setGrid(const Grid& grid, const QString& title);
    const QImage& image() const { return image_; } // one pixel per cell
    QSize sizeHint() const override { return {640, 480}; }

    static QImage toImage(const Grid& grid, float* low = nullptr, float* high = nullptr);

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage image_;
    QString title_, xLabel_, yLabel_, range_;
};

} // namespace ls::views
