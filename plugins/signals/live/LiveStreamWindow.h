#pragma once
// The live window: streams a completion with log-probabilities from an OpenAI-compatible server
// and shows its text (shaded by the instability index) and signals growing token by token.
// When the stream ends with tokens — finished, failed or cancelled — the trace is saved as a JSONL
// file and handed on (traceSaved) so that the studio adds it to the session as a run.
//
// The API key comes from an environment variable or is typed for this session; it is held in the
// password field only, never written to the session, settings, logs or the saved trace.
#include "plugins/signals/live/LiveTraceClient.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace ls::views {
class SeriesView;
class TokenTraceView;
} // namespace ls::views

namespace ls::live {

class LiveStreamWindow : public QWidget {
    Q_OBJECT
public:
    explicit LiveStreamWindow(QWidget* parent = nullptr);

    // The form's settings without the key (for the session), and back.
    nlohmann::json settings() const;
    void applySettings(const nlohmann::json& settings);
    // Where finished traces are written (created on demand).
    void setTraceFolder(const QString& folder) { traceFolder_ = folder; }

    live::LiveRequest request() const; // the form, key included
    bool start();
    void cancel();
    const live::LiveTraceClient& client() const { return client_; }
    views::TokenTraceView* traceView() const { return traceView_; }
    views::SeriesView* seriesView() const { return seriesView_; }
    QLabel* statusLabel() const { return status_; }

    // For tests and scripted use: the form's fields.
    QLineEdit* baseUrlEdit() const { return baseUrl_; }
    QLineEdit* typedKeyEdit() const { return typedKey_; }
    QPlainTextEdit* promptEdit() const { return prompt_; }

signals:
    void traceSaved(const QString& path, const QString& summary);
    void logMessage(const QString& message, bool isError);

private:
    void refreshViews();
    void onEnded(live::LiveState state, const QString& message);
    QString keySource() const;
    void updateKeyHint();

    live::LiveTraceClient client_;
    QString traceFolder_;
    QTimer refreshTimer_;     // views redraw at most this often while tokens pour in
    QElapsedTimer sinceStart_;
    qint64 firstTokenMs_ = -1;
    bool viewsStale_ = false;

    QLineEdit* baseUrl_;
    QLineEdit* model_;
    QPlainTextEdit* prompt_;
    QSpinBox* maxTokens_;
    QSpinBox* topLogprobs_;
    QDoubleSpinBox* temperature_;
    QLineEdit* keyVariable_;
    QLineEdit* typedKey_;
    QLabel* keyHint_;
    QPushButton* startButton_;
    QPushButton* cancelButton_;
    QLabel* status_;
    views::TokenTraceView* traceView_;
    views::SeriesView* seriesView_;
};

} // namespace ls::live
