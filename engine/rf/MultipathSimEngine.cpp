#include "GsparcEngines.h"
#include "GsparcOutputs.h"
#include "MultipathSimulator.h"

#include <cstdio>

namespace ls::rf {

std::string MultipathSimEngine::description() const
{
    return "Simulates RF ground truth with no download: image sources in a box room with boxes inside (complex reflection "
           "coefficients, free-space loss and phase) up to a reflection order, Bartlett spatial spectra on a planar array and CSI per "
           "subcarrier, for a grid of transmitters; writes an RFID-layout dataset gsparc-train reads. CLI: latency-studio-cli run "
           "multipath-sim --scene assets/rf/scenes/office.json --folder DIR";
}

ParameterSchema MultipathSimEngine::parameterSchema() const
{
    return {{
        {.key = "scene", .label = "Scene", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "Scene JSON: room, boxes, materials, receiver pose, array, frequencies, reflection order, transmitter grid, map.",
         .fileFilter = "Scene files (*.json)"},
        {.key = "folder", .label = "Write dataset to", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "Folder to write the dataset into (RFID layout + csi.npy); empty: show it only.", .fileFilter = "folder"},
    }};
}

RunOutput MultipathSimEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    const std::string& scenePath = stringParameter(parameters, "scene");
    if (scenePath.empty())
        throw ArgumentError("scene: give a scene JSON (the bundled one: assets/rf/scenes/office.json)");
    const MultipathScene scene = [&] {
        auto stage = recorder.stage("read scene");
        return readMultipathScene(scenePath);
    }();
    SimulatedDataset simulated = [&] {
        auto stage = recorder.stage("trace and beamform");
        return simulateDataset(
            scene, [&](double fraction) { context.progress(0.9 * fraction, "simulating " + std::to_string(scene.transmitters.size()) + " transmitters"); },
            [&] { return context.cancelRequested(); });
    }();
    const std::string& folder = stringParameter(parameters, "folder");
    if (!folder.empty()) {
        auto stage = recorder.stage("write dataset");
        writeSimulatedDataset(simulated, folder);
    }
    RunOutput output;
    auto stage = recorder.stage("outputs");
    const RfDataset& dataset = simulated.dataset;
    std::size_t paths = 0;
    for (std::size_t count : simulated.pathCounts)
        paths += count;
    Table summary{{"transmitters", "training", "held out (largest x)", "paths per transmitter", "reflection order", "frequencies", "written to"}, {}};
    summary.rows.push_back({std::to_string(dataset.samples.size()), std::to_string(dataset.train.size()), std::to_string(dataset.test.size()),
                            std::to_string(static_cast<double>(paths) / std::max<std::size_t>(1, dataset.samples.size())),
                            std::to_string(scene.reflectionOrder), std::to_string(scene.frequenciesHz.size()), folder.empty() ? "(not written)" : folder});
    output.datasets.push_back({"summary", std::move(summary)});
    // Four spectra across the transmitter grid, one per band.
    std::vector<std::vector<float>> shown;
    std::string numbers;
    for (int i = 0; i < 4 && !dataset.samples.empty(); ++i) {
        const std::size_t index = i * (dataset.samples.size() - 1) / 3;
        shown.push_back(dataset.samples[index].spectrum);
        numbers += (numbers.empty() ? "" : ", ") + std::to_string(dataset.samples[index].number);
    }
    output.datasets.push_back({"spectra", spectrumStack(shown, dataset.mapping, "transmitters " + numbers + " (elevation)")});
    Series csi;
    csi.xLabel = "subcarrier frequency (MHz)";
    Attribute amplitude{"amplitude (dB), transmitter 1", 1, {}}, phase{"phase (rad), transmitter 1", 1, {}};
    for (std::size_t f = 0; f < scene.frequenciesHz.size(); ++f) {
        csi.x.push_back(static_cast<float>(scene.frequenciesHz[f] / 1e6));
        amplitude.values.push_back(static_cast<float>(20 * std::log10(std::abs(simulated.csi.front()[f]) + 1e-30)));
        phase.values.push_back(static_cast<float>(std::arg(simulated.csi.front()[f])));
    }
    csi.curves = {std::move(amplitude), std::move(phase)};
    output.datasets.push_back({"CSI", std::move(csi)});
    // The scene in 3D: transmitters (by split), the receiver, and the boxes' corners.
    PointCloud points;
    Attribute kind{"kind (0 training tx, 1 held-out tx, 2 receiver, 3 room/box corner)", 1, {}};
    for (std::size_t i = 0; i < dataset.samples.size(); ++i) {
        points.positions.insert(points.positions.end(), dataset.samples[i].movingEnd.begin(), dataset.samples[i].movingEnd.end());
        kind.values.push_back(std::find(dataset.test.begin(), dataset.test.end(), i) != dataset.test.end() ? 1.0f : 0.0f);
    }
    points.positions.insert(points.positions.end(), {static_cast<float>(scene.receiver.position[0]), static_cast<float>(scene.receiver.position[1]),
                                                      static_cast<float>(scene.receiver.position[2])});
    kind.values.push_back(2.0f);
    std::vector<SceneBox> boxes = scene.boxes;
    boxes.push_back(scene.room);
    for (const auto& box : boxes)
        for (int corner = 0; corner < 8; ++corner) {
            for (int axis = 0; axis < 3; ++axis)
                points.positions.push_back(static_cast<float>((corner >> axis) & 1 ? box.max[axis] : box.min[axis]));
            kind.values.push_back(3.0f);
        }
    points.attributes.push_back(std::move(kind));
    output.datasets.push_back({"scene", std::move(points)});
    return output;
}

} // namespace ls::rf
