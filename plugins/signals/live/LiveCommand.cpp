// latency-studio-cli live (a command the signals plugin adds): stream one completion with
// log-probabilities from an OpenAI-compatible server, echo the text as it arrives, and save the
// trace as JSONL for `run reasoning.instability`.
#include "LiveCommand.h"

#include "engine/signals/TraceExport.h"
#include "plugins/signals/live/LiveTraceClient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>
#include <atomic>
#include <csignal>
#include <cstdio>

namespace ls::live {
namespace {

using namespace ls::cli; // the exit codes

std::atomic<bool> gInterrupted{false};
void onInterrupt(int) { gInterrupted = true; }

int liveCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription("Stream a completion with token log-probabilities from an OpenAI-compatible server "
                                     "(OpenAI, vLLM, llama.cpp server) and save it as a trace file. Ctrl+C stops and keeps "
                                     "what arrived. The API key is read from an environment variable and never written.");
    parser.addHelpOption();
    parser.addOptions({
        {"base-url", "API root; /chat/completions is appended.", "url", "http://127.0.0.1:8000/v1"},
        {"model", "Model name.", "name"},
        {"prompt", "The user message.", "text"},
        {"max-tokens", "Most tokens to generate (default 256).", "N", "256"},
        {"top-logprobs", "Alternatives per token, 1–20 (default 5).", "K", "5"},
        {"temperature", "Sampling temperature (default 1).", "T", "1"},
        {"key-env", "Environment variable holding the API key (default OPENAI_API_KEY; unset: no key).", "VAR", "OPENAI_API_KEY"},
        {"out", "Trace file to write (JSONL, OpenAI chat-completion shape).", "file.jsonl"},
        {"quiet", "Do not echo the text."},
    });
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "latency-studio-cli live: %s\n", qPrintable(parser.errorText()));
        return kUsage;
    }
    if (parser.isSet("help")) {
        std::printf("%s", qPrintable(parser.helpText()));
        return kOk;
    }
    if (!parser.isSet("prompt") || !parser.isSet("out")) {
        std::fprintf(stderr, "latency-studio-cli live: --prompt and --out are required (see --help)\n");
        return kUsage;
    }
    LiveRequest request;
    request.baseUrl = QUrl::fromUserInput(parser.value("base-url"));
    request.model = parser.value("model");
    request.prompt = parser.value("prompt");
    bool ok[3] = {};
    request.maxTokens = parser.value("max-tokens").toInt(&ok[0]);
    request.topLogprobs = parser.value("top-logprobs").toInt(&ok[1]);
    request.temperature = parser.value("temperature").toDouble(&ok[2]);
    if (!ok[0] || !ok[1] || !ok[2] || request.maxTokens < 1 || request.topLogprobs < 1 || request.topLogprobs > 20) {
        std::fprintf(stderr, "latency-studio-cli live: --max-tokens ≥ 1, --top-logprobs 1–20 and --temperature take numbers\n");
        return kUsage;
    }
    request.apiKey = qEnvironmentVariable(parser.value("key-env").toLocal8Bit().constData());

    LiveTraceClient client;
    const bool echo = !parser.isSet("quiet");
    std::size_t echoed = 0;
    QObject::connect(&client, &LiveTraceClient::tokensArrived, [&](int total) {
        for (; echo && echoed < static_cast<std::size_t>(total); ++echoed) {
            std::fputs(client.received().vocabulary.text(client.trace().steps[echoed].chosen).c_str(), stdout);
            std::fflush(stdout);
        }
    });
    QEventLoop loop;
    QObject::connect(&client, &LiveTraceClient::ended, &loop, &QEventLoop::quit);
    QTimer interruptPoll;
    QObject::connect(&interruptPoll, &QTimer::timeout, [&] {
        if (gInterrupted)
            client.cancel();
    });
    std::signal(SIGINT, onInterrupt);
    interruptPoll.start(100);
    client.start(request);
    loop.exec();
    if (echo)
        std::fputs("\n", stdout);

    const auto state = client.state();
    std::fprintf(stderr, "%s\n", qPrintable(client.message()));
    if (!client.trace().steps.empty()) {
        try {
            nlohmann::json extra = describe(request);
            extra["stream_state"] = toString(state);
            reasoning::writeChatCompletionsJsonl(parser.value("out").toStdString(), client.received(), {{"live", extra}});
            std::fprintf(stderr, "trace written to %s\n", qPrintable(parser.value("out")));
        } catch (const std::exception& error) {
            std::fprintf(stderr, "latency-studio-cli live: %s\n", error.what());
            return kFileError;
        }
    }
    return state == LiveState::Finished ? kOk : state == LiveState::Cancelled ? kCancelled : kRunFailed;
}

} // namespace

CliCommand liveCliCommand()
{
    return {"live",
            "  live --prompt P --out T.jsonl [--base-url URL] [--model M] [--max-tokens N] [--top-logprobs K]\n"
            "      [--key-env VAR]              stream a completion with log-probabilities from an OpenAI-compatible\n"
            "                                   server and save the trace (then: run reasoning.instability)\n",
            liveCommand};
}

} // namespace ls::live
