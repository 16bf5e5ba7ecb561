#pragma once
// One device allocation that a pass carves into its typed arrays, kept and grown between passes:
// a render or a training step then costs no cudaMalloc/cudaFree at all once the workspace has
// reached its size (cudaMalloc synchronises the device and takes tens of microseconds; a GSpaRC
// render used about 20 of them). Pointers carved from a workspace stay valid until its next carve.
#include "DeviceBuffer.h"

#include <cstddef>
#include <cstdint>

namespace ls::cuda {

// Hands out 256-byte aligned pieces of a base address in order. With a null base it only adds up
// the bytes, so the same layout function sizes the workspace first and then takes its pieces.
class Carver {
public:
    explicit Carver(unsigned char* base) : base_(base) {}
    template <class T> T* take(std::size_t count)
    {
        offset_ = (offset_ + kAlignment - 1) / kAlignment * kAlignment;
        T* piece = base_ ? reinterpret_cast<T*>(base_ + offset_) : nullptr;
        offset_ += count * sizeof(T);
        return piece;
    }
    std::size_t bytes() const { return offset_; }

private:
    static constexpr std::size_t kAlignment = 256; // cudaMalloc's own alignment: every type and vector load is safe
    unsigned char* base_;
    std::size_t offset_ = 0;
};

class Workspace {
public:
    // Lays out `layOut(Carver&)` (which returns its pieces) in this workspace: sizes it with a null
    // base, grows the allocation when that exceeds it (with room to spare, so small growth does
    // not reallocate every pass), then returns the pieces. Earlier pieces are invalid after this.
    template <class LayOut> auto carve(LayOut&& layOut)
    {
        Carver sizing(nullptr);
        layOut(sizing);
        if (sizing.bytes() > buffer_.size()) {
            buffer_ = DeviceBuffer<unsigned char>(); // free first: the old and new need not fit together
            buffer_ = DeviceBuffer<unsigned char>(sizing.bytes() + sizing.bytes() / 4);
            ++allocations_;
        }
        Carver pieces(buffer_.data());
        return layOut(pieces);
    }
    std::size_t capacity() const { return buffer_.size(); }
    int allocations() const { return allocations_; } // how often it grew (tests and benchmarks read it)

private:
    DeviceBuffer<unsigned char> buffer_;
    int allocations_ = 0;
};

} // namespace ls::cuda
