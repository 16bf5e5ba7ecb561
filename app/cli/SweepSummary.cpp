#include "SweepSummary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace ls::cli {

namespace {

std::string valueText(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

std::string milliseconds(const std::optional<double>& ms)
{
    if (!ms)
        return "";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", *ms);
    return text;
}

double medianOf(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

std::vector<Dataset> sweepSummaryDatasets(const SweepPlan& plan, const std::vector<SweepOutcome>& outcomes)
{
    std::vector<Dataset> datasets;
    Table table;
    table.columns = {"run"};
    table.columns.insert(table.columns.end(), plan.varied.begin(), plan.varied.end());
    for (const char* column : {"seed", "device asked", "status", "median ms", "p90 ms", "rank", "seconds", "ran on", "message"})
        table.columns.push_back(column);
    for (const SweepRun& run : plan.runs) {
        const SweepOutcome& outcome = outcomes[run.index];
        std::vector<std::string> row{std::to_string(run.index + 1)};
        for (const auto& key : plan.varied)
            row.push_back(run.point.contains(key) ? valueText(run.point[key]) : "");
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.2f", outcome.seconds);
        row.insert(row.end(), {run.hasSeed ? std::to_string(run.seed) : "", run.device, outcome.status, milliseconds(outcome.medianMs),
                               milliseconds(outcome.p90Ms), std::to_string(outcome.rank), seconds, outcome.device, outcome.message});
        table.rows.push_back(std::move(row));
    }
    datasets.push_back({"sweep runs", table});

    // A table per swept parameter: each value's runs summarised over everything else swept.
    for (const auto& key : plan.varied) {
        std::vector<std::string> order;
        std::map<std::string, std::vector<double>> medians;
        std::map<std::string, int> ran, failed;
        for (const SweepRun& run : plan.runs) {
            if (!run.point.contains(key))
                continue;
            const std::string value = valueText(run.point[key]);
            if (!ran.count(value))
                order.push_back(value);
            ++ran[value];
            const SweepOutcome& outcome = outcomes[run.index];
            if (outcome.medianMs)
                medians[value].push_back(*outcome.medianMs);
            if (outcome.status != "ok")
                ++failed[value];
        }
        Table byValue{{key, "runs", "not ok", "median of medians ms", "fastest ms", "slowest ms"}, {}};
        for (const auto& value : order) {
            const auto& values = medians[value];
            byValue.rows.push_back({value, std::to_string(ran[value]), std::to_string(failed[value]),
                                    values.empty() ? "" : milliseconds(medianOf(values)),
                                    values.empty() ? "" : milliseconds(*std::min_element(values.begin(), values.end())),
                                    values.empty() ? "" : milliseconds(*std::max_element(values.begin(), values.end()))});
        }
        datasets.push_back({"by " + key, byValue});
    }

    // Latency against each numeric swept parameter: a curve per combination of the others (and the
    // device); each point the median over seeds of the runs' median latency; NaN where none ran.
    for (const auto& key : plan.varied) {
        const bool numeric = std::all_of(plan.runs.begin(), plan.runs.end(), [&](const SweepRun& run) {
            return !run.point.contains(key) || run.point[key].is_number();
        });
        if (!numeric)
            continue;
        std::vector<double> xs;
        for (const SweepRun& run : plan.runs)
            if (run.point.contains(key))
                xs.push_back(run.point[key].get<double>());
        std::sort(xs.begin(), xs.end());
        xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
        if (xs.size() < 2)
            continue;
        std::map<std::string, std::map<double, std::vector<double>>> curves; // label -> x -> medians
        std::vector<std::string> order;
        for (const SweepRun& run : plan.runs) {
            if (!run.point.contains(key))
                continue;
            std::string label;
            for (const auto& other : plan.varied)
                if (other != key && run.point.contains(other))
                    label += (label.empty() ? "" : ", ") + other + "=" + valueText(run.point[other]);
            label += (label.empty() ? "" : ", ") + run.device;
            if (!curves.count(label))
                order.push_back(label);
            auto& points = curves[label];
            if (outcomes[run.index].medianMs)
                points[run.point[key].get<double>()].push_back(*outcomes[run.index].medianMs);
            else
                points[run.point[key].get<double>()]; // the point exists, with no value
        }
        Series series;
        series.xLabel = key;
        series.style = SeriesStyle::Lines;
        for (double x : xs)
            series.x.push_back(static_cast<float>(x));
        for (const auto& label : order) {
            Attribute curve{"median ms · " + label, 1, {}};
            for (double x : xs) {
                const auto found = curves[label].find(x);
                curve.values.push_back(found == curves[label].end() || found->second.empty() ? NAN : static_cast<float>(medianOf(found->second)));
            }
            series.curves.push_back(std::move(curve));
        }
        datasets.push_back({"latency vs " + key, series});
    }
    return datasets;
}

} // namespace ls::cli
