#include "SurfaceSamplerEngine.h"

#include "SurfaceSampler.h"

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
