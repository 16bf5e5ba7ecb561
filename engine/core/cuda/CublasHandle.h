#pragma once
// An owned cuBLAS handle: created on construction (a DeviceError when it cannot be), destroyed with
// its owner, so a constructor that throws after making one does not leak it.
#include "CublasCheck.h"

#include <utility>

namespace ls::cuda {

class CublasHandle {
public:
    CublasHandle() { LS_CUBLAS_CHECK(cublasCreate(&handle_)); }
    ~CublasHandle()
    {
        if (handle_)
            cublasDestroy(handle_);
    }
    CublasHandle(CublasHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    CublasHandle& operator=(CublasHandle&& other) noexcept
    {
        std::swap(handle_, other.handle_);
        return *this;
    }
    CublasHandle(const CublasHandle&) = delete;
    CublasHandle& operator=(const CublasHandle&) = delete;

    operator cublasHandle_t() const { return handle_; } // NOLINT: used wherever cuBLAS takes its handle

private:
    cublasHandle_t handle_ = nullptr;
};

} // namespace ls::cuda
