#pragma once
// Clears the upper halves of the calling thread's AVX registers (vzeroupper) where the CPU has them.
//
// Why: the engines are compiled for baseline x86-64, so their floating-point code is legacy-SSE
// encoded. When a thread's AVX upper state is left dirty — some library in the studio's process
// (Qt, VTK and their dependencies load before any engine runs) executes AVX code without a
// vzeroupper, and a new thread inherits its creator's register state — every legacy-SSE
// instruction on recent Intel cores waits on the stale upper halves. Measured in
// latency-studio-cli on the RFID sample: a GSpaRC training step took 3.9 s instead of 0.41 s
// (composite 1,482 → 141 ms, backward 2,375 → 241 ms) until the engine's threads cleared it.
// Call it at the start of every thread that runs engine code (runEngine, parallelFor's workers,
// the studio's follow renders). It is out of line on purpose: across a call no vector register
// holds a live value, so clearing their upper halves cannot corrupt anything.
namespace ls {

void clearUpperVectorState();

// Flush-to-zero and denormals-are-zero for the calling thread's SSE arithmetic while it lives,
// restoring the previous mode after. Engines run under it (runEngine; threads they start inherit
// the mode): a denormal operand costs about a hundred cycles on x86, and one stray −∞ mask that
// exp() turns into 2.8e-39 slowed a whole attention baseline 6× (docs/flatformer.md). GPUs flush
// too, so CPU and CUDA paths see the same arithmetic. No effect off x86-64.
class FlushDenormals {
public:
    FlushDenormals();
    ~FlushDenormals();
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;
    static bool activeOnThisThread();

private:
    unsigned saved_ = 0;
};

} // namespace ls
