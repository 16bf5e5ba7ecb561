#include "ArrivalProcess.h"

#include "engine/core/Error.h"

#include <cmath>
#include <random>

namespace ls::serving {

std::vector<double> arrivalTimes(std::size_t count, double rate, double shape, std::uint64_t seed)
{
    if (!(rate > 0) || !std::isfinite(rate))
        throw ArgumentError("request rate must be a positive number of requests per second");
    if (!(shape > 0) || !std::isfinite(shape))
        throw ArgumentError("burstiness (the Gamma shape) must be positive");
    std::mt19937_64 generator(seed);
    // Gamma(k, θ) has mean kθ: θ = 1 / (rate k) gives gaps of mean 1 / rate for every shape.
    std::gamma_distribution<double> gap(shape, 1.0 / (rate * shape));
    std::vector<double> times(count);
    double t = 0;
    for (auto& time : times) {
        t += gap(generator);
        time = t;
    }
    return times;
}

} // namespace ls::serving
