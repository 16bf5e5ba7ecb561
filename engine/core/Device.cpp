#include "Device.h"

#include "Error.h"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#if LS_HAS_CUDA
#include <cuda_runtime_api.h>
#endif

namespace ls {

std::string DeviceInfo::id() const
{
    return isCuda() ? "cuda:" + std::to_string(index) : "cpu";
}

std::string DeviceInfo::describe() const
{
    const auto gib = static_cast<double>(memoryBytes) / (1024.0 * 1024.0 * 1024.0);
    char memory[32];
    std::snprintf(memory, sizeof memory, "%.1f GiB", gib);
    if (isCuda())
        return id() + " " + name + " (sm_" + std::to_string(computeMajor) + std::to_string(computeMinor) + ", " +
               memory + ")";
    return "cpu " + name + " (" + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " cores, " + memory + ")";
}

bool builtWithCuda()
{
    return LS_HAS_CUDA != 0;
}

DeviceInfo cpuDevice()
{
    DeviceInfo cpu;
    cpu.name = "CPU";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.starts_with("model name")) {
            const auto colon = line.find(':');
            if (colon != std::string::npos)
                cpu.name = line.substr(line.find_first_not_of(' ', colon + 1));
            break;
        }
    }
    cpu.memoryBytes = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(::sysconf(_SC_PAGE_SIZE));
    return cpu;
}

CudaAvailability enumerateCudaDevices()
{
    CudaAvailability result;
#if LS_HAS_CUDA
    int count = 0;
    // Without a driver this is cudaErrorInsufficientDriver, not cudaErrorNoDevice: any error
    // means zero usable devices.
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        result.reason = std::string("no usable CUDA device: ") + cudaGetErrorString(status);
        cudaGetLastError(); // clear the sticky error state for later calls
        return result;
    }
    if (count == 0) {
        result.reason = "no CUDA device present";
        return result;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp props{};
        if (cudaGetDeviceProperties(&props, i) != cudaSuccess)
            continue;
        DeviceInfo device;
        device.kind = DeviceKind::Cuda;
        device.index = i;
        device.name = props.name;
        device.memoryBytes = props.totalGlobalMem;
        device.computeMajor = props.major;
        device.computeMinor = props.minor;
        result.devices.push_back(device);
    }
#else
    result.reason = "this build has no CUDA support (configured with STUDIO_CUDA=OFF or without nvcc)";
#endif
    return result;
}

DeviceSelection selectDevice(const std::string& requested)
{
    std::string request = requested;
    std::string source = "requested";
    if (request.empty() || request == "auto") {
        const char* env = std::getenv(kDeviceEnvironmentVariable);
        if (env && *env) {
            request = env;
            source = std::string("forced by ") + kDeviceEnvironmentVariable + "=" + env;
        }
    } else {
        source = "requested '" + request + "'";
    }
    if (request.empty())
        request = "auto";

    if (request == "cpu")
        return {cpuDevice(), source};

    int wantedIndex = -1; // -1: any CUDA device
    if (request.starts_with("cuda:")) {
        const std::string digits = request.substr(5);
        char* end = nullptr;
        const long index = std::strtol(digits.c_str(), &end, 10);
        if (digits.empty() || *end != '\0' || index < 0)
            throw ArgumentError("device '" + request + "' is not valid: use cpu, cuda or cuda:N (N = 0, 1, ...)");
        wantedIndex = static_cast<int>(index);
    } else if (request != "cuda" && request != "auto") {
        throw ArgumentError("device '" + request + "' is not valid: use cpu, cuda or cuda:N (N = 0, 1, ...)");
    }

    const CudaAvailability cuda = enumerateCudaDevices();
    if (cuda.devices.empty())
        return {cpuDevice(), request == "auto" ? "CPU: " + cuda.reason : source + ", but " + cuda.reason + "; using the CPU"};
    if (wantedIndex < 0)
        return {cuda.devices.front(), request == "auto" ? std::string("first CUDA device") : source};
    for (const auto& device : cuda.devices)
        if (device.index == wantedIndex)
            return {device, source};
    return {cpuDevice(), source + ", but there are only " + std::to_string(cuda.devices.size()) +
                             " CUDA device(s); using the CPU"};
}

} // namespace ls
