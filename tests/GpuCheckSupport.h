#pragma once
// A Qt Test slot that runs one of the GPU checks (tests/gpu) on the first CUDA device, and skips,
// saying why, where there is no device or no CUDA build.
#include "TestSupport.h"
#if LS_HAS_CUDA
#include "gpu/GpuChecks.h"
#endif

#if LS_HAS_CUDA
#define LS_RUN_GPU_CHECK(name, ...)                                                                                                        \
    do {                                                                                                                                   \
        ls::test::CheckOutcome outcome_;                                                                                                   \
        const std::string skipped_ = ls::test::runGpuCheckOnFirstDevice(name, outcome_, ##__VA_ARGS__);                                    \
        if (!skipped_.empty())                                                                                                             \
            QSKIP(skipped_.c_str());                                                                                                       \
        for (const std::string& note_ : outcome_.notes())                                                                                  \
            qInfo("%s", note_.c_str());                                                                                                    \
        QVERIFY2(outcome_.passed(), outcome_.summary().c_str());                                                                           \
        qInfo("%d comparisons; %s", outcome_.comparisons(), outcome_.worst().c_str());                                                     \
    } while (false)
#else
#define LS_RUN_GPU_CHECK(name, ...) QSKIP("this build has no CUDA path (STUDIO_CUDA=OFF or no nvcc): the GPU check " name " did not run")
#endif
