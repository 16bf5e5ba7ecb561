#include "CrossValidation.h"
#include "GsparcEngines.h"
#include "GsparcOutputs.h"
#include "GsparcParameters.h"

#include <cstdio>

namespace ls::rf {

namespace {

constexpr std::uint64_t kBootstrapSeed = 20241;

// What each held-out sample scored, and where it sat.
struct CvRow {
    std::string split;
    int fold = 0;
    SpectrumScores field, nearest, kNearest, inverseDistance;
    double distanceM = 0;      // to the nearest training position of its fold
    double trainingSsim = 0;   // the fold's field on its own training spectra (running mean at the end)
};

std::string withInterval(const Interval& interval, int decimals)
{
    char text[96];
    std::snprintf(text, sizeof text, "%.*f [%.*f, %.*f]", decimals, interval.estimate, decimals, interval.low, decimals, interval.high);
    return text;
}

std::string number(double value, int decimals)
{
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

Table summaryTable(const std::vector<CvRow>& rows, const std::vector<std::string>& splits, int k)
{
    Table table{{"split", "method", "spectra", "median SSIM [95% CI]", "mean SSIM [95% CI]", "median PSNR dB [95% CI]"}, {}};
    const std::vector<std::pair<std::string, SpectrumScores CvRow::*>> methods{
        {"GSpaRC field", &CvRow::field},
        {"nearest position (1-NN)", &CvRow::nearest},
        {"mean of " + std::to_string(k) + " nearest (k-NN)", &CvRow::kNearest},
        {"inverse distance, " + std::to_string(k) + " nearest (IDW)", &CvRow::inverseDistance}};
    for (const auto& split : splits)
        for (const auto& [name, member] : methods) {
            std::vector<double> ssim, psnr;
            for (const auto& row : rows)
                if (row.split == split) {
                    ssim.push_back((row.*member).ssim);
                    psnr.push_back((row.*member).psnrDb);
                }
            table.rows.push_back({split, name, std::to_string(ssim.size()),
                                  withInterval(bootstrapInterval(ssim, [](std::vector<double> v) { return median(std::move(v)); }, kBootstrapSeed), 4),
                                  withInterval(bootstrapInterval(ssim, [](std::vector<double> v) { return meanOf(v); }, kBootstrapSeed), 4),
                                  withInterval(bootstrapInterval(psnr, [](std::vector<double> v) { return median(std::move(v)); }, kBootstrapSeed), 2)});
        }
    return table;
}

// The field against each baseline, sample by sample: the median of the paired SSIM differences
// with its interval, and how often the field is ahead.
Table pairedTable(const std::vector<CvRow>& rows, const std::vector<std::string>& splits)
{
    Table table{{"split", "field − baseline", "median SSIM difference [95% CI]", "field ahead on"}, {}};
    const std::vector<std::pair<std::string, SpectrumScores CvRow::*>> baselines{
        {"1-NN", &CvRow::nearest}, {"k-NN", &CvRow::kNearest}, {"IDW", &CvRow::inverseDistance}};
    for (const auto& split : splits)
        for (const auto& [name, member] : baselines) {
            std::vector<double> differences;
            std::size_t ahead = 0;
            for (const auto& row : rows)
                if (row.split == split) {
                    differences.push_back(row.field.ssim - (row.*member).ssim);
                    ahead += differences.back() > 0;
                }
            const auto interval = bootstrapInterval(differences, [](std::vector<double> v) { return median(std::move(v)); }, kBootstrapSeed);
            table.rows.push_back({split, "field − " + name, withInterval(interval, 4),
                                  std::to_string(ahead) + " of " + std::to_string(differences.size())});
        }
    return table;
}

Table foldTable(const std::vector<CvRow>& rows)
{
    Table table{{"split", "fold", "held out", "training SSIM (field)", "median SSIM field", "median SSIM 1-NN", "mean distance to training m"}, {}};
    for (std::size_t begin = 0; begin < rows.size();) {
        std::size_t end = begin;
        std::vector<double> field, nearest, distance;
        while (end < rows.size() && rows[end].split == rows[begin].split && rows[end].fold == rows[begin].fold) {
            field.push_back(rows[end].field.ssim);
            nearest.push_back(rows[end].nearest.ssim);
            distance.push_back(rows[end].distanceM);
            ++end;
        }
        table.rows.push_back({rows[begin].split, std::to_string(rows[begin].fold + 1), std::to_string(end - begin),
                              number(rows[begin].trainingSsim, 4), number(median(field), 4), number(median(nearest), 4),
                              number(meanOf(distance), 3)});
        begin = end;
    }
    return table;
}

Table perSampleTable(const std::vector<CvRow>& rows)
{
    Table table{{"split", "fold", "sample", "distance to training m", "SSIM field", "SSIM 1-NN", "SSIM k-NN", "SSIM IDW", "PSNR field",
                 "PSNR 1-NN"},
                {}};
    for (const auto& row : rows)
        table.rows.push_back({row.split, std::to_string(row.fold + 1), std::to_string(row.field.number), number(row.distanceM, 3),
                              number(row.field.ssim, 4), number(row.nearest.ssim, 4), number(row.kNearest.ssim, 4),
                              number(row.inverseDistance.ssim, 4), number(row.field.psnrDb, 2), number(row.nearest.psnrDb, 2)});
    return table;
}

} // namespace

std::string GsparcCrossValidationEngine::description() const
{
    return "K-fold cross-validation of the GSpaRC recipe on a dataset: a field is trained per fold on the other folds and scores "
           "the spectra it never saw, next to the nearest-position, k-NN and inverse-distance baselines on the same folds. Random "
           "folds, and spatial blocks (k-means of the transmitter positions) where interpolation is weakest. Median and mean SSIM "
           "(skimage's definition) and PSNR with 95 % bootstrap intervals, and the paired field − baseline differences. CLI: "
           "latency-studio-cli run gsparc-cv --dataset DIR --out DIR";
}

ParameterSchema GsparcCrossValidationEngine::parameterSchema() const
{
    ParameterSchema schema{{
        datasetParameterSpec(),
        {.key = "folds", .label = "Folds", .type = ParameterType::Int, .defaultValue = std::int64_t{5}, .minimum = 2, .maximum = 20,
         .help = "K: each fold is held out once, a field trained on the others."},
        {.key = "splits", .label = "Splits", .type = ParameterType::Enum, .defaultValue = std::string("random and spatial"),
         .help = "Random folds, spatial blocks (k-means clusters of the transmitter positions: a held-out position's neighbours are "
                 "held out with it), or both, each with its own fields.",
         .choices = {"random and spatial", "random folds", "spatial blocks"}},
        {.key = "foldSeed", .label = "Fold seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0,
         .maximum = 9.0e15, .help = "Seeds the random folds and the k-means start."},
    }};
    for (auto& spec : trainingRecipeSpecs())
        schema.specs.push_back(std::move(spec));
    schema.specs.push_back(nearestParameterSpec());
    return schema;
}

RunOutput GsparcCrossValidationEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    const std::string folder = stringParameter(parameters, "dataset");
    if (folder.empty())
        throw ArgumentError("dataset: give a dataset folder (the bundled sample: assets/rf/rfid-s23)");
    RfDataset dataset = [&] {
        auto stage = recorder.stage("load dataset");
        return loadRfDataset(folder);
    }();
    // Every sample takes part: the folder's own train/test split is not used.
    std::vector<std::size_t> all(dataset.samples.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    const int folds = static_cast<int>(intParameter(parameters, "folds"));
    const auto foldSeed = static_cast<std::uint64_t>(intParameter(parameters, "foldSeed"));
    const std::string splitChoice = stringParameter(parameters, "splits");
    std::vector<std::pair<std::string, std::vector<std::vector<std::size_t>>>> plans;
    if (splitChoice != "spatial blocks")
        plans.emplace_back("random", randomFolds(all, folds, foldSeed));
    if (splitChoice != "random folds")
        plans.emplace_back("spatial", spatialFolds(dataset, all, folds, foldSeed));
    const int k = static_cast<int>(intParameter(parameters, "k"));
    TrainingSettings settings = trainingSettingsFromParameters(parameters, context.device());
    settings.curveEvery = 10;

    std::size_t fieldsTotal = 0, fieldsDone = 0;
    for (const auto& plan : plans)
        fieldsTotal += plan.second.size();
    std::vector<CvRow> rows;
    for (const auto& [split, foldList] : plans)
        for (std::size_t f = 0; f < foldList.size(); ++f) {
            context.throwIfCancelled();
            RfDataset fold = dataset; // the same samples; the fold's own split
            fold.test = foldList[f];
            fold.train.clear();
            for (std::size_t other = 0; other < foldList.size(); ++other)
                if (other != f)
                    fold.train.insert(fold.train.end(), foldList[other].begin(), foldList[other].end());
            TrainingState state = startTraining(initialFieldFromParameters(fold, parameters), fold, quantityFromParameters(parameters));
            const std::string what = split + " fold " + std::to_string(f + 1) + " of " + std::to_string(foldList.size());
            {
                auto stage = recorder.stage("train");
                const bool completed = trainSteps(
                    state, fold, settings,
                    [&](long done, long total, double, double ssimValue) {
                        char message[160];
                        std::snprintf(message, sizeof message, "%s: step %ld / %ld · training SSIM %.3f", what.c_str(), done, total, ssimValue);
                        context.progress((static_cast<double>(fieldsDone) + static_cast<double>(done) / static_cast<double>(total)) /
                                             static_cast<double>(fieldsTotal),
                                         message);
                    },
                    [&] { return context.cancelRequested(); });
                if (!completed)
                    throw CancelledError();
            }
            HeldOutScores scores;
            {
                auto stage = recorder.stage("score");
                scores = evaluateHeldOut(state, fold, fold.test, k, [&] { return context.cancelRequested(); });
            }
            for (std::size_t i = 0; i < fold.test.size(); ++i)
                rows.push_back({split, static_cast<int>(f), scores.model[i], scores.nearest[i], scores.kNearest[i], scores.inverseDistance[i],
                                distanceToTraining(fold, fold.samples[fold.test[i]].movingEnd),
                                state.curveSsim.empty() ? 0.0 : state.curveSsim.back()});
            ++fieldsDone;
        }

    RunOutput output;
    auto stage = recorder.stage("outputs");
    std::vector<std::string> splits;
    for (const auto& plan : plans)
        splits.push_back(plan.first);
    output.datasets.push_back({"cross-validation", summaryTable(rows, splits, k)});
    output.datasets.push_back({"field vs baselines", pairedTable(rows, splits)});
    output.datasets.push_back({"folds", foldTable(rows)});
    output.datasets.push_back({"per-sample cross-validation", perSampleTable(rows)});
    context.progress(1.0, "done");
    return output;
}

} // namespace ls::rf
