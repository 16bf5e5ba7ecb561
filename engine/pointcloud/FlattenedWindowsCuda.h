#pragma once
// The flattening on the GPU: one thread per pillar computes its key (flattenKey, shared with the
// CPU), then CUB's radix sort orders (key, index) pairs. Only built with CUDA (LS_HAS_CUDA).
#include "FlattenedWindows.h"
#include "engine/core/LatencyRecorder.h"

namespace ls::pointcloud {

// The same permutation as flattenOrderCpu (keys are unique, so any correct sort agrees). Stages
// "upload", "keys", "sort", "download" go to `recorder` on the GPU lane.
std::vector<std::int32_t> flattenOrderCuda(const PillarCoords& pillars, GridShape grid, WindowShape window, LayerKind kind,
                                           int deviceIndex, LatencyRecorder& recorder);

} // namespace ls::pointcloud
