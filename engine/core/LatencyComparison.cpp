#include "LatencyComparison.h"

#include <algorithm>

namespace ls {

const char* toString(Verdict verdict)
{
    switch (verdict) {
    case Verdict::NotComparable: return "not comparable";
    case Verdict::WithinNoise: return "within noise";
    case Verdict::Faster: return "faster";
    case Verdict::Slower: return "slower";
    }
    return "?";
}

Verdict compareSamples(const SampleStats& a, const SampleStats& b)
{
    if (a.count < kMinSamplesForVerdict || b.count < kMinSamplesForVerdict)
        return Verdict::NotComparable;
    if (b.p75 < a.p25)
        return Verdict::Faster;
    if (b.p25 > a.p75)
        return Verdict::Slower;
    return Verdict::WithinNoise;
}

std::vector<StageComparison> compareRecords(const LatencyRecord& a, const LatencyRecord& b)
{
    std::vector<std::string> stages = a.stagePaths();
    for (const auto& path : b.stagePaths())
        if (std::find(stages.begin(), stages.end(), path) == stages.end())
            stages.push_back(path);

    std::vector<StageComparison> rows;
    auto add = [&](const std::string& name, const SampleStats& sa, const SampleStats& sb) {
        StageComparison row{name, sa, sb, 0, Verdict::NotComparable};
        if (sa.count && sb.count && sa.median > 0)
            row.ratio = sb.median / sa.median;
        row.verdict = compareSamples(sa, sb);
        rows.push_back(row);
    };
    for (const auto& stage : stages)
        add(stage, a.stageStats(stage), b.stageStats(stage));
    add("(repeat total)", a.totalStats(), b.totalStats());
    return rows;
}

} // namespace ls
