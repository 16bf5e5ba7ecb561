#pragma once
// Every CUDA path against its CPU twin, Qt-free, so the same comparisons run in the Qt Test suites
// (which skip them without a GPU) and in the GPU check runner of the bundle (scripts/gpu-bundle),
// which a bare GPU machine runs without Qt. Built only with CUDA (LS_HAS_CUDA).
#include "CheckOutcome.h"

#include <string>
#include <vector>

namespace ls::test {

struct GpuCheckContext {
    int device = 0;      // CUDA device index
    bool small = false;  // sizes for compute-sanitizer, which runs kernels 10-100x slower
    std::string traces;  // a JSON Lines trace file for the instability engine's end-to-end check
};

struct GpuCheck {
    const char* name;    // e.g. "rf.forward"
    const char* covers;  // the kernels or library calls it runs
    bool sharedMemory;   // its kernels use shared memory: racecheck runs it too
    void (*run)(const GpuCheckContext&, CheckOutcome&);
};

const std::vector<GpuCheck>& gpuChecks();
const GpuCheck* findGpuCheck(const std::string& name);

// Runs a named check on the first CUDA device; "" when it ran (the outcome says how), else why it
// could not run (no device). Throws std::invalid_argument for an unknown name.
std::string runGpuCheckOnFirstDevice(const std::string& name, CheckOutcome& outcome, const std::string& traces = {});

} // namespace ls::test
