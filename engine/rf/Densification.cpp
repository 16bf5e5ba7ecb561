#include "Densification.h"

#include "Compositing.h"
#include "HemisphereProjection.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>

namespace ls::rf {

namespace {

constexpr float kSplitScaleDivisor = 1.6f; // 3DGS: children are 1/1.6 the parent's size
constexpr std::uint32_t kSplitStream = 0x5b117;


// Diagonal of the box holding every mean: what "large" is measured against.
float sceneExtent(const GaussianField& field)
{
    float low[3] = {INFINITY, INFINITY, INFINITY}, high[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (std::size_t g = 0; g < field.count(); ++g)
        for (int axis = 0; axis < 3; ++axis) {
            low[axis] = std::min(low[axis], field.means[g * 3 + axis]);
            high[axis] = std::max(high[axis], field.means[g * 3 + axis]);
        }
    return std::hypot(high[0] - low[0], high[1] - low[1], high[2] - low[2]);
}

// A point drawn from Gaussian g's own distribution (mean + R·diag(scale)·z).
void sampleInside(const GaussianField& field, std::size_t g, std::uint64_t seed, std::uint64_t draw, float out[3])
{
    float rotation[3][3];
    rotationMatrix(&field.rotations[g * 4], rotation);
    float local[3];
    for (int axis = 0; axis < 3; ++axis)
        local[axis] = std::exp(field.logScales[g * 3 + axis]) * rng::normal(seed, draw * 3 + axis, kSplitStream);
    for (int row = 0; row < 3; ++row)
        out[row] = field.means[g * 3 + row] + rotation[row][0] * local[0] + rotation[row][1] * local[1] + rotation[row][2] * local[2];
}

} // namespace

void DensifyStatistics::reset(std::size_t count)
{
    gradientSum.assign(count, 0.0f);
    drawnCount.assign(count, 0.0f);
}

void DensifyStatistics::add(const std::vector<float>& centreGradientNorms, const std::vector<int>& radius)
{
    if (gradientSum.size() != radius.size())
        reset(radius.size());
    for (std::size_t g = 0; g < radius.size(); ++g)
        if (radius[g] > 0) {
            gradientSum[g] += centreGradientNorms[g];
            drawnCount[g] += 1.0f;
        }
}

bool densifiesAt(const DensifySettings& settings, long step, long iterations)
{
    return settings.enabled && settings.every > 0 && step >= settings.from && step % settings.every == 0
        && static_cast<double>(step) <= settings.until * static_cast<double>(iterations);
}

bool resetsOpacityAt(const DensifySettings& settings, long step, long iterations)
{
    // Strictly before densification ends, as 3DGS (`iteration < densify_until_iter`): a reset after
    // the last pass would fade Gaussians that no pass is left to prune.
    return settings.enabled && settings.opacityResetEvery > 0 && step % settings.opacityResetEvery == 0
        && static_cast<double>(step) < settings.until * static_cast<double>(iterations);
}

std::size_t resetOpacities(GaussianField& field, GaussianField& firstMoment, GaussianField& secondMoment, double ceiling)
{
    if (!(ceiling > 0 && ceiling < 1))
        throw ArgumentError("resetOpacity: " + std::to_string(ceiling) + " is not an opacity strictly between 0 and 1");
    const float ceilingLogit = static_cast<float>(std::log(ceiling / (1 - ceiling)));
    std::size_t lowered = 0;
    for (float& logit : field.opacityLogits)
        if (logit > ceilingLogit) {
            logit = ceilingLogit;
            ++lowered;
        }
    std::fill(firstMoment.opacityLogits.begin(), firstMoment.opacityLogits.end(), 0.0f);
    std::fill(secondMoment.opacityLogits.begin(), secondMoment.opacityLogits.end(), 0.0f);
    return lowered;
}

GaussianField gatherGaussians(const GaussianField& field, const std::vector<std::size_t>& rows)
{
    GaussianField gathered = field;
    const std::size_t n = field.count();
    auto source = field.parameterArrays();
    auto target = gathered.parameterArrays();
    for (std::size_t array = 0; array < source.size(); ++array) {
        const std::vector<float>& from = *source[array].second;
        const std::size_t stride = from.size() / n;
        std::vector<float>& to = *target[array].second;
        to.resize(rows.size() * stride);
        for (std::size_t row = 0; row < rows.size(); ++row)
            std::copy_n(from.begin() + static_cast<std::ptrdiff_t>(rows[row] * stride), stride, to.begin() + static_cast<std::ptrdiff_t>(row * stride));
    }
    return gathered;
}

DensifyTally densifyAndPrune(GaussianField& field, GaussianField& firstMoment, GaussianField& secondMoment, DensifyStatistics& statistics,
                             const DensifySettings& settings, std::uint64_t seed)
{
    const std::size_t n = field.count();
    if (statistics.gradientSum.size() != n)
        statistics.reset(n);
    const float splitAbove = static_cast<float>(settings.splitScale) * sceneExtent(field);

    // Each row of the new field: which old Gaussian it copies, and whether it is new (fresh moments)
    // or a split child (moved inside its parent, shrunk).
    enum class Row { Kept, Clone, SplitChild };
    std::vector<std::size_t> sources;
    std::vector<Row> kinds;
    DensifyTally tally;
    std::size_t room = settings.maxGaussians > n ? settings.maxGaussians - n : 0;
    for (std::size_t g = 0; g < n; ++g) {
        if (opacityFromLogit(field.opacityLogits[g]) < settings.pruneOpacity) {
            ++tally.pruned;
            continue;
        }
        const float drawn = statistics.drawnCount[g];
        const bool pulled = drawn > 0 && statistics.gradientSum[g] / drawn >= settings.gradientThreshold;
        if (!pulled || room == 0) {
            sources.push_back(g);
            kinds.push_back(Row::Kept);
            continue;
        }
        const float largest = std::exp(*std::max_element(&field.logScales[g * 3], &field.logScales[g * 3] + 3));
        --room;
        if (largest > splitAbove) { // the parent is replaced by two children
            sources.insert(sources.end(), {g, g});
            kinds.insert(kinds.end(), {Row::SplitChild, Row::SplitChild});
            ++tally.split;
        } else {
            sources.insert(sources.end(), {g, g});
            kinds.insert(kinds.end(), {Row::Kept, Row::Clone});
            ++tally.cloned;
        }
    }
    if (!tally.changed() || sources.empty()) { // never prune the field away entirely
        statistics.reset(n);
        return sources.empty() ? DensifyTally{} : tally;
    }

    GaussianField dense = gatherGaussians(field, sources);
    GaussianField m = gatherGaussians(firstMoment, sources), v = gatherGaussians(secondMoment, sources);
    for (std::size_t row = 0; row < sources.size(); ++row) {
        if (kinds[row] == Row::Kept)
            continue;
        for (GaussianField* moments : {&m, &v})
            for (auto& [name, array] : moments->parameterArrays()) {
                const std::size_t stride = array->size() / sources.size();
                std::fill_n(array->begin() + static_cast<std::ptrdiff_t>(row * stride), stride, 0.0f);
            }
        if (kinds[row] == Row::SplitChild) {
            sampleInside(field, sources[row], seed, row, &dense.means[row * 3]);
            for (int axis = 0; axis < 3; ++axis)
                dense.logScales[row * 3 + axis] -= std::log(kSplitScaleDivisor);
        }
    }
    field = std::move(dense);
    firstMoment = std::move(m);
    secondMoment = std::move(v);
    statistics.reset(field.count());
    return tally;
}

} // namespace ls::rf
