#include "SurfaceSamplerEngine.h"

#include "SurfaceSampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ls::surface {
namespace {

SurfaceKind kindFromName(const std::string& name)
{
    if (name == "sphere") return SurfaceKind::Sphere;
    if (name == "saddle") return SurfaceKind::Saddle;
    return SurfaceKind::Torus;
}

} // namespace

std::string SurfaceSamplerEngine::description() const
{
    return "Samples points on a torus, sphere or saddle and offsets each along its normal by Gaussian "
           "noise. A template for plugin authors: CPU and CUDA paths, four timed stages.";
}

ParameterSchema SurfaceSamplerEngine::parameterSchema() const
{
    return {{
        {.key = "surface", .label = "Surface", .type = ParameterType::Enum, .defaultValue = std::string("torus"),
         .help = "Shape to sample.", .choices = {"torus", "sphere", "saddle"}},
        {.key = "pointCount", .label = "Points", .type = ParameterType::Int, .defaultValue = std::int64_t{20000},
         .minimum = 1, .maximum = 20'000'000, .units = "points",
         .help = "Number of points to draw (ignored when a uv input is given)."},
        {.key = "majorRadius", .label = "Major radius", .type = ParameterType::Float, .defaultValue = 1.0,
         .minimum = 1e-3, .maximum = 1e3, .units = "m",
         .help = "Torus ring radius, sphere radius, or saddle half-extent."},
        {.key = "minorRadius", .label = "Minor radius", .type = ParameterType::Float, .defaultValue = 0.35,
         .minimum = 1e-3, .maximum = 1e3, .units = "m", .help = "Torus tube radius."},
        {.key = "noiseStd", .label = "Noise σ", .type = ParameterType::Float, .defaultValue = 0.01,
         .minimum = 0.0, .maximum = 10.0, .units = "m", .help = "Standard deviation of the offset along the normal."},
        {.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1},
         .minimum = 0, .maximum = 9.0e15, .help = "Same seed, same points, on CPU and GPU alike."},
    }};
}

std::vector<InputSpec> SurfaceSamplerEngine::inputSpecs() const
{
    return {{.key = "uv", .description = "parametric coordinates in [0, 1) to sample at instead of random ones",
             .shape = "[N, 2] float32", .required = false}};
}

bool SurfaceSamplerEngine::hasCudaPath() const
{
    return LS_PLUGIN_HAS_CUDA != 0;
}

RunOutput SurfaceSamplerEngine::run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context)
{
    SurfaceSpec spec;
    spec.kind = kindFromName(stringParameter(parameters, "surface"));
    spec.majorRadius = static_cast<float>(floatParameter(parameters, "majorRadius"));
    spec.minorRadius = static_cast<float>(floatParameter(parameters, "minorRadius"));
    spec.noiseStd = static_cast<float>(floatParameter(parameters, "noiseStd"));
    spec.seed = static_cast<std::uint64_t>(intParameter(parameters, "seed"));

    std::span<const float> uvInput;
    auto count = static_cast<std::size_t>(intParameter(parameters, "pointCount"));
    if (const auto found = inputs.find("uv"); found != inputs.end()) {
        found->second.requireShape({-1, 2}, "input 'uv'");
        uvInput = found->second.view<float>("input 'uv'");
        for (float value : uvInput)
            if (!(value >= 0.0f && value <= 1.0f))
                throw ArgumentError("input 'uv' holds " + std::to_string(value) + "; every value must be in [0, 1]");
        count = uvInput.size() / 2;
    }

    context.progress(0.0, "drawing parameters");
    SurfaceSamples samples;
#if LS_PLUGIN_HAS_CUDA
    if (context.device().isCuda())
        samples = sampleSurfaceCuda(spec, count, uvInput, context);
    else
#endif
        samples = sampleSurfaceCpu(spec, count, uvInput, context);

    PointCloud cloud;
    cloud.positions = std::move(samples.positions);
    std::vector<float> u(count), v(count);
    for (std::size_t i = 0; i < count; ++i) {
        u[i] = samples.uv[2 * i];
        v[i] = samples.uv[2 * i + 1];
    }
    cloud.attributes = {{"height", 1, std::move(samples.height)},
                        {"noise", 1, std::move(samples.noiseOffset)},
                        {"u", 1, std::move(u)},
                        {"v", 1, std::move(v)}};
    RunOutput output;
    output.datasets.push_back({"samples", std::move(cloud)});
    return output;
}

} // namespace ls::surface

namespace ls::surface {
namespace {

std::string formatNumber(double value, const char* format = "%.4g")
{
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

} // namespace

std::vector<ReportSection> SurfaceSamplerEngine::reportSections(const std::vector<Dataset>& datasets,
                                                                const nlohmann::json& parameters) const
{
    const PointCloud* cloud = nullptr;
    for (const auto& dataset : datasets)
        if (dataset.name == "samples")
            cloud = std::get_if<PointCloud>(&dataset.content);
    if (!cloud || cloud->pointCount() == 0)
        return {};
    const auto noise = std::find_if(cloud->attributes.begin(), cloud->attributes.end(),
                                    [](const Attribute& a) { return a.name == "noise"; });
    if (noise == cloud->attributes.end())
        return {};

    // Does the noise that was drawn match the σ that was asked for?
    const auto n = static_cast<double>(noise->values.size());
    double sumSquares = 0, low = noise->values.front(), high = noise->values.front();
    for (float v : noise->values) {
        sumSquares += static_cast<double>(v) * v;
        low = std::min<double>(low, v);
        high = std::max<double>(high, v);
    }
    const double measured = std::sqrt(sumSquares / n);
    const double requested = parameters.value("noiseStd", 0.0);

    double extent[3][2] = {{1e300, -1e300}, {1e300, -1e300}, {1e300, -1e300}};
    for (std::size_t i = 0; i < cloud->pointCount(); ++i)
        for (int k = 0; k < 3; ++k) {
            extent[k][0] = std::min<double>(extent[k][0], cloud->positions[3 * i + k]);
            extent[k][1] = std::max<double>(extent[k][1], cloud->positions[3 * i + k]);
        }

    Table summary{{"quantity", "value"},
                  {{"points", std::to_string(cloud->pointCount())},
                   {"surface", parameters.value("surface", std::string("?"))},
                   {"requested noise σ (m)", formatNumber(requested)},
                   {"measured noise σ (m)", formatNumber(measured)},
                   {"bounding box x (m)", formatNumber(extent[0][0]) + " … " + formatNumber(extent[0][1])},
                   {"bounding box y (m)", formatNumber(extent[1][0]) + " … " + formatNumber(extent[1][1])},
                   {"bounding box z (m)", formatNumber(extent[2][0]) + " … " + formatNumber(extent[2][1])}}};

    // Histogram of the offsets along the normal: should look Gaussian.
    constexpr int kBins = 41;
    Series histogram;
    histogram.xLabel = "offset along the normal (m)";
    std::vector<float> counts(kBins, 0.0f);
    const double width = high > low ? (high - low) / kBins : 1.0;
    for (float v : noise->values)
        counts[std::clamp(static_cast<int>((v - low) / width), 0, kBins - 1)] += 1.0f;
    for (int b = 0; b < kBins; ++b)
        histogram.x.push_back(static_cast<float>(low + (b + 0.5) * width));
    histogram.curves.push_back({"points per bin", 1, counts});

    ReportSection section;
    section.title = "Surface samples";
    section.blocks.push_back(ReportParagraph{"The noise actually drawn against the σ that was asked for, and the extent of "
                                             "the sampled cloud."});
    section.blocks.push_back(summary);
    section.blocks.push_back(ReportPlot{"Distribution of the noise offsets", histogram});
    return {section};
}

} // namespace ls::surface
