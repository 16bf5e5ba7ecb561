#pragma once
// When a load test's requests arrive: a renewal process whose gaps are Gamma distributed with
// mean 1/rate. Shape 1 is a Poisson process (exponential gaps, coefficient of variation 1);
// a shape k below 1 is burstier (CV = 1/sqrt(k)), above 1 more regular. This is how vLLM's
// benchmark_serving draws arrivals (its "burstiness" is the shape).
#include <cstdint>
#include <vector>

namespace ls::serving {

// Arrival times in seconds from the start of the rate's run, ascending, the first at its gap
// (not at zero). rate > 0, shape > 0; the same seed gives the same times.
std::vector<double> arrivalTimes(std::size_t count, double rate, double shape, std::uint64_t seed);

} // namespace ls::serving
