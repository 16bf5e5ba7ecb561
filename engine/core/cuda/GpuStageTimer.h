#pragma once
// Times GPU stages with CUDA events and hands them to the LatencyRecorder on the "gpu" lane.
// Usage: timer.begin("splat"); launch...; timer.end(); ... timer.commit(recorder) after the work
// (commit synchronises on the last event, so it never reads an unfinished timing).
#include "../LatencyRecorder.h"
#include "CudaCheck.h"

#include <string>
#include <vector>

namespace ls::cuda {

class GpuStageTimer {
public:
    explicit GpuStageTimer(cudaStream_t stream = nullptr) : stream_(stream) {}
    ~GpuStageTimer()
    {
        for (auto& s : stages_) {
            cudaEventDestroy(s.start);
            cudaEventDestroy(s.stop);
        }
    }
    GpuStageTimer(const GpuStageTimer&) = delete;
    GpuStageTimer& operator=(const GpuStageTimer&) = delete;

    void begin(std::string name)
    {
        Stage stage{std::move(name), nullptr, nullptr};
        LS_CUDA_CHECK(cudaEventCreate(&stage.start));
        LS_CUDA_CHECK(cudaEventCreate(&stage.stop));
        LS_CUDA_CHECK(cudaEventRecord(stage.start, stream_));
        stages_.push_back(stage);
    }
    void end() { LS_CUDA_CHECK(cudaEventRecord(stages_.back().stop, stream_)); }

    // Places the GPU stages on the recorder's timeline relative to `firstStartUs`, the CPU time at
    // which the first stage was enqueued (GPU work starts no earlier than that).
    void commit(LatencyRecorder& recorder, double firstStartUs)
    {
        if (stages_.empty())
            return;
        LS_CUDA_CHECK(cudaEventSynchronize(stages_.back().stop));
        for (const auto& s : stages_) {
            float offsetMs = 0, durationMs = 0;
            LS_CUDA_CHECK(cudaEventElapsedTime(&offsetMs, stages_.front().start, s.start));
            LS_CUDA_CHECK(cudaEventElapsedTime(&durationMs, s.start, s.stop));
            recorder.addMeasuredStage(s.name, "gpu", firstStartUs + offsetMs * 1000.0, durationMs * 1000.0);
        }
    }

private:
    struct Stage {
        std::string name;
        cudaEvent_t start, stop;
    };
    cudaStream_t stream_;
    std::vector<Stage> stages_;
};

} // namespace ls::cuda
