#pragma once
// Two token traces side by side, each shaded by its own per-step signal on one shared colour
// scale, above a plot of both signals on one step axis. Clicking the plot scrolls both texts.
#include "engine/core/Dataset.h"

#include <QWidget>

class QLabel;

namespace ls::views {

class SeriesView;
class TokenTraceView;

class TraceComparisonView : public QWidget {
    Q_OBJECT
public:
    explicit TraceComparisonView(QWidget* parent = nullptr);

    // `firstSignals` / `secondSignals`: per-step curves of each trace, the shading one last;
    // `both`: the two shading curves over one step axis.
    void setTraces(const TokenTrace& first, const Series& firstSignals, const TokenTrace& second, const Series& secondSignals,
                   const Series& both);
    TokenTraceView* first() const { return first_; }
    TokenTraceView* second() const { return second_; }
    SeriesView* plot() const { return plot_; }

private:
    TokenTraceView* first_;
    TokenTraceView* second_;
    SeriesView* plot_;
    QLabel* firstTitle_;
    QLabel* secondTitle_;
};

} // namespace ls::views
