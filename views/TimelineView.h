#pragma once
// A run's recorded stages across repeats on a timeline (Tracy/Perfetto-like): one lane per device
// lane, nested stages on rows by depth. Wheel zooms around the cursor, drag pans, hover shows the
// instance and its stage's statistics, click selects a stage (all its instances light up).
#include "engine/core/LatencyRecorder.h"

#include <QWidget>
#include <vector>

namespace ls::views {

class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);

    void setRecord(const LatencyRecord& record, const QString& title);
    // Several runs stacked for comparison (lanes "A · CPU", "B · CPU", ...), each run's time
    // counted from its own first stage so that repeats line up.
    void setRecords(const std::vector<std::pair<const LatencyRecord*, QString>>& runs);
    void clear();
    void zoomToFit();
    void setVisibleRange(double startUs, double endUs);
    double visibleStartUs() const { return viewStartUs_; }
    double visibleEndUs() const { return viewEndUs_; }

    void selectStage(const QString& path); // empty: none
    QString selectedStage() const;
    // The stage drawn at a widget position, or empty.
    QString stageAt(QPoint position) const;
    std::size_t instanceCount() const;
    void setShowsHint(bool shows) { showsHint_ = shows; } // off for printed copies


    QSize sizeHint() const override { return {900, 260}; }

signals:
    void stageSelected(const QString& path);

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    struct Bar {
        double startUs, endUs;
        int stage; // index into stagePaths_
        int run;   // index into stageStats_
    };
    struct Lane {
        QString name;
        std::vector<std::vector<Bar>> rows; // by depth; each sorted by start (no overlaps within a row)
    };
    struct Hit {
        const Bar* bar = nullptr;
    };

    int laneTop(std::size_t lane) const;
    double xOf(double us) const;
    double usOf(double x) const;
    Hit hitAt(QPoint position) const;

    static constexpr int kLabelWidth = 96, kRulerHeight = 24, kRowHeight = 20, kLaneGap = 10;
    QString title_;
    std::vector<Lane> lanes_;
    std::vector<QString> stagePaths_;
    // Colour of each stage: stages with the same last name share one ("rate 1 rps/prefill" and
    // "rate 2 rps/prefill"), so the same kind of work reads the same across parents.
    std::vector<int> stageColours_;
    std::vector<std::vector<SampleStats>> stageStats_; // [run][stage]
    double totalStartUs_ = 0, totalEndUs_ = 1;
    double viewStartUs_ = 0, viewEndUs_ = 1;
    int selectedStage_ = -1;
    QPoint pressPosition_;
    double pressViewStartUs_ = 0;
    bool dragging_ = false;
    bool showsHint_ = true;
};

} // namespace ls::views
