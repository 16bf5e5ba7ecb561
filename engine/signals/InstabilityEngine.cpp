#include "InstabilityEngine.h"

#include "DatasetMetrics.h"
#if LS_HAS_CUDA
#include "SignalsCuda.h"
#endif
#include "StepSegmentation.h"
#include "TraceImport.h"

#include "engine/core/TextFormat.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace ls::reasoning {
namespace {

constexpr int kPrefixWindowsReported[] = {8, 16, 32, 64, 128};


} // namespace

TokenTrace tokenTraceOf(const Trace& trace, const Vocabulary& vocabulary)
{
    TokenTrace out;
    for (const auto& step : trace.steps)
        out.topK = std::max(out.topK, static_cast<int>(step.top.size()));
    for (const auto& step : trace.steps) {
        out.tokens.push_back(vocabulary.text(step.chosen));
        out.logprobs.push_back(step.logprob);
        for (int k = 0; k < out.topK; ++k) {
            const bool present = k < static_cast<int>(step.top.size());
            out.topTokens.push_back(present ? vocabulary.text(step.top[k].token) : std::string());
            out.topLogprobs.push_back(present ? step.top[k].logprob : -std::numeric_limits<float>::infinity());
        }
    }
    return out;
}

Series signalSeriesOf(const TraceSignals& s)
{
    Series series;
    series.xLabel = "step";
    for (std::size_t t = 0; t < s.entropy.size(); ++t)
        series.x.push_back(static_cast<float>(t));
    // The index comes last: views shade the text by a series' last curve.
    series.curves = {{"JSD shift D", 1, s.divergence}, {"entropy H", 1, s.entropy}, {"instability I", 1, s.instability}};
    return series;
}

std::string InstabilityEngine::description() const
{
    return "Per-step Jensen–Shannon shift and entropy of the top-k token distributions of LLM reasoning traces, "
           "the peak instability and where it happens, and (with labels) how well it predicts a wrong answer.";
}

ParameterSchema InstabilityEngine::parameterSchema() const
{
    return {{
        {.key = "traces", .label = "Traces", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "JSON or JSONL with token log-probabilities (OpenAI, vLLM, llama.cpp or plain).",
         .fileFilter = "Traces (*.json *.jsonl);;All files (*)"},
        {.key = "traceIndex", .label = "Shown trace", .type = ParameterType::Int, .defaultValue = std::int64_t{0},
         .minimum = 0, .maximum = 1e9, .help = "Which trace's tokens and signals are output in full (0 = first)."},
        {.key = "compareIndex", .label = "Compared trace", .type = ParameterType::Int, .defaultValue = std::int64_t{-1},
         .minimum = -1, .maximum = 1e9, .help = "A second trace output in full beside the shown one (-1: none)."},
        {.key = "form", .label = "Index form", .type = ParameterType::Enum, .defaultValue = std::string("D+lambda*H"),
         .help = "How the shift D and the entropy H combine into the instability index I.",
         .choices = {"D+lambda*H", "H+lambda*D", "(1-lambda)*D+lambda*H"}},
        {.key = "lambda", .label = "λ", .type = ParameterType::Float, .defaultValue = 0.5, .minimum = 0, .maximum = 10,
         .help = "Mixing weight of the index."},
        {.key = "logBase", .label = "Log base", .type = ParameterType::Enum, .defaultValue = std::string("nats"),
         .help = "Units of entropy and JSD.", .choices = {"nats", "bits"}},
        {.key = "topK", .label = "k", .type = ParameterType::Int, .defaultValue = std::int64_t{0}, .minimum = 0, .maximum = 1000,
         .help = "Use at most k alternatives per step (0: all that were returned)."},
        {.key = "tailBucket", .label = "Tail bucket", .type = ParameterType::Bool, .defaultValue = false,
         .help = "Keep the mass outside the top-k as one 'other' outcome (a deviation from the paper)."},
        {.key = "smoothing", .label = "Smoothing", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 1,
         .maximum = 512, .units = "steps", .help = "Trailing moving average of I (1: none)."},
        {.key = "earlyEnd", .label = "Early ends at", .type = ParameterType::Float, .defaultValue = 1.0 / 3, .minimum = 0,
         .maximum = 1, .help = "Relative peak positions below this are 'early'."},
        {.key = "lateStart", .label = "Late starts at", .type = ParameterType::Float, .defaultValue = 2.0 / 3, .minimum = 0,
         .maximum = 1, .help = "Relative peak positions at or above this are 'late'."},
        {.key = "segmentation", .label = "Text steps", .type = ParameterType::Enum, .defaultValue = std::string("auto"),
         .help = "How the text is cut into reasoning steps for the per-step table: 'Step n' markers, blank lines, "
                 "sentence ends, or auto (the first that finds more than one step).",
         .choices = {"auto", "step markers", "blank lines", "sentences"}},
        {.key = "buckets", .label = "Strength buckets", .type = ParameterType::Int, .defaultValue = std::int64_t{4}, .minimum = 1,
         .maximum = 20, .help = "Quantile buckets of peak strength for the accuracy table."},
    }};
}

SignalSettings InstabilityEngine::settingsFrom(const ParameterValues& parameters)
{
    SignalSettings settings;
    const std::string form = stringParameter(parameters, "form");
    settings.form = form == "H+lambda*D" ? IndexForm::HPlusLambdaD : form == "(1-lambda)*D+lambda*H" ? IndexForm::Convex : IndexForm::DPlusLambdaH;
    settings.lambda = floatParameter(parameters, "lambda");
    settings.base = stringParameter(parameters, "logBase") == "bits" ? LogBase::Two : LogBase::Natural;
    settings.topK = static_cast<int>(intParameter(parameters, "topK"));
    settings.tailBucket = boolParameter(parameters, "tailBucket");
    settings.smoothingWindow = static_cast<int>(intParameter(parameters, "smoothing"));
    settings.earlyEnd = floatParameter(parameters, "earlyEnd");
    settings.lateStart = floatParameter(parameters, "lateStart");
    if (settings.lateStart < settings.earlyEnd)
        throw ArgumentError("lateStart must not be below earlyEnd");
    return settings;
}

RunOutput InstabilityEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    const std::string path = stringParameter(parameters, "traces");
    if (path.empty())
        throw ArgumentError("traces: choose a JSON/JSONL file of token log-probabilities");
    const SignalSettings settings = settingsFrom(parameters);
    auto& recorder = context.recorder();

    TraceSet set;
    {
        auto stage = recorder.stage("import");
        set = importTraceFile(path);
    }
    context.throwIfCancelled();
    context.progress(0.3, "computing signals");
    std::vector<TraceSignals> signals(set.traces.size());
    {
        auto stage = recorder.stage("signals");
#if LS_HAS_CUDA
        if (context.device().isCuda()) {
            // H and D of every step on the GPU in one pass; the per-trace summary stays on the CPU.
            auto arrays = stepSignalsCuda(set.traces, settings, context.device().index, recorder);
            for (std::size_t i = 0; i < set.traces.size(); ++i) {
                const auto first = static_cast<std::ptrdiff_t>(arrays.traceStart[i]), last = static_cast<std::ptrdiff_t>(arrays.traceStart[i + 1]);
                std::vector<float> entropy(arrays.entropy.begin() + first, arrays.entropy.begin() + last);
                std::vector<float> divergence(arrays.divergence.begin() + first, arrays.divergence.begin() + last);
                leaveOutStepsWithoutAlternatives(set.traces[i], entropy, divergence);
                signals[i] = summariseSignals(std::move(entropy), std::move(divergence), settings);
            }
        } else
#endif
            for (std::size_t i = 0; i < set.traces.size(); ++i) {
                signals[i] = computeSignals(set.traces[i], settings);
                if (i % 256 == 0)
                    context.throwIfCancelled();
            }
    }
    context.progress(0.7, "dataset metrics");

    Table summary{{"trace", "tokens", "peak strength", "peak step", "relative position", "bin", "label"}, {}};
    const char* binNames[] = {"early", "middle", "late"};
    std::vector<double> peaks;
    std::vector<bool> correct, failure;
    std::vector<int> bins;
    std::vector<const TraceSignals*> labelled;
    std::size_t stepsWithout = 0, totalSteps = 0, tracesWithoutPeak = 0;
    for (const auto& trace : set.traces)
        totalSteps += trace.steps.size();
    for (std::size_t i = 0; i < set.traces.size(); ++i) {
        const auto& trace = set.traces[i];
        const auto& s = signals[i];
        summary.rows.push_back({trace.id, std::to_string(trace.steps.size()), fixedDecimals(s.peakStrength, 4), std::to_string(s.peakStep),
                                fixedDecimals(s.peakPosition), binNames[s.peakBin],
                                trace.correct ? (*trace.correct ? "correct" : "wrong") : "-"});
        for (const auto& step : trace.steps)
            stepsWithout += step.top.empty();
        if (std::isnan(s.peakStrength))
            ++tracesWithoutPeak;
        else if (trace.correct) {
            peaks.push_back(s.peakStrength);
            correct.push_back(*trace.correct);
            failure.push_back(!*trace.correct);
            bins.push_back(s.peakBin);
            labelled.push_back(&s);
        }
    }

    RunOutput output;
    Table metrics{{"metric", "value"}, {}};
    metrics.rows.push_back({"format", set.format});
    for (const auto& note : set.notes)
        metrics.rows.push_back({"note", note});
    metrics.rows.push_back({"settings", std::string(toString(settings.form)) + ", lambda " + fixedDecimals(settings.lambda, 2) + ", " +
                                            toString(settings.base) + ", k " + (settings.topK ? std::to_string(settings.topK) : "all") +
                                            (settings.tailBucket ? ", tail bucket" : "") + ", smoothing " +
                                            std::to_string(settings.smoothingWindow)});
    metrics.rows.push_back({"traces", std::to_string(set.traces.size())});
    // Counted, not turned into numbers: H and D of such steps are NaN and left out of every summary.
    metrics.rows.push_back({"steps without alternatives", std::to_string(stepsWithout) + " of " + std::to_string(totalSteps) +
                                                               (stepsWithout ? " (their H and D are left out)" : "")});
    if (tracesWithoutPeak)
        metrics.rows.push_back({"traces left out (no step had alternatives)", std::to_string(tracesWithoutPeak)});
    metrics.rows.push_back({"labelled traces", std::to_string(peaks.size())});
    {
        auto stage = recorder.stage("dataset metrics");
        if (!peaks.empty()) {
            const double auc = areaUnderRoc(peaks, failure);
            const auto [low, high] = bootstrapAucInterval(peaks, failure, 1000, 0.95, 1);
            metrics.rows.push_back({"AUC of peak strength for failure", fixedDecimals(auc) + " (95% bootstrap " + fixedDecimals(low) + "–" + fixedDecimals(high) + ")"});
            Series roc;
            roc.xLabel = "false positive rate";
            std::vector<float> fpr, tpr;
            for (const auto& point : rocCurve(peaks, failure)) {
                roc.x.push_back(static_cast<float>(point.falsePositiveRate));
                tpr.push_back(static_cast<float>(point.truePositiveRate));
            }
            roc.curves.push_back({"true positive rate", 1, tpr});
            output.datasets.push_back({"roc", std::move(roc)});
            Series bucketBars{"peak strength bucket (quantiles, low → high)", {}, {{"accuracy", 1, {}}}, SeriesStyle::Bars, {}};
            for (const auto& bucket : accuracyByScoreQuantile(peaks, correct, static_cast<int>(intParameter(parameters, "buckets")))) {
                metrics.rows.push_back({"accuracy, peak " + fixedDecimals(bucket.lowScore) + "–" + fixedDecimals(bucket.highScore),
                                        fixedDecimals(bucket.accuracy) + " (n=" + std::to_string(bucket.count) + ")"});
                bucketBars.x.push_back(static_cast<float>(bucketBars.x.size()));
                bucketBars.curves[0].values.push_back(static_cast<float>(bucket.accuracy));
                bucketBars.xTicks.push_back(fixedDecimals(bucket.lowScore, 2) + "–" + fixedDecimals(bucket.highScore, 2) + " (n=" + std::to_string(bucket.count) + ")");
            }
            output.datasets.push_back({"bucket accuracy", std::move(bucketBars)});
            const auto byBin = accuracyByPeakBin(bins, correct);
            Series binBars{"where the peak is", {}, {{"accuracy", 1, {}}}, SeriesStyle::Bars, {}};
            for (int b = 0; b < 3; ++b) {
                metrics.rows.push_back({std::string("accuracy, ") + binNames[b] + " peaks",
                                        fixedDecimals(byBin[b].accuracy) + " (n=" + std::to_string(byBin[b].count) + ")"});
                binBars.x.push_back(static_cast<float>(b));
                binBars.curves[0].values.push_back(static_cast<float>(byBin[b].accuracy));
                binBars.xTicks.push_back(std::string(binNames[b]) + " (n=" + std::to_string(byBin[b].count) + ")");
            }
            output.datasets.push_back({"accuracy by peak position", std::move(binBars)});
            Series prefix;
            prefix.xLabel = "prefix window w (tokens)";
            std::vector<float> prefixAuc;
            for (std::size_t w = 1; w <= kMaxPrefixWindow; ++w) {
                std::vector<double> scores;
                for (const auto* s : labelled)
                {
                    // No value yet over the first w tokens (none had alternatives): the index's floor, 0.
                    const float peak = s->prefixPeak.empty() ? 0.0f : s->prefixPeak[std::min(w, s->prefixPeak.size()) - 1];
                    scores.push_back(std::isnan(peak) ? 0.0 : peak);
                }
                prefix.x.push_back(static_cast<float>(w));
                prefixAuc.push_back(static_cast<float>(areaUnderRoc(scores, failure)));
            }
            for (int w : kPrefixWindowsReported)
                metrics.rows.push_back({"AUC of S over the first " + std::to_string(w) + " tokens", fixedDecimals(prefixAuc[w - 1])});
            prefix.curves.push_back({"AUC", 1, prefixAuc});
            output.datasets.push_back({"prefix auc", std::move(prefix)});
        }
    }

    {
        auto stage = recorder.stage("outputs");
        const auto shown = static_cast<std::size_t>(intParameter(parameters, "traceIndex"));
        if (shown >= set.traces.size())
            throw ArgumentError("traceIndex: " + std::to_string(shown) + " is past the last trace (" +
                                std::to_string(set.traces.size()) + " traces)");
        const auto& s = signals[shown];
        // The phase boundaries the dataset metrics use, where they fall on this trace's steps.
        const auto withPhases = [&settings](Series series) {
            const double steps = static_cast<double>(series.x.size());
            series.markers = {{static_cast<float>(settings.earlyEnd * steps), "early | middle"},
                              {static_cast<float>(settings.lateStart * steps), "middle | late"}};
            return series;
        };
        output.datasets.insert(output.datasets.begin(), {"signals", withPhases(signalSeriesOf(s)), DatasetRole::Shades, "trace"});
        output.datasets.insert(output.datasets.begin(), {"trace", tokenTraceOf(set.traces[shown], set.vocabulary)});
        if (const auto compared = intParameter(parameters, "compareIndex"); compared >= 0) {
            const auto other = static_cast<std::size_t>(compared);
            if (other >= set.traces.size())
                throw ArgumentError("compareIndex: " + std::to_string(other) + " is past the last trace (" +
                                    std::to_string(set.traces.size()) + " traces)");
            // Both indices on one step axis; the shorter trace has no value past its end (NaN, not drawn).
            const auto& o = signals[other];
            Series both;
            both.xLabel = "step";
            const std::size_t steps = std::max(s.instability.size(), o.instability.size());
            for (std::size_t t = 0; t < steps; ++t)
                both.x.push_back(static_cast<float>(t));
            for (const auto* which : {&s, &o}) {
                std::vector<float> values(which->instability);
                values.resize(steps, std::numeric_limits<float>::quiet_NaN());
                const auto& trace = set.traces[which == &s ? shown : other];
                both.curves.push_back({"I of " + trace.id + (trace.correct ? (*trace.correct ? " (correct)" : " (wrong)") : ""), 1,
                                       std::move(values)});
            }
            output.datasets.insert(output.datasets.begin() + 2, {"compared trace", tokenTraceOf(set.traces[other], set.vocabulary),
                                                                 DatasetRole::ComparedWith, "trace"});
            output.datasets.insert(output.datasets.begin() + 3, {"compared signals", withPhases(signalSeriesOf(o)),
                                                                 DatasetRole::Shades, "compared trace"});
            output.datasets.insert(output.datasets.begin() + 4, {"instability of both", std::move(both), DatasetRole::BothSides,
                                                                 "compared trace"});
        }
        const std::string segmentationName = stringParameter(parameters, "segmentation");
        const Segmentation segmentation = segmentationName == "step markers" ? Segmentation::StepMarkers
                                          : segmentationName == "blank lines" ? Segmentation::BlankLines
                                          : segmentationName == "sentences"   ? Segmentation::Sentences
                                                                              : Segmentation::Auto;
        std::vector<std::string> tokens;
        for (const auto& step : set.traces[shown].steps)
            tokens.push_back(set.vocabulary.text(step.chosen));
        Segmentation used = segmentation;
        Table textSteps{{"step", "tokens", "first token", "mean I", "max I", "mean D", "mean H", "text"}, {}};
        const auto pieces = segmentSteps(tokens, s, segmentation, &used);
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            const auto& p = pieces[i];
            textSteps.rows.push_back({std::to_string(i + 1), std::to_string(p.lastToken - p.firstToken + 1), std::to_string(p.firstToken),
                                      fixedDecimals(p.meanInstability, 4), fixedDecimals(p.maxInstability, 4), fixedDecimals(p.meanDivergence, 4),
                                      fixedDecimals(p.meanEntropy, 4), p.preview});
        }
        output.datasets.push_back({"text steps (" + std::string(toString(used)) + ")", std::move(textSteps)});
        output.datasets.push_back({"traces", std::move(summary)});
        output.datasets.push_back({"metrics", std::move(metrics)});
    }
    context.progress(1.0, "done");
    return output;
}

std::vector<ReportSection> InstabilityEngine::reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const
{
    ReportSection section{"Instability signals", {}};
    for (const auto& dataset : datasets) {
        if (const auto* table = std::get_if<Table>(&dataset.content); table && dataset.name == "metrics")
            section.blocks.push_back(*table);
        if (const auto* series = std::get_if<Series>(&dataset.content)) {
            const char* caption = dataset.name == "signals"           ? "Signals of the shown trace over its steps"
                                  : dataset.name == "roc"             ? "ROC of peak strength for a wrong answer"
                                  : dataset.name == "bucket accuracy" ? "Accuracy per peak-strength bucket"
                                  : dataset.name == "accuracy by peak position" ? "Accuracy by where the peak happens"
                                                                      : "AUC of the prefix-window peak as a function of w";
            section.blocks.push_back(ReportPlot{caption, *series});
        }
    }
    if (section.blocks.empty())
        return {};
    return {section};
}

} // namespace ls::reasoning
