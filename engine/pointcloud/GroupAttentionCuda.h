#pragma once
// Group attention's core on the GPU: for projected queries, keys and values of the grouped slots
// ([slots, C] each), softmax(q·kᵀ/√d)·v inside every group and head. One thread block per
// (group, head) stages the group's keys and values of that head in shared memory; each thread
// answers queries with an online softmax (GroupAttentionDevice.h, also run on the host).
#include "engine/core/LatencyRecorder.h"

#include <vector>

namespace ls::pointcloud {

// The same core on the host, one query at a time: what the kernel computes, checkable anywhere.
std::vector<float> groupAttentionCoreOnHost(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                            int groupSize, int channels, int heads);

// On the GPU (built with CUDA only); stages "upload", "attention core", "download" on the GPU lane.
std::vector<float> groupAttentionCoreCuda(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                          int groupSize, int channels, int heads, int deviceIndex, LatencyRecorder& recorder);

} // namespace ls::pointcloud
