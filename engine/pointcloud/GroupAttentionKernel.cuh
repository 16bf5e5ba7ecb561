#pragma once
// The group-attention kernel, shared by the stand-alone core (GroupAttentionCuda.cu) and the
// all-GPU layer (FlatFormerStackCuda.cu). Block (group, head): the head's keys and values of the
// group staged in shared memory [G, D] each, in the storage precision (fp16 halves the bytes, so
// groups twice as large fit); each thread answers queries with GroupAttentionDevice.h's body.
#include "GroupAttentionDevice.h"
#include "engine/core/Error.h"

#include <cstddef>
#include <string>

namespace ls::pointcloud::gpu {

constexpr int kAttentionThreads = 128;
constexpr std::size_t kMaxAttentionSharedBytes = 48 * 1024; // without opting in to more

template <class Storage>
__global__ void groupAttentionKernel(const Storage* q, const Storage* k, const Storage* v, // [slots, C] each
                                     const int32_t* groupKeys, // [groups] or null: every slot is a key
                                     int groupSize, int channels, int headDim, float scale, float* out)
{
    extern __shared__ unsigned char stagedBytes[]; // keys [G, D], then values [G, D]
    Storage* keys = reinterpret_cast<Storage*>(stagedBytes);
    Storage* values = keys + groupSize * headDim;
    const long base = static_cast<long>(blockIdx.x) * groupSize * channels + static_cast<long>(blockIdx.y) * headDim;
    const int keyCount = keysOfGroup(groupKeys, blockIdx.x, groupSize);
    for (int e = threadIdx.x; e < keyCount * headDim; e += blockDim.x) {
        const int row = e / headDim, column = e % headDim;
        keys[e] = k[base + static_cast<long>(row) * channels + column];
        values[e] = v[base + static_cast<long>(row) * channels + column];
    }
    __syncthreads();
    for (int i = threadIdx.x; i < groupSize; i += blockDim.x)
        attendQuery(q + base + static_cast<long>(i) * channels, keys, values, keyCount, headDim, headDim, scale,
                    out + base + static_cast<long>(i) * channels);
}

// Shared bytes a block needs; a clear error past the limit.
template <class Storage> std::size_t attentionSharedBytes(int groupSize, int headDim)
{
    const std::size_t bytes = 2 * static_cast<std::size_t>(groupSize) * headDim * sizeof(Storage);
    if (bytes > kMaxAttentionSharedBytes)
        throw ArgumentError("group size " + std::to_string(groupSize) + " × head width " + std::to_string(headDim) + " needs " +
                            std::to_string(bytes / 1024) + " KiB of shared memory per block (at most 48; fp16 needs half)");
    return bytes;
}

} // namespace ls::pointcloud::gpu
