#pragma once
// The engine contract (Qt-free): parameters in, datasets out, every stage timed.
// Data flow (DESIGN.md): parameters → Engine::run(inputs, params, context) → datasets + latency.
#include "Dataset.h"
#include "Device.h"
#include "DragHandle.h"
#include "Error.h"
#include "LatencyRecorder.h"
#include "Npy.h"
#include "Npz.h"
#include "Parameters.h"
#include "PickDetail.h"
#include "ReportSection.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ls {

// An input array an engine accepts (`--input key=file.npy` on the CLI).
struct InputSpec {
    std::string key;         // "uv"
    std::string description; // "parametric coordinates to sample at"
    std::string shape;       // "[N, 2] float32"
    bool required = false;
};

using RunInputs = std::map<std::string, NpyArray>;

// What an engine sees of the host while it runs. Progress and cancel are polled by the engine
// between stages (and inside long loops); the host decides what they do.
class RunContext {
public:
    using ProgressFn = std::function<void(double fraction, const std::string& message)>;
    using PublishFn = std::function<void(const Dataset& dataset)>;

    RunContext(const DeviceInfo& device, LatencyRecorder& recorder, ProgressFn progress,
               const std::atomic<bool>* cancelRequested, PublishFn publish = {})
        : device_(device), recorder_(recorder), progress_(std::move(progress)), cancelRequested_(cancelRequested),
          publish_(std::move(publish)) {}

    const DeviceInfo& device() const { return device_; }
    LatencyRecorder& recorder() { return recorder_; }
    void progress(double fraction, const std::string& message) const
    {
        if (progress_)
            progress_(fraction, message);
    }
    bool cancelRequested() const { return cancelRequested_ && cancelRequested_->load(std::memory_order_relaxed); }
    void throwIfCancelled() const
    {
        if (cancelRequested())
            throw CancelledError();
    }

    // Hands the host a dataset while the run goes on (a training's loss curves so far), to show in
    // place of the one it published before under the same name. Call it as often as a person can
    // look (every second or so), not every step. The run's outputs are still what run() returns.
    void publish(const Dataset& dataset) const
    {
        if (publish_)
            publish_(dataset);
    }
    bool publishes() const { return static_cast<bool>(publish_); } // false: nobody looks (CLI, tests)

private:
    const DeviceInfo& device_;
    LatencyRecorder& recorder_;
    ProgressFn progress_;
    const std::atomic<bool>* cancelRequested_;
    PublishFn publish_; // last: plugins built before it keep the members' offsets
};

struct RunOutput {
    std::vector<Dataset> datasets;
    // Whole files the run hands over besides its datasets, by file name: a trained model's
    // checkpoint ("checkpoint.npz"). Hosts keep them with the run and let the user save them.
    std::map<std::string, NpzArchive> archives;
};

class Engine {
public:
    virtual ~Engine() = default;

    virtual std::string id() const = 0;          // stable, used in sessions and on the CLI
    virtual std::string displayName() const = 0;
    virtual std::string description() const = 0;
    virtual ParameterSchema parameterSchema() const = 0;
    virtual std::vector<InputSpec> inputSpecs() const { return {}; }
    virtual bool hasCudaPath() const = 0;

    // One repeat: computes the outputs on context.device(), timing its stages with
    // context.recorder(). Throws StudioError (ArgumentError for bad inputs, CancelledError).
    virtual RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) = 0;

    // The engine's own sections in exported reports for one of its runs (its datasets as kept in
    // the session, its parameters as JSON). Default: none.
    virtual std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets,
                                                      const nlohmann::json& parameters) const
    {
        (void)datasets;
        (void)parameters;
        return {};
    }

    // What the engine says about point `pointIndex` of its point cloud `cloudName` in one of its
    // runs (datasets as kept in the session), when the user picks it in the 3D view. Default: nothing
    // beyond the point's own attributes, which the host shows for every engine.
    virtual std::optional<PickDetail> describePick(const std::vector<Dataset>& datasets, const std::string& cloudName,
                                                   std::size_t pointIndex) const
    {
        (void)datasets;
        (void)cloudName;
        (void)pointIndex;
        return std::nullopt;
    }

    // Repeats and warm-ups a host should offer by default, when the engine's own default differs
    // from "time many repeats": an engine that trains a model for minutes runs once, unwarmed.
    // {0, 0}: no advice (the host's defaults).
    struct RepeatAdvice {
        int repeats = 0;
        int warmupRepeats = 0;
    };
    virtual RepeatAdvice repeatAdvice() const { return {}; }

    // Points of a run's clouds (datasets as kept in the session) the user may drag in the 3D view,
    // such as a transmitter whose position the outputs depend on. Default: none.
    virtual std::vector<DragHandle> dragHandles(const std::vector<Dataset>& datasets) const
    {
        (void)datasets;
        return {};
    }

    // Starts following `handle` of a run: its datasets, archives and parameters as kept in the
    // session (file parameters resolved). Throws StudioError when the run's model cannot be had
    // (a checkpoint gone missing); null when the engine does not follow that handle.
    virtual std::unique_ptr<HandleFollower> followHandle(const DragHandle& handle, const std::vector<Dataset>& datasets,
                                                         const std::map<std::string, NpzArchive>& archives,
                                                         const ParameterValues& parameters) const
    {
        (void)handle;
        (void)datasets;
        (void)archives;
        (void)parameters;
        return nullptr;
    }
};

} // namespace ls
