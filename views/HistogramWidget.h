#pragma once
// A histogram of latency samples (one set, or two overlaid for a comparison), drawn with QPainter.
#include <QWidget>
#include <vector>

namespace ls::views {

class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget* parent = nullptr);

    // Samples in microseconds; `second` may be empty. Labels name the sets in the legend.
    void setSamples(const QString& title, std::vector<double> first, const QString& firstLabel,
                    std::vector<double> second = {}, const QString& secondLabel = {});
    void setLogCounts(bool logCounts);
    QSize sizeHint() const override { return {420, 180}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString title_, firstLabel_, secondLabel_;
    std::vector<double> first_, second_;
    bool logCounts_ = false;
};

} // namespace ls::views
