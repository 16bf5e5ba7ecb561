#include "MultipathSimulator.h"

#include "GreyPng.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"
#include "engine/core/Npy.h"
#include "engine/core/ParallelFor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace ls::rf {

namespace {

using Vec = std::array<double, 3>;

// An axis-aligned reflecting rectangle: coordinate `position` on `axis`, bounded on the others.
struct Face {
    int axis = 0;
    double position = 0;
    Vec low{}, high{}; // bounds on the two other axes (the `axis` entry unused)
    std::complex<double> reflection;
};

std::vector<Face> facesOf(const MultipathScene& scene)
{
    std::vector<Face> faces;
    auto add = [&](const SceneBox& box) {
        for (int axis = 0; axis < 3; ++axis)
            for (double position : {box.min[axis], box.max[axis]})
                faces.push_back({axis, position, box.min, box.max, box.material.reflection});
    };
    add(scene.room);
    for (const auto& box : scene.boxes)
        add(box);
    return faces;
}

Vec mirrored(const Vec& p, const Face& face)
{
    Vec q = p;
    q[face.axis] = 2 * face.position - p[face.axis];
    return q;
}

// Whether the open segment a → b passes through the inside of `box` (shrunk a hair, so legs that
// touch a face at a reflection point are not blocked by it).
bool crossesBox(const Vec& a, const Vec& b, const SceneBox& box)
{
    constexpr double shrink = 1e-6;
    double enter = 0, leave = 1;
    for (int axis = 0; axis < 3; ++axis) {
        const double d = b[axis] - a[axis], low = box.min[axis] + shrink, high = box.max[axis] - shrink;
        if (std::abs(d) < 1e-15) {
            if (a[axis] <= low || a[axis] >= high)
                return false;
            continue;
        }
        double t0 = (low - a[axis]) / d, t1 = (high - a[axis]) / d;
        if (t0 > t1)
            std::swap(t0, t1);
        enter = std::max(enter, t0);
        leave = std::min(leave, t1);
        if (enter >= leave)
            return false;
    }
    return true;
}

bool blocked(const Vec& a, const Vec& b, const MultipathScene& scene)
{
    return std::any_of(scene.boxes.begin(), scene.boxes.end(), [&](const SceneBox& box) { return crossesBox(a, b, box); });
}

// Traces the path of image chain `images` (images[k] = source after k + 1 reflections on
// faces[sequence[k]]) back from the receiver; false when a reflection point misses its face or a leg is blocked.
bool validPath(const Vec& transmitter, const Vec& receiver, const std::vector<Vec>& images, const std::vector<int>& sequence,
               const std::vector<Face>& faces, const MultipathScene& scene)
{
    Vec from = receiver;
    for (int k = static_cast<int>(sequence.size()) - 1; k >= 0; --k) {
        const Face& face = faces[sequence[k]];
        const Vec& target = images[k];
        const double d = target[face.axis] - from[face.axis];
        if (std::abs(d) < 1e-12)
            return false;
        const double t = (face.position - from[face.axis]) / d;
        if (!(t > 1e-9 && t < 1 - 1e-9))
            return false;
        Vec hit;
        for (int axis = 0; axis < 3; ++axis)
            hit[axis] = from[axis] + t * (target[axis] - from[axis]);
        hit[face.axis] = face.position;
        for (int axis = 0; axis < 3; ++axis)
            if (axis != face.axis && (hit[axis] < face.low[axis] - 1e-9 || hit[axis] > face.high[axis] + 1e-9))
                return false;
        if (blocked(from, hit, scene))
            return false;
        from = hit;
    }
    return !blocked(from, transmitter, scene);
}

} // namespace

std::vector<PropagationPath> tracePaths(const MultipathScene& scene, const std::array<float, 3>& transmitter)
{
    const std::vector<Face> faces = facesOf(scene);
    const Vec source{transmitter[0], transmitter[1], transmitter[2]};
    const Vec receiver = scene.receiver.position;
    std::vector<PropagationPath> paths;
    auto addPath = [&](const Vec& image, std::complex<double> reflection, int order) {
        double squared = 0;
        for (int axis = 0; axis < 3; ++axis)
            squared += (image[axis] - receiver[axis]) * (image[axis] - receiver[axis]);
        paths.push_back({image, std::sqrt(squared), reflection, order});
    };
    if (!blocked(source, receiver, scene))
        addPath(source, {1.0, 0.0}, 0);
    std::vector<Vec> images;
    std::vector<int> sequence;
    // Depth-first over face sequences; the same face twice in a row mirrors back onto itself.
    std::function<void(const Vec&, std::complex<double>)> extend = [&](const Vec& image, std::complex<double> reflection) {
        if (static_cast<int>(sequence.size()) == scene.reflectionOrder)
            return;
        for (int f = 0; f < static_cast<int>(faces.size()); ++f) {
            if (!sequence.empty() && sequence.back() == f)
                continue;
            const Vec next = mirrored(image, faces[f]);
            sequence.push_back(f);
            images.push_back(next);
            const std::complex<double> gamma = reflection * faces[f].reflection;
            if (validPath(source, receiver, images, sequence, faces, scene))
                addPath(next, gamma, static_cast<int>(sequence.size()));
            extend(next, gamma);
            sequence.pop_back();
            images.pop_back();
        }
    };
    extend(source, {1.0, 0.0});
    return paths;
}

std::vector<std::complex<double>> channelResponse(const std::vector<PropagationPath>& paths, const std::vector<double>& frequenciesHz)
{
    std::vector<std::complex<double>> response;
    for (double frequency : frequenciesHz) {
        const double wavelength = kSpeedOfLight / frequency;
        std::complex<double> sum = 0;
        for (const auto& path : paths)
            sum += path.reflection * (wavelength / (4 * kPi * path.lengthMetres)) * std::polar(1.0, -2 * kPi * path.lengthMetres / wavelength);
        response.push_back(sum);
    }
    return response;
}

std::vector<float> bartlettSpectrum(const MultipathScene& scene, const std::vector<PropagationPath>& paths)
{
    const double wavenumber = 2 * kPi * scene.frequenciesHz.front() / kSpeedOfLight;
    const double wavelength = kSpeedOfLight / scene.frequenciesHz.front();
    const auto frame = receiverFrame(scene.receiver);
    // Element positions in the receiver's xy plane, centred.
    std::vector<std::array<double, 2>> elements;
    for (int r = 0; r < scene.arrayRows; ++r)
        for (int c = 0; c < scene.arrayColumns; ++c)
            elements.push_back({(c - 0.5 * (scene.arrayColumns - 1)) * scene.arraySpacingMetres, (r - 0.5 * (scene.arrayRows - 1)) * scene.arraySpacingMetres});
    // Snapshot: each path is a plane wave from its image's direction.
    std::vector<std::complex<double>> snapshot(elements.size(), 0.0);
    for (const auto& path : paths) {
        double local[3];
        for (int i = 0; i < 3; ++i)
            local[i] = (frame.worldToLocal[i][0] * (path.imageSource[0] - frame.position[0]) + frame.worldToLocal[i][1] * (path.imageSource[1] - frame.position[1])
                        + frame.worldToLocal[i][2] * (path.imageSource[2] - frame.position[2])) / path.lengthMetres;
        const std::complex<double> amplitude = path.reflection * (wavelength / (4 * kPi * path.lengthMetres)) * std::polar(1.0, -wavenumber * path.lengthMetres);
        for (std::size_t m = 0; m < elements.size(); ++m)
            snapshot[m] += amplitude * std::polar(1.0, wavenumber * (local[0] * elements[m][0] + local[1] * elements[m][1]));
    }
    const int width = scene.mapping.width, height = scene.mapping.height;
    std::vector<float> spectrum(static_cast<std::size_t>(width) * height);
    for (int row = 0; row < height; ++row) {
        const double elevation = (row + 1) * (90.0 / height) * kPi / 180;
        for (int column = 0; column < width; ++column) {
            const double azimuth = (column + 1) * (360.0 / width) * kPi / 180;
            const double ux = std::cos(elevation) * std::cos(azimuth), uy = std::cos(elevation) * std::sin(azimuth);
            std::complex<double> beam = 0;
            for (std::size_t m = 0; m < elements.size(); ++m)
                beam += std::polar(1.0, -wavenumber * (ux * elements[m][0] + uy * elements[m][1])) * snapshot[m];
            spectrum[static_cast<std::size_t>(row) * width + column] = static_cast<float>(std::abs(beam) / elements.size());
        }
    }
    const auto [low, high] = std::minmax_element(spectrum.begin(), spectrum.end());
    const float lowest = *low, span = *high - *low;
    for (float& v : spectrum)
        v = span > 0 ? (v - lowest) / span : 0.0f;
    return spectrum;
}

SimulatedDataset simulateDataset(const MultipathScene& scene, const std::function<void(double)>& progress, const std::function<bool()>& cancelled)
{
    SimulatedDataset simulated;
    RfDataset& dataset = simulated.dataset;
    dataset.source = "multipath simulator";
    dataset.receiver = scene.receiver;
    dataset.mapping = scene.mapping;
    const std::size_t count = scene.transmitters.size();
    dataset.samples.resize(count);
    simulated.csi.resize(count);
    simulated.pathCounts.resize(count);
    std::atomic<std::size_t> done{0};
    std::atomic<bool> stop{false};
    parallelFor(count, parallelWorkers(count), [&](std::size_t begin, std::size_t end, int worker) {
        for (std::size_t i = begin; i < end && !stop; ++i) {
            const auto paths = tracePaths(scene, scene.transmitters[i]);
            dataset.samples[i] = {static_cast<int>(i + 1), scene.transmitters[i], bartlettSpectrum(scene, paths)};
            simulated.csi[i] = channelResponse(paths, scene.frequenciesHz);
            simulated.pathCounts[i] = paths.size();
            ++done;
            if (worker == 0) {
                if (progress)
                    progress(static_cast<double>(done) / count);
                if (cancelled && cancelled())
                    stop = true;
            }
        }
    });
    if (stop)
        throw CancelledError();
    // Held out: the transmitters farthest along x, away from every training position.
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scene.transmitters[a][0] < scene.transmitters[b][0]; });
    const auto held = static_cast<std::size_t>(std::lround(scene.testFraction * count));
    dataset.train.assign(order.begin(), order.end() - held);
    dataset.test.assign(order.end() - held, order.end());
    std::sort(dataset.train.begin(), dataset.train.end());
    std::sort(dataset.test.begin(), dataset.test.end());
    return simulated;
}

void writeSimulatedDataset(const SimulatedDataset& simulated, const std::filesystem::path& folder)
{
    const RfDataset& dataset = simulated.dataset;
    std::filesystem::create_directories(folder / "spectrum");
    std::ostringstream positions, train, test, gateway;
    positions << "x,y,z\n";
    for (const auto& sample : dataset.samples) {
        char name[32];
        std::snprintf(name, sizeof name, "%05d.png", sample.number);
        writeGreyPng(folder / "spectrum" / name, {dataset.mapping.height, dataset.mapping.width, sample.spectrum});
        positions << sample.movingEnd[0] << "," << sample.movingEnd[1] << "," << sample.movingEnd[2] << "\n";
    }
    for (std::size_t index : dataset.train)
        train << dataset.samples[index].number << "\n";
    for (std::size_t index : dataset.test)
        test << dataset.samples[index].number << "\n";
    const auto& q = dataset.receiver.orientation; // stored w, x, y, z; the file says x, y, z, w
    gateway.precision(12);
    gateway << "dataset_name: simulated\ngateway1:\n  position: [" << dataset.receiver.position[0] << ", " << dataset.receiver.position[1] << ", "
            << dataset.receiver.position[2] << "]\n  orientation: [" << q[1] << ", " << q[2] << ", " << q[3] << ", " << q[0] << "]  # quaternion x, y, z, w\n";
    writeTextAtomically(folder / "tx_pos.csv", positions.str());
    writeTextAtomically(folder / "train_index.txt", train.str());
    writeTextAtomically(folder / "test_index.txt", test.str());
    writeTextAtomically(folder / "gateway_info.yml", gateway.str());
    std::vector<float> csi;
    for (const auto& response : simulated.csi)
        for (const auto& h : response) {
            csi.push_back(static_cast<float>(h.real()));
            csi.push_back(static_cast<float>(h.imag()));
        }
    const auto n = static_cast<std::int64_t>(simulated.csi.size());
    const auto f = static_cast<std::int64_t>(simulated.csi.empty() ? 0 : simulated.csi.front().size());
    writeNpy(folder / "csi.npy", NpyArray::from<float>({n, f, 2}, csi));
}

} // namespace ls::rf
