#pragma once
// A generated text shown token by token, each shaded by a per-step value (e.g. the instability
// index) with a colour bar; hovering a token shows its top-k alternatives and the step's values;
// the peak is marked; search and copy work as in any text view. Clicking a token, or selecting a
// span, tells linked views which steps to show.
#include "engine/core/Dataset.h"

#include <QWidget>
#include <optional>
#include <vector>

class QLabel;
class QLineEdit;
class QTextEdit;

namespace ls::views {

class TokenTraceView : public QWidget {
    Q_OBJECT
public:
    explicit TokenTraceView(QWidget* parent = nullptr);

    // `shading` (one value per token, may be empty) colours the tokens; `details` are extra named
    // per-step values shown on hover (e.g. JSD, entropy).
    void setTrace(const TokenTrace& trace, std::vector<float> shading, const QString& shadingName,
                  std::vector<std::pair<QString, std::vector<float>>> details = {});
    // Colours map this range instead of the trace's own (two traces side by side on one scale).
    void setSharedScale(std::optional<std::pair<float, float>> lowHigh) { sharedScale_ = lowHigh; }
    void scrollToStep(int step);  // selects the token and brings it into view
    int stepAt(QPoint viewportPosition) const;
    int peakStep() const { return peakStep_; }
    QTextEdit* textView() const { return text_; }

signals:
    void stepClicked(int step);
    void spanSelected(int firstStep, int lastStep);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QString tooltipFor(int step) const;
    void find(bool backwards);

    TokenTrace trace_;
    std::vector<float> shading_;
    QString shadingName_;
    std::vector<std::pair<QString, std::vector<float>>> details_;
    std::vector<int> tokenStarts_; // character offset of each token
    int peakStep_ = -1;
    std::optional<std::pair<float, float>> sharedScale_;
    QTextEdit* text_;
    QLineEdit* search_;
    QLabel* legend_;
};

} // namespace ls::views
