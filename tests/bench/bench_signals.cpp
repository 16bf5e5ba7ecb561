// Reasoning-trace signals over 1M tokens with k = 20: the studio's path (interned token ids,
// hash-indexed supports per step) against a straightforward one (a std::map from token text to
// probability per step, union by lookup), in the same run, on steps that share most of their
// alternatives with the previous one; plus import throughput, the simdjson file path against the
// general importer on the same chat completions.
#include "BenchRatios.h"
#include "engine/core/Device.h"
#include "engine/signals/Signals.h"
#include "engine/signals/SignalsCuda.h"
#include "engine/signals/TraceImport.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ls::reasoning;

namespace {

constexpr int kTopK = 20;

TraceSet syntheticTraces(std::size_t tokens, std::size_t stepsPerTrace)
{
    TraceSet set;
    std::mt19937 engine(7);
    std::normal_distribution<float> logit(0.0f, 2.0f);
    std::vector<TokenId> words;
    for (int w = 0; w < 5000; ++w)
        words.push_back(set.vocabulary.intern("w" + std::to_string(w)));
    // A Zipf-like word draw, and consecutive steps that keep 12 of their 20 alternatives, as text
    // does: the straightforward baseline and the studio's path both meet shared supports, not a toy
    // vocabulary where no two steps ever share a token.
    std::vector<double> zipf(words.size());
    for (std::size_t w = 0; w < words.size(); ++w)
        zipf[w] = 1.0 / static_cast<double>(w + 1);
    std::discrete_distribution<std::size_t> pick(zipf.begin(), zipf.end());
    constexpr int kKept = 12;
    for (std::size_t done = 0; done < tokens;) {
        Trace trace;
        std::vector<TokenId> previous;
        for (std::size_t t = 0; t < stepsPerTrace && done < tokens; ++t, ++done) {
            Step step;
            double total = 0;
            std::vector<float> logits(kTopK);
            for (auto& l : logits)
                total += std::exp(l = logit(engine));
            std::vector<TokenId> support;
            if (!previous.empty()) {
                std::shuffle(previous.begin(), previous.end(), engine);
                support.assign(previous.begin(), previous.begin() + kKept);
            }
            while (support.size() < static_cast<std::size_t>(kTopK)) {
                const TokenId word = words[pick(engine)];
                if (std::find(support.begin(), support.end(), word) == support.end())
                    support.push_back(word);
            }
            for (int k = 0; k < kTopK; ++k)
                step.top.push_back({support[k], static_cast<float>(logits[k] - std::log(total))});
            previous = support;
            step.chosen = step.top.front().token;
            step.logprob = step.top.front().logprob;
            trace.steps.push_back(std::move(step));
        }
        set.traces.push_back(std::move(trace));
    }
    return set;
}

const TraceSet& millionTokens()
{
    static const TraceSet set = syntheticTraces(1'000'000, 1000);
    return set;
}

// The straightforward way: token texts as keys, a map per step.
double straightforwardSignals(const TraceSet& set)
{
    double checksum = 0;
    for (const auto& trace : set.traces) {
        std::map<std::string, double> previous;
        for (std::size_t t = 0; t < trace.steps.size(); ++t) {
            std::map<std::string, double> current;
            double total = 0;
            for (const auto& alternative : trace.steps[t].top)
                total += current[set.vocabulary.text(alternative.token)] += std::exp(alternative.logprob);
            double entropy = 0;
            for (auto& [token, p] : current) {
                p /= total;
                entropy -= p * std::log(p);
            }
            double divergence = 0;
            if (t > 0) {
                std::map<std::string, std::pair<double, double>> both;
                for (const auto& [token, p] : previous) both[token].first = p;
                for (const auto& [token, q] : current) both[token].second = q;
                for (const auto& [token, pq] : both) {
                    const double m = (pq.first + pq.second) / 2;
                    if (pq.first > 0) divergence += 0.5 * pq.first * std::log(pq.first / m);
                    if (pq.second > 0) divergence += 0.5 * pq.second * std::log(pq.second / m);
                }
            }
            checksum += divergence + 0.5 * entropy;
            previous = std::move(current);
        }
    }
    return checksum;
}

void Signals1M(benchmark::State& state)
{
    const TraceSet& set = millionTokens();
    const SignalSettings settings;
    for (auto _ : state)
        for (const auto& trace : set.traces)
            benchmark::DoNotOptimize(computeSignals(trace, settings));
    state.SetItemsProcessed(state.iterations() * 1'000'000);
}

void Straightforward1M(benchmark::State& state)
{
    const TraceSet& set = millionTokens();
    for (auto _ : state)
        benchmark::DoNotOptimize(straightforwardSignals(set));
    state.SetItemsProcessed(state.iterations() * 1'000'000);
}

// The whole per-step pass on the GPU (upload, both kernels, download) plus the per-trace summary
// on the CPU: the engine's CUDA route. The GPU kernels' own time (CUDA events) is a counter.
void CudaSignals1M(benchmark::State& state)
{
    const auto cuda = ls::enumerateCudaDevices();
    if (cuda.devices.empty()) {
        state.SkipWithError(("no CUDA device: " + cuda.reason).c_str());
        return;
    }
#if LS_HAS_CUDA
    const TraceSet& set = millionTokens();
    const SignalSettings settings;
    double kernelUs = 0;
    for (auto _ : state) {
        ls::LatencyRecorder recorder;
        const auto arrays = stepSignalsCuda(set.traces, settings, cuda.devices.front().index, recorder);
        for (std::size_t i = 0; i < set.traces.size(); ++i)
            benchmark::DoNotOptimize(summariseSignals(
                {arrays.entropy.begin() + static_cast<std::ptrdiff_t>(arrays.traceStart[i]),
                 arrays.entropy.begin() + static_cast<std::ptrdiff_t>(arrays.traceStart[i + 1])},
                {arrays.divergence.begin() + static_cast<std::ptrdiff_t>(arrays.traceStart[i]),
                 arrays.divergence.begin() + static_cast<std::ptrdiff_t>(arrays.traceStart[i + 1])},
                settings));
        for (const auto& sample : recorder.record().samples)
            if (sample.lane == "gpu" && (sample.path.ends_with("distributions") || sample.path.ends_with("divergence")))
                kernelUs += sample.durationUs;
    }
    state.SetItemsProcessed(state.iterations() * 1'000'000);
    state.counters["kernels_ms"] = benchmark::Counter(kernelUs / 1000.0 / static_cast<double>(state.iterations()));
#else
    state.SkipWithError("built without CUDA");
#endif
}

void ImportJsonl(benchmark::State& state)
{
    // 100 traces × 1000 tokens of plain JSONL with k = 20.
    const TraceSet set = syntheticTraces(100'000, 1000);
    std::ostringstream text;
    for (const auto& trace : set.traces) {
        text << "{\"tokens\":[";
        for (std::size_t t = 0; t < trace.steps.size(); ++t)
            text << (t ? "," : "") << '"' << set.vocabulary.text(trace.steps[t].chosen) << '"';
        text << "],\"top_tokens\":[";
        for (std::size_t t = 0; t < trace.steps.size(); ++t) {
            text << (t ? ",[" : "[");
            for (int k = 0; k < kTopK; ++k)
                text << (k ? "," : "") << '"' << set.vocabulary.text(trace.steps[t].top[k].token) << '"';
            text << "]";
        }
        text << "],\"top_logprobs\":[";
        for (std::size_t t = 0; t < trace.steps.size(); ++t) {
            text << (t ? ",[" : "[");
            for (int k = 0; k < kTopK; ++k)
                text << (k ? "," : "") << trace.steps[t].top[k].logprob;
            text << "]";
        }
        text << "]}\n";
    }
    const std::string jsonl = text.str();
    for (auto _ : state)
        benchmark::DoNotOptimize(importTraceText(jsonl, "bench.jsonl"));
    state.SetItemsProcessed(state.iterations() * 100'000);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(jsonl.size()));
}

// The same 100k tokens as chat completions (one response of 1,000 tokens per line), written once to
// a file: the file import (simdjson, lines split between the cores) against the general importer
// (nlohmann, one line at a time) on the same bytes. Both produce the same TraceSet
// (tst_trace_shapes); the ratio is what the fast path buys on the shape large exports have.
const std::string& chatCompletionsFile()
{
    static const std::string path = [] {
        const TraceSet set = syntheticTraces(100'000, 1000);
        const std::string file = (std::filesystem::temp_directory_path() / "bench_signals_chat.jsonl").string();
        std::ofstream out(file, std::ios::binary);
        int line = 0;
        for (const auto& trace : set.traces) {
            out << "{\"id\":\"r" << line++ << "\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[";
            for (std::size_t t = 0; t < trace.steps.size(); ++t) {
                const Step& step = trace.steps[t];
                out << (t ? "," : "") << "{\"token\":\"" << set.vocabulary.text(step.chosen) << "\",\"logprob\":" << step.logprob
                    << ",\"top_logprobs\":[";
                for (int k = 0; k < kTopK; ++k)
                    out << (k ? "," : "") << "{\"token\":\"" << set.vocabulary.text(step.top[k].token) << "\",\"logprob\":"
                        << step.top[k].logprob << "}";
                out << "]}";
            }
            out << "]},\"finish_reason\":\"length\"}]}\n";
        }
        return file;
    }();
    return path;
}

void ImportFast(benchmark::State& state)
{
    const std::string& path = chatCompletionsFile();
    for (auto _ : state)
        benchmark::DoNotOptimize(importTraceFile(path));
    state.SetItemsProcessed(state.iterations() * 100'000);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(std::filesystem::file_size(path)));
}

void ImportGeneral(benchmark::State& state)
{
    const std::string& path = chatCompletionsFile();
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto _ : state)
        benchmark::DoNotOptimize(importTraceText(text, path)); // the general importer, from memory
    state.SetItemsProcessed(state.iterations() * 100'000);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

} // namespace

int main(int argc, char** argv)
{
    benchmark::RegisterBenchmark("Signals/1M", Signals1M)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("Straightforward/1M", Straightforward1M)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("CudaSignals/1M", CudaSignals1M)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("ImportJsonl/100k", ImportJsonl)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("ImportFast/100k", ImportFast)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("ImportGeneral/100k", ImportGeneral)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::Initialize(&argc, argv);
    ls::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\n");
    reporter.printRatios("Signals", "Straightforward");
    reporter.printRatios("CudaSignals", "Signals"); // the GPU route against the CPU path
    reporter.printRatios("ImportFast", "ImportGeneral"); // simdjson on every core against nlohmann, same bytes
    benchmark::Shutdown();
    return 0;
}
