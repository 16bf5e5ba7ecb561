#pragma once
// Per-stage latency of a run (count, mean, median, σ, CV, percentiles) with a histogram of the
// selected stage; pick a second run to compare the two side by side (ratio per stage).
#include "engine/core/LatencyComparison.h"
#include "engine/core/LatencyRecorder.h"

#include <QWidget>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QTableWidget;

namespace ls::views {

class HistogramWidget;

struct LatencyEntry {
    int runId = 0;
    QString label;
    LatencyRecord record;
};

class LatencyView : public QWidget {
    Q_OBJECT
public:
    explicit LatencyView(QWidget* parent = nullptr);

    void setEntries(std::vector<LatencyEntry> entries); // keeps the selection when still present
    void selectRun(int runId);
    void compareWith(int runId); // 0: no comparison
    int selectedRun() const;
    int comparedRun() const;
    void selectStage(const QString& path); // selects its row (no-op if absent)

    QTableWidget* stageTable() const { return table_; }
    HistogramWidget* histogram() const { return histogram_; }

signals:
    void selectedRunChanged(int runId);
    void comparedRunChanged(int runId); // 0: none
    void stageSelected(const QString& path);

private:
    const LatencyEntry* entry(int runId) const;
    void rebuildTable();
    void showStageHistogram();
    void fillComparison(const std::vector<StageComparison>& rows);

    std::vector<LatencyEntry> entries_;
    QComboBox* runBox_;
    QComboBox* compareBox_;
    QLabel* deviceLabel_;
    QTableWidget* table_;
    HistogramWidget* histogram_;
    QCheckBox* logCounts_;
};

} // namespace ls::views
