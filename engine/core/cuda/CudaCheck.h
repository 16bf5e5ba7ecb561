#pragma once
// Every CUDA call is checked; a failure becomes a DeviceError naming the call and the location.
#include "../Error.h"

#include <cuda_runtime_api.h>
#include <string>

namespace ls::cuda {

inline void check(cudaError_t status, const char* call, const char* file, int line)
{
    if (status != cudaSuccess)
        throw DeviceError(std::string("CUDA error in ") + call + " (" + file + ":" + std::to_string(line) +
                          "): " + cudaGetErrorString(status));
}

} // namespace ls::cuda

#define LS_CUDA_CHECK(call) ::ls::cuda::check((call), #call, __FILE__, __LINE__)
