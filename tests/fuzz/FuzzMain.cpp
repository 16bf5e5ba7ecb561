// libFuzzer entry point of one harness; FUZZ_TARGET names its parser among FuzzTargets.cpp's.
#include "FuzzTargets.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const ls::fuzz::Target* target = [] {
        const auto* found = ls::fuzz::findTarget(FUZZ_TARGET);
        if (!found) {
            std::fprintf(stderr, "no fuzz target '%s'\n", FUZZ_TARGET);
            std::abort();
        }
        return found;
    }();
    target->run({data, size});
    return 0;
}
