// Reasoning-trace signals over 1M tokens with k = 20: the studio's path (interned token ids,
// sorted supports merged per step) against a straightforward one (a std::map from token text to
// probability per step, union by lookup), in the same run; plus JSONL import throughput.
#include "BenchRatios.h"
#include "engine/core/Device.h"
#include "engine/signals/Signals.h"
#include "engine/signals/SignalsCuda.h"
#include "engine/signals/TraceImport.h"

#include <cmath>
#include <map>
#include <random>
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
    std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
    for (std::size_t done = 0; done < tokens;) {
        Trace trace;
        for (std::size_t t = 0; t < stepsPerTrace && done < tokens; ++t, ++done) {
            Step step;
            double total = 0;
            std::vector<float> logits(kTopK);
            for (auto& l : logits)
                total += std::exp(l = logit(engine));
            for (int k = 0; k < kTopK; ++k)
                step.top.push_back({words[pick(engine)], static_cast<float>(logits[k] - std::log(total))});
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

} // namespace

int main(int argc, char** argv)
{
    benchmark::RegisterBenchmark("Signals/1M", Signals1M)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("Straightforward/1M", Straightforward1M)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("CudaSignals/1M", CudaSignals1M)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark("ImportJsonl/100k", ImportJsonl)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::Initialize(&argc, argv);
    ls::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\n");
    reporter.printRatios("Signals", "Straightforward");
    reporter.printRatios("CudaSignals", "Signals"); // the GPU route against the CPU path
    benchmark::Shutdown();
    return 0;
}
