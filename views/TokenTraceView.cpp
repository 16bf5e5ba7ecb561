#include "TokenTraceView.h"

#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextEdit>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace ls::views {
namespace {

// White → amber → red: calm tokens stay readable, unstable ones stand out.
QColor shade(double t)
{
    t = std::clamp(t, 0.0, 1.0);
    if (t < 0.5)
        return QColor::fromRgbF(1.0, 1.0 - 0.25 * (t / 0.5), 1.0 - 0.75 * (t / 0.5));
    return QColor::fromRgbF(1.0, 0.75 - 0.55 * ((t - 0.5) / 0.5), 0.25 - 0.15 * ((t - 0.5) / 0.5));
}

} // namespace

TokenTraceView::TokenTraceView(QWidget* parent) : QWidget(parent)
{
    text_ = new QTextEdit(this);
    text_->setObjectName("tokenText");
    text_->setReadOnly(true);
    text_->setMouseTracking(true);
    text_->viewport()->setMouseTracking(true);
    text_->viewport()->installEventFilter(this);
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(tr("Search the text"));
    legend_ = new QLabel(this);
    auto* next = new QPushButton(tr("Next"), this);
    auto* previous = new QPushButton(tr("Previous"), this);
    auto* bar = new QHBoxLayout;
    bar->addWidget(legend_, 1);
    bar->addWidget(search_);
    bar->addWidget(previous);
    bar->addWidget(next);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(text_, 1);
    connect(next, &QPushButton::clicked, this, [this] { find(false); });
    connect(previous, &QPushButton::clicked, this, [this] { find(true); });
    connect(search_, &QLineEdit::returnPressed, this, [this] { find(false); });
    connect(text_, &QTextEdit::selectionChanged, this, [this] {
        const QTextCursor cursor = text_->textCursor();
        if (!cursor.hasSelection() || tokenStarts_.empty())
            return;
        auto stepOf = [&](int position) {
            return static_cast<int>(std::upper_bound(tokenStarts_.begin(), tokenStarts_.end(), position) - tokenStarts_.begin()) - 1;
        };
        const int first = std::max(0, stepOf(cursor.selectionStart()));
        const int last = std::max(first, stepOf(std::max(cursor.selectionStart(), cursor.selectionEnd() - 1)));
        if (last > first)
            emit spanSelected(first, last);
    });
}

void TokenTraceView::setTrace(const TokenTrace& trace, std::vector<float> shading, const QString& shadingName,
                              std::vector<std::pair<QString, std::vector<float>>> details)
{
    trace_ = trace;
    shading_ = std::move(shading);
    shadingName_ = shadingName;
    details_ = std::move(details);
    tokenStarts_.clear();
    text_->clear();
    float low = 0, high = 1;
    peakStep_ = -1;
    if (shading_.size() == trace_.tokens.size() && !shading_.empty()) {
        const auto [minIt, maxIt] = std::minmax_element(shading_.begin(), shading_.end());
        low = sharedScale_ ? sharedScale_->first : *minIt;
        high = sharedScale_ ? sharedScale_->second : *maxIt;
        if (high <= low)
            high = low + 1;
        peakStep_ = static_cast<int>(maxIt - shading_.begin());
    }
    QTextCursor cursor(text_->document());
    cursor.beginEditBlock();
    for (std::size_t t = 0; t < trace_.tokens.size(); ++t) {
        tokenStarts_.push_back(cursor.position());
        QTextCharFormat format;
        if (peakStep_ >= 0)
            format.setBackground(shade((shading_[t] - low) / (high - low)));
        if (static_cast<int>(t) == peakStep_) {
            format.setFontWeight(QFont::Bold);
            format.setFontUnderline(true);
            format.setUnderlineColor(Qt::darkRed);
        }
        cursor.insertText(QString::fromStdString(trace_.tokens[t]), format);
    }
    cursor.endEditBlock();
    legend_->setText(peakStep_ >= 0 ? tr("%1 tokens · shaded by %2 (%3 … %4; peak at step %5, underlined)")
                                          .arg(trace_.tokens.size())
                                          .arg(shadingName_)
                                          .arg(low, 0, 'g', 3)
                                          .arg(high, 0, 'g', 3)
                                          .arg(peakStep_)
                                    : tr("%1 tokens").arg(trace_.tokens.size()));
}

int TokenTraceView::stepAt(QPoint viewportPosition) const
{
    const int position = text_->cursorForPosition(viewportPosition).position();
    if (tokenStarts_.empty())
        return -1;
    const auto it = std::upper_bound(tokenStarts_.begin(), tokenStarts_.end(), position);
    return static_cast<int>(it - tokenStarts_.begin()) - 1;
}

void TokenTraceView::scrollToStep(int step)
{
    if (step < 0 || step >= static_cast<int>(tokenStarts_.size()))
        return;
    QTextCursor cursor(text_->document());
    cursor.setPosition(tokenStarts_[step]);
    cursor.setPosition(step + 1 < static_cast<int>(tokenStarts_.size()) ? tokenStarts_[step + 1] : text_->document()->characterCount() - 1,
                       QTextCursor::KeepAnchor);
    QSignalBlocker block(text_); // not a user selection: no spanSelected
    text_->setTextCursor(cursor);
    text_->ensureCursorVisible();
}

QString TokenTraceView::tooltipFor(int step) const
{
    QString html = QStringLiteral("<b>step %1:</b> %2").arg(step).arg(QString::fromStdString(trace_.tokens[step]).toHtmlEscaped());
    if (step < static_cast<int>(shading_.size()))
        html += QStringLiteral("<br>%1 = %2").arg(shadingName_).arg(shading_[step], 0, 'g', 4);
    for (const auto& [name, values] : details_)
        if (step < static_cast<int>(values.size()))
            html += QStringLiteral("<br>%1 = %2").arg(name).arg(values[step], 0, 'g', 4);
    if (trace_.topK > 0) {
        html += QStringLiteral("<br><table>");
        for (int k = 0; k < trace_.topK; ++k) {
            const float lp = trace_.topLogprobs[static_cast<std::size_t>(step) * trace_.topK + k];
            if (!std::isfinite(lp))
                break;
            html += QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td></tr>")
                        .arg(QString::fromStdString(trace_.topTokens[static_cast<std::size_t>(step) * trace_.topK + k]).toHtmlEscaped())
                        .arg(std::exp(lp), 0, 'f', 4);
        }
        html += QStringLiteral("</table>");
    }
    return html;
}

bool TokenTraceView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == text_->viewport()) {
        if (event->type() == QEvent::ToolTip) {
            auto* help = static_cast<QHelpEvent*>(event);
            const int step = stepAt(help->pos());
            if (step >= 0)
                QToolTip::showText(help->globalPos(), tooltipFor(step), text_->viewport());
            return true;
        }
        if (event->type() == QEvent::MouseButtonRelease) {
            auto* mouse = static_cast<QMouseEvent*>(event);
            if (!text_->textCursor().hasSelection()) {
                const int step = stepAt(mouse->pos());
                if (step >= 0)
                    emit stepClicked(step);
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void TokenTraceView::find(bool backwards)
{
    if (search_->text().isEmpty())
        return;
    if (!text_->find(search_->text(), backwards ? QTextDocument::FindBackward : QTextDocument::FindFlags())) {
        text_->moveCursor(backwards ? QTextCursor::End : QTextCursor::Start); // wrap around
        text_->find(search_->text(), backwards ? QTextDocument::FindBackward : QTextDocument::FindFlags());
    }
}

} // namespace ls::views
