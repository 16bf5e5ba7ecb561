#pragma once
// Curves over a shared x axis (a Series dataset): per-step signals, ROC curves, sweeps. Vertical
// markers label positions (early/late boundaries, a peak); a highlighted span links to a
// selection elsewhere; clicking reports the nearest sample.
#include "engine/core/Dataset.h"

#include <QWidget>

namespace ls::views {

class SeriesView : public QWidget {
    Q_OBJECT
public:
    explicit SeriesView(QWidget* parent = nullptr);

    void setSeries(const Series& series, const QString& title);
    // Marks x positions with labels, beside the series' own markers (setSeries draws those).
    void addMarkers(const std::vector<std::pair<double, QString>>& markers);
    void setHighlight(int firstIndex, int lastIndex);                 // -1: none
    const Series& series() const { return series_; }
    int indexAt(QPoint position) const;
    QSize sizeHint() const override { return {700, 260}; }
    static QColor curveColour(std::size_t curve); // the colour curve i is drawn in

signals:
    void indexClicked(int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    QRectF plotArea() const;

    Series series_;
    QString title_;
    std::vector<std::pair<double, QString>> markers_;
    int highlightFirst_ = -1, highlightLast_ = -1;
    double xMin_ = 0, xMax_ = 1, yMin_ = 0, yMax_ = 1;
};

} // namespace ls::views
