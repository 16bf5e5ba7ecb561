#include "LiveStreamWindow.h"

#include "engine/signals/InstabilityEngine.h"
#include "engine/signals/TraceExport.h"
#include "views/SeriesView.h"
#include "views/TokenTraceView.h"

#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTextEdit>
#include <QVBoxLayout>

namespace ls::live {

namespace {
constexpr int kRefreshIntervalMs = 100;
constexpr auto kDefaultKeyVariable = "OPENAI_API_KEY";
} // namespace

LiveStreamWindow::LiveStreamWindow(QWidget* parent)
    : QWidget(parent, Qt::Window)
    , baseUrl_(new QLineEdit(QStringLiteral("http://127.0.0.1:8000/v1")))
    , model_(new QLineEdit)
    , prompt_(new QPlainTextEdit)
    , maxTokens_(new QSpinBox)
    , topLogprobs_(new QSpinBox)
    , temperature_(new QDoubleSpinBox)
    , keyVariable_(new QLineEdit(QString::fromLatin1(kDefaultKeyVariable)))
    , typedKey_(new QLineEdit)
    , keyHint_(new QLabel)
    , startButton_(new QPushButton(tr("Start streaming")))
    , cancelButton_(new QPushButton(tr("Cancel")))
    , status_(new QLabel(tr("Not connected")))
    , traceView_(new views::TokenTraceView)
    , seriesView_(new views::SeriesView)
{
    setWindowTitle(tr("Live trace — OpenAI-compatible server"));
    setObjectName("liveStreamWindow");
    baseUrl_->setToolTip(tr("The server's API root; /chat/completions is appended (OpenAI, vLLM, llama.cpp server, ...)."));
    model_->setPlaceholderText(tr("model name as the server knows it"));
    prompt_->setPlainText(tr("A farmer has 17 sheep. All but 9 run away. How many are left? Think step by step."));
    prompt_->setMaximumHeight(80);
    maxTokens_->setRange(1, 32768);
    maxTokens_->setValue(256);
    topLogprobs_->setRange(1, 20); // OpenAI's limit; the signals need at least one alternative
    topLogprobs_->setValue(5);
    temperature_->setRange(0, 2);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(1.0);
    keyVariable_->setToolTip(tr("Environment variable holding the API key (read when streaming starts)."));
    typedKey_->setEchoMode(QLineEdit::Password);
    typedKey_->setPlaceholderText(tr("or type a key for this session (never saved)"));
    cancelButton_->setEnabled(false);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Names for scripts and tests, which reach this window through the studio, not this class.
    baseUrl_->setObjectName("baseUrl");
    prompt_->setObjectName("prompt");
    typedKey_->setObjectName("typedKey");
    startButton_->setObjectName("start");
    cancelButton_->setObjectName("cancel");
    status_->setObjectName("status");
    traceView_->setObjectName("liveTrace");

    auto* form = new QFormLayout;
    form->addRow(tr("Base URL"), baseUrl_);
    form->addRow(tr("Model"), model_);
    form->addRow(tr("Prompt"), prompt_);
    auto* numbers = new QHBoxLayout;
    numbers->addWidget(new QLabel(tr("Max tokens")));
    numbers->addWidget(maxTokens_);
    numbers->addWidget(new QLabel(tr("top_logprobs")));
    numbers->addWidget(topLogprobs_);
    numbers->addWidget(new QLabel(tr("Temperature")));
    numbers->addWidget(temperature_);
    numbers->addStretch();
    form->addRow(numbers);
    auto* key = new QHBoxLayout;
    key->addWidget(keyVariable_, 1);
    key->addWidget(typedKey_, 2);
    form->addRow(tr("API key"), key);
    form->addRow(QString(), keyHint_);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(startButton_);
    buttons->addWidget(cancelButton_);
    buttons->addWidget(status_, 1);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(traceView_);
    split->addWidget(seriesView_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(split, 1);
    resize(1000, 780);

    connect(startButton_, &QPushButton::clicked, this, &LiveStreamWindow::start);
    connect(cancelButton_, &QPushButton::clicked, this, &LiveStreamWindow::cancel);
    new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this, [this] { start(); });
    connect(keyVariable_, &QLineEdit::textChanged, this, &LiveStreamWindow::updateKeyHint);
    connect(typedKey_, &QLineEdit::textChanged, this, &LiveStreamWindow::updateKeyHint);
    connect(&client_, &live::LiveTraceClient::tokensArrived, this, [this](int) {
        if (firstTokenMs_ < 0)
            firstTokenMs_ = sinceStart_.elapsed();
        viewsStale_ = true;
    });
    connect(&client_, &live::LiveTraceClient::ended, this, &LiveStreamWindow::onEnded);
    refreshTimer_.setInterval(kRefreshIntervalMs);
    connect(&refreshTimer_, &QTimer::timeout, this, [this] {
        if (viewsStale_)
            refreshViews();
    });
    connect(seriesView_, &views::SeriesView::indexClicked, traceView_, &views::TokenTraceView::scrollToStep);
    connect(traceView_, &views::TokenTraceView::spanSelected, seriesView_, &views::SeriesView::setHighlight);
    updateKeyHint();
}

QString LiveStreamWindow::keySource() const
{
    if (!typedKey_->text().isEmpty())
        return tr("typed key");
    const QString variable = keyVariable_->text().trimmed();
    if (!variable.isEmpty() && qEnvironmentVariableIsSet(variable.toLocal8Bit().constData()))
        return QStringLiteral("$") + variable;
    return {};
}

void LiveStreamWindow::updateKeyHint()
{
    const QString source = keySource();
    keyHint_->setText(source.isEmpty() ? tr("No key: requests go without Authorization (fine for local servers).")
                                       : tr("Key from %1; sent only as the Authorization header.").arg(source));
}

live::LiveRequest LiveStreamWindow::request() const
{
    live::LiveRequest request;
    request.baseUrl = QUrl::fromUserInput(baseUrl_->text().trimmed());
    request.model = model_->text().trimmed();
    request.prompt = prompt_->toPlainText();
    request.maxTokens = maxTokens_->value();
    request.topLogprobs = topLogprobs_->value();
    request.temperature = temperature_->value();
    request.apiKey = typedKey_->text();
    if (request.apiKey.isEmpty() && !keyVariable_->text().trimmed().isEmpty())
        request.apiKey = qEnvironmentVariable(keyVariable_->text().trimmed().toLocal8Bit().constData());
    return request;
}

nlohmann::json LiveStreamWindow::settings() const
{
    nlohmann::json settings = live::describe(request());
    settings["keyVariable"] = keyVariable_->text().toStdString(); // the variable's name, not its value
    return settings;
}

void LiveStreamWindow::applySettings(const nlohmann::json& settings)
{
    if (!settings.is_object())
        return;
    const auto text = [&](const char* key, const QString& fallback) {
        return settings.contains(key) && settings[key].is_string() ? QString::fromStdString(settings[key].get<std::string>()) : fallback;
    };
    baseUrl_->setText(text("baseUrl", baseUrl_->text()));
    model_->setText(text("model", model_->text()));
    prompt_->setPlainText(text("prompt", prompt_->toPlainText()));
    keyVariable_->setText(text("keyVariable", keyVariable_->text()));
    if (settings.contains("maxTokens") && settings["maxTokens"].is_number_integer())
        maxTokens_->setValue(settings["maxTokens"].get<int>());
    if (settings.contains("topLogprobs") && settings["topLogprobs"].is_number_integer())
        topLogprobs_->setValue(settings["topLogprobs"].get<int>());
    if (settings.contains("temperature") && settings["temperature"].is_number())
        temperature_->setValue(settings["temperature"].get<double>());
}

bool LiveStreamWindow::start()
{
    const live::LiveRequest request = this->request();
    if (!request.baseUrl.isValid() || request.baseUrl.scheme().isEmpty() || !request.baseUrl.scheme().startsWith("http")) {
        status_->setText(tr("The base URL must be an http(s) URL, e.g. http://127.0.0.1:8000/v1"));
        return false;
    }
    if (!client_.start(request))
        return false;
    sinceStart_.start();
    firstTokenMs_ = -1;
    startButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    status_->setText(tr("Connecting to %1…").arg(live::chatCompletionsUrl(request.baseUrl).toString(QUrl::RemoveUserInfo)));
    refreshViews();
    refreshTimer_.start();
    return true;
}

void LiveStreamWindow::cancel()
{
    client_.cancel();
}

void LiveStreamWindow::refreshViews()
{
    viewsStale_ = false;
    const auto& set = client_.received();
    const auto& trace = client_.trace();
    const auto signals_ = reasoning::computeSignals(trace, {});
    const Series series = reasoning::signalSeriesOf(signals_);
    seriesView_->setSeries(series, tr("Live signals"));
    if (!trace.steps.empty())
        seriesView_->addMarkers({{static_cast<double>(signals_.peakStep), tr("peak")}});
    traceView_->setTrace(reasoning::tokenTraceOf(trace, set.vocabulary), signals_.instability, tr("instability I"),
                         {{tr("JSD shift D"), signals_.divergence}, {tr("entropy H"), signals_.entropy}});
    // Follow the newest token while streaming.
    if (client_.isActive())
        traceView_->textView()->verticalScrollBar()->setValue(traceView_->textView()->verticalScrollBar()->maximum());
    if (client_.isActive() && !trace.steps.empty()) {
        const double seconds = sinceStart_.elapsed() / 1000.0;
        status_->setText(tr("Streaming: %1 tokens, %2 tokens/s, first token after %3 ms; peak I = %4 at token %5")
                             .arg(trace.steps.size())
                             .arg(trace.steps.size() / std::max(seconds, 1e-3), 0, 'f', 1)
                             .arg(firstTokenMs_)
                             .arg(signals_.peakStrength, 0, 'f', 3)
                             .arg(signals_.peakStep));
    }
}

void LiveStreamWindow::onEnded(live::LiveState state, const QString& message)
{
    refreshTimer_.stop();
    refreshViews();
    startButton_->setEnabled(true);
    cancelButton_->setEnabled(false);
    const bool failed = state == live::LiveState::Failed;
    status_->setText((failed ? tr("Failed: ") : QString()) + message);
    emit logMessage(tr("Live stream: %1").arg(message), failed);
    const auto& trace = client_.trace();
    if (trace.steps.empty())
        return;
    // The trace is kept however the stream ended: a file first, then the session (via traceSaved).
    const QString folder = traceFolder_.isEmpty() ? QDir::temp().filePath("latency-studio-live") : traceFolder_;
    QString model = request().model.isEmpty() ? QStringLiteral("live") : request().model;
    model.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    const QString path = QDir(folder).filePath(
        QStringLiteral("%1-%2.jsonl").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")), model));
    try {
        QDir().mkpath(folder);
        nlohmann::json extra = live::describe(request());
        extra["stream_state"] = live::toString(state);
        if (!client_.finishReason().isEmpty())
            extra["finish_reason"] = client_.finishReason().toStdString();
        reasoning::writeChatCompletionsJsonl(path.toStdString(), client_.received(), {{"live", extra}});
    } catch (const std::exception& error) {
        emit logMessage(tr("Could not save the live trace: %1").arg(QString::fromUtf8(error.what())), true);
        return;
    }
    emit traceSaved(path, message);
}

} // namespace ls::live
