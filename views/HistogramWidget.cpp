#include "HistogramWidget.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace ls::views {
namespace {

std::vector<int> binCounts(const std::vector<double>& samples, double low, double width, int bins)
{
    std::vector<int> counts(bins, 0);
    for (double s : samples) {
        const int bin = width > 0 ? static_cast<int>((s - low) / width) : 0;
        ++counts[std::clamp(bin, 0, bins - 1)];
    }
    return counts;
}

} // namespace

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(140);
    setAutoFillBackground(true);
}

void HistogramWidget::setSamples(const QString& title, std::vector<double> first, const QString& firstLabel,
                                 std::vector<double> second, const QString& secondLabel)
{
    title_ = title;
    first_ = std::move(first);
    second_ = std::move(second);
    firstLabel_ = firstLabel;
    secondLabel_ = secondLabel;
    update();
}

void HistogramWidget::setLogCounts(bool logCounts)
{
    logCounts_ = logCounts;
    update();
}

void HistogramWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const QRect plot = rect().adjusted(48, 40, -12, -28); // room for a two-line legend
    painter.setPen(palette().text().color());
    painter.drawText(rect().adjusted(8, 4, -8, 0), Qt::AlignTop | Qt::AlignLeft, title_);
    if (first_.empty() && second_.empty()) {
        painter.drawText(plot, Qt::AlignCenter, tr("Select a run and a stage to see its distribution"));
        return;
    }
    double low = std::numeric_limits<double>::max(), high = std::numeric_limits<double>::lowest();
    for (const auto* set : {&first_, &second_})
        for (double s : *set) {
            low = std::min(low, s);
            high = std::max(high, s);
        }
    const int bins = std::clamp(static_cast<int>(std::sqrt(static_cast<double>(first_.size() + second_.size()))) + 4, 8, 60);
    const double width = (high - low) / bins;
    const auto a = binCounts(first_, low, width, bins);
    const auto b = binCounts(second_, low, width, bins);
    const int peak = std::max(*std::max_element(a.begin(), a.end()), b.empty() ? 0 : *std::max_element(b.begin(), b.end()));
    auto barHeight = [&](int count) {
        const double scale = logCounts_ ? std::log1p(count) / std::log1p(peak) : static_cast<double>(count) / peak;
        return static_cast<int>(scale * plot.height());
    };

    const double binPixels = static_cast<double>(plot.width()) / bins;
    const QColor firstColour(70, 140, 230, 200), secondColour(240, 140, 40, 150);
    for (int i = 0; i < bins; ++i) {
        const int x = plot.left() + static_cast<int>(i * binPixels);
        const int w = std::max(1, static_cast<int>(binPixels) - 1);
        if (a[i]) painter.fillRect(x, plot.bottom() - barHeight(a[i]), w, barHeight(a[i]), firstColour);
        if (!b.empty() && b[i]) painter.fillRect(x, plot.bottom() - barHeight(b[i]), w, barHeight(b[i]), secondColour);
    }
    painter.setPen(palette().text().color());
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.drawLine(plot.bottomLeft(), plot.topLeft());
    painter.drawText(QRect(plot.left(), plot.bottom() + 4, plot.width(), 20), Qt::AlignLeft,
                     QString::number(low / 1000.0, 'f', 3) + " ms");
    painter.drawText(QRect(plot.left(), plot.bottom() + 4, plot.width(), 20), Qt::AlignRight,
                     QString::number(high / 1000.0, 'f', 3) + " ms");
    painter.drawText(QRect(0, plot.top(), plot.left() - 4, 20), Qt::AlignRight, QString::number(peak));
    painter.drawText(QRect(0, plot.bottom() - 16, plot.left() - 4, 20), Qt::AlignRight, logCounts_ ? "1" : "0");

    // Legend: one line per set, right-aligned above the plot, sized by the text itself.
    const QFontMetrics metrics = painter.fontMetrics();
    int legendY = 4;
    for (const auto& [label, colour] : {std::pair{firstLabel_, firstColour}, std::pair{secondLabel_, secondColour}}) {
        if (label.isEmpty())
            continue;
        const QString text = metrics.elidedText(label, Qt::ElideRight, plot.width() / 2);
        const int textWidth = metrics.horizontalAdvance(text);
        const int x = plot.right() - textWidth - 14;
        painter.fillRect(x, legendY + 3, 10, 10, colour);
        painter.drawText(x + 14, legendY + metrics.ascent(), text);
        legendY += metrics.height();
    }
}

} // namespace ls::views
