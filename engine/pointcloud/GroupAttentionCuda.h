#pragma once
// Group attention's core on the GPU: for projected queries, keys and values of the grouped slots
// ([slots, C] each), softmax(q·kᵀ/√d)·v inside every group and head. One thread block per
// (group, head) stages the group's keys and values of that head in shared memory; each thread
// answers queries with an online softmax (GroupAttentionDevice.h, also run on the host).
#include "GroupAttentionDevice.h"
#include "engine/core/LatencyRecorder.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ls::pointcloud {

// fp16: q, k and v are rounded to half precision (round to nearest even) and read as such; scores,
// softmax and the weighted sum accumulate in fp32. Half the bytes to move and to stage.
enum class AttentionPrecision { Fp32, Fp16 };

// The same core on the host, one query at a time: what the kernel computes, checkable anywhere.
// `groupKeys` (Grouping::groupKeys, or empty: all slots) gives the keys each group attends to.
std::vector<float> groupAttentionCoreOnHost(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                            int groupSize, int channels, int heads, std::span<const std::int32_t> groupKeys = {},
                                            AttentionPrecision precision = AttentionPrecision::Fp32);

// On the GPU (built with CUDA only); stages "upload", "attention core", "download" on the GPU lane.
std::vector<float> groupAttentionCoreCuda(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                          int groupSize, int channels, int heads, std::span<const std::int32_t> groupKeys,
                                          int deviceIndex, LatencyRecorder& recorder,
                                          AttentionPrecision precision = AttentionPrecision::Fp32);

// Throws unless `groupKeys` is empty or holds one count in [1, groupSize] per group.
void checkGroupKeys(std::span<const std::int32_t> groupKeys, std::size_t groups, int groupSize);

// q, k or v rounded to fp16 bits, as both paths read them.
std::vector<gpu::HalfBits> toHalfBits(const std::vector<float>& values);

} // namespace ls::pointcloud
