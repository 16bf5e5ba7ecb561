#pragma once
// Where a run executes. CUDA devices are enumerated at run time; a build with CUDA on a machine
// without a GPU (or without a driver) selects the CPU and says why, it never fails.
#include <cstdint>
#include <string>
#include <vector>

namespace ls {

enum class DeviceKind { Cpu, Cuda };

struct DeviceInfo {
    DeviceKind kind = DeviceKind::Cpu;
    int index = 0;                   // CUDA ordinal; 0 for the CPU
    std::string name;                // "NVIDIA H100 80GB HBM3", or the CPU model
    std::uint64_t memoryBytes = 0;   // device memory, or system memory for the CPU
    int computeMajor = 0, computeMinor = 0;

    std::string id() const;          // "cpu" or "cuda:0" (the LATENCY_STUDIO_DEVICE syntax)
    std::string describe() const;    // one line for logs and reports
    bool isCuda() const { return kind == DeviceKind::Cuda; }
};

struct CudaAvailability {
    std::vector<DeviceInfo> devices;
    std::string reason; // why there are none: "built without CUDA", "no CUDA driver", ...
};

bool builtWithCuda();
CudaAvailability enumerateCudaDevices();
DeviceInfo cpuDevice();

struct DeviceSelection {
    DeviceInfo device;
    std::string reason; // how it was chosen, e.g. "forced by LATENCY_STUDIO_DEVICE=cpu"
};

// Picks the device for runs: `requested` ("", "auto", "cpu", "cuda", "cuda:N") wins if non-empty,
// else the LATENCY_STUDIO_DEVICE environment variable, else the first CUDA device, else the CPU.
// A request for a CUDA device that is not there falls back to the CPU with the reason; a request
// that cannot be parsed throws ArgumentError.
DeviceSelection selectDevice(const std::string& requested = {});

constexpr const char* kDeviceEnvironmentVariable = "LATENCY_STUDIO_DEVICE";

} // namespace ls
