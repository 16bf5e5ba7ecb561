#pragma once
// The data kinds engines produce and views show. Views know these kinds, never the engines
// (DESIGN.md). Arrays are flat, C order; the comment on each member gives its shape.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ls {

// A named per-element attribute: `components` values per element (1 for scalars, 3 for colours).
struct Attribute {
    std::string name;
    int components = 1;
    std::vector<float> values; // [N, components]
};

// Points in 3D with any number of per-point attributes (intensity, window id, feature norm, ...).
struct PointCloud {
    std::vector<float> positions;     // [N, 3], metres
    std::vector<Attribute> attributes; // each [N, C]
    std::size_t pointCount() const { return positions.size() / 3; }
    // Points that stand for 3D Gaussians may carry their shape, for the 3D view to draw them as
    // ellipsoids: 1σ semi-axes in metres and rotation quaternions (w, x, y, z). Empty: points only.
    std::vector<float> ellipsoidAxes;      // [N, 3]
    std::vector<float> ellipsoidRotations; // [N, 4]
    bool hasEllipsoids() const { return !positions.empty() && ellipsoidAxes.size() == positions.size() && ellipsoidRotations.size() == pointCount() * 4; }
};

// A regular 2D grid of values, e.g. a received-power spectrum on an equirectangular map.
struct Grid {
    int height = 0, width = 0, channels = 1;
    std::vector<float> values; // [height, width, channels]
    std::string valueUnits;    // "dB", ...
    std::string xLabel, yLabel; // axis names, e.g. "azimuth (deg)", "elevation (deg)"
    // Shown in the studio as an image (greyscale for one channel): spectra, sample galleries.
    // Grids without it are arrays for export (orders, features), not pictures.
    bool showAsImage = false;
    // Maps of a physical quantity (spectra) read better in colour with a colour bar: the heat ramp.
    bool heatColours = false;
    // Non-empty: each channel is a layer (a frequency) the view steps through, named by this.
    std::string layerLabel;
    int layerCount() const { return layerLabel.empty() ? 1 : channels; }
};

// Curves sharing one x axis, drawn as lines, or as bars for few categories (buckets, bins).
enum class SeriesStyle { Lines, Bars };

// A labelled vertical line at x (a phase boundary, a threshold).
struct SeriesMarker {
    float x = 0;
    std::string label;
};

struct Series {
    std::string xLabel;
    std::vector<float> x;         // [M]
    std::vector<Attribute> curves; // each [M] (components = 1); name is the legend
    SeriesStyle style = SeriesStyle::Lines;
    std::vector<std::string> xTicks; // [M] or empty: a label under each x (e.g. "0.21–0.35")
    std::vector<SeriesMarker> markers;
};

// Small tables for summaries; cells are text as shown.
struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows; // [R][columns.size()]
};

// A generated token sequence with per-step log-probabilities and top-k alternatives.
struct TokenTrace {
    std::vector<std::string> tokens;      // [T]
    std::vector<float> logprobs;          // [T], natural log
    int topK = 0;
    std::vector<std::string> topTokens;   // [T, topK]
    std::vector<float> topLogprobs;       // [T, topK]
};

// 3D Gaussians (splatting): mean, scale, rotation quaternion (w, x, y, z), opacity, features.
struct GaussianSet {
    std::vector<float> means;     // [N, 3]
    std::vector<float> scales;    // [N, 3]
    std::vector<float> rotations; // [N, 4]
    std::vector<float> opacities; // [N]
    int featureDim = 0;
    std::vector<float> features;  // [N, featureDim]
    std::size_t count() const { return opacities.size(); }
};

using DatasetContent = std::variant<PointCloud, Grid, Series, Table, TokenTrace, GaussianSet>;

// How the studio links a dataset with others of its run. The engine says it, so the host connects
// views without knowing any engine's dataset names (docs/architecture.md, "Dataset roles").
enum class DatasetRole : std::uint8_t {
    Own,          // a tab of its own, linked to nothing
    Shades,       // a Series over the steps of the TokenTrace `linkedTo`: its last curve shades the
                  // trace, its other curves are the trace's per-step details, and clicks or a text
                  // selection in either move the other. Also a tab of its own.
    ComparedWith, // a TokenTrace shown beside the TokenTrace `linkedTo` in one side-by-side tab
                  // (with the Series that shade each); no tab of its own, nor has its shading
    BothSides,    // a Series with one curve per side of the comparison whose second side is `linkedTo`;
                  // shown in that side-by-side tab
};

struct Dataset {
    std::string name; // unique within a run: "samples", "spectrum", ...
    DatasetContent content;
    DatasetRole role = DatasetRole::Own;
    std::string linkedTo; // another dataset of the run, by name (every role but Own)
};

const char* datasetKindName(const DatasetContent& content); // "pointcloud", "grid", ...
const char* toString(DatasetRole role);                     // "own", "shades", "compared-with", "both-sides"

} // namespace ls
