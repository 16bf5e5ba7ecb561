#include "PickDetail.h"

#include <cstdio>

namespace ls {

std::vector<std::pair<std::string, std::string>> pointFacts(const PointCloud& cloud, std::size_t pointIndex)
{
    std::vector<std::pair<std::string, std::string>> facts;
    if (pointIndex >= cloud.pointCount())
        return facts;
    char text[96];
    const float* p = cloud.positions.data() + 3 * pointIndex;
    std::snprintf(text, sizeof text, "%.3f, %.3f, %.3f m", p[0], p[1], p[2]);
    facts.emplace_back("position", text);
    for (const auto& attribute : cloud.attributes) {
        std::string value;
        for (int c = 0; c < attribute.components; ++c) {
            const std::size_t at = pointIndex * attribute.components + c;
            if (at >= attribute.values.size())
                break;
            std::snprintf(text, sizeof text, "%s%.5g", c ? ", " : "", attribute.values[at]);
            value += text;
        }
        facts.emplace_back(attribute.name, value);
    }
    return facts;
}

} // namespace ls
