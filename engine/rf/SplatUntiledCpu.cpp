#include "Compositing.h"
#include "SplatRenderer.h"

#include "engine/core/ParallelFor.h"

#include <algorithm>
#include <numeric>

namespace ls::rf {

std::vector<float> renderUntiledCpu(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd,
                                    const RenderSettings& settings)
{
    RenderState state;
    projectSplatsCpu(field, receiverFrame(receiver), settings, state);
    state.emission = emissions(field, movingEnd);
    std::vector<std::size_t> order;
    for (std::size_t g = 0; g < field.count(); ++g)
        if (state.radius[g] > 0)
            order.push_back(g);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return state.range[a] < state.range[b]; });

    const int width = settings.mapping.width, height = settings.mapping.height, outputs = field.outputs();
    const std::size_t pixels = static_cast<std::size_t>(width) * height;
    std::vector<float> channels(outputs * pixels, 0.0f);
    parallelFor(pixels, parallelWorkers(pixels), [&](std::size_t begin, std::size_t end, int) {
        std::vector<double> accumulated(outputs);
        for (std::size_t pixel = begin; pixel < end; ++pixel) {
            const int row = static_cast<int>(pixel / width), column = static_cast<int>(pixel % width);
            std::fill(accumulated.begin(), accumulated.end(), 0.0);
            double transmittance = 1;
            for (std::size_t g : order) {
                const double dx = wrappedColumnOffset<double>(column, state.u[g], width), dy = row - state.v[g];
                const double power = splatPower<double>(state.conic[g * 3], state.conic[g * 3 + 1], state.conic[g * 3 + 2], dx, dy);
                const double alpha = std::min<double>(kMaxAlpha, splatAlpha<double>(state.opacity[g], power));
                if (alpha < settings.alphaThreshold)
                    continue;
                if (transmittance * (1 - alpha) < kMinTransmittance)
                    break;
                for (int o = 0; o < outputs; ++o)
                    accumulated[o] += state.emission[g * outputs + o] * alpha * transmittance;
                transmittance *= 1 - alpha;
            }
            for (int o = 0; o < outputs; ++o)
                channels[o * pixels + pixel] = static_cast<float>(accumulated[o]);
        }
    });
    return channels;
}

} // namespace ls::rf
