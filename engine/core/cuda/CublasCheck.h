#pragma once
// Every cuBLAS call is checked; a failure becomes a DeviceError naming the call and its status.
#include "../Error.h"

#include <cublas_v2.h>
#include <string>

#define LS_CUBLAS_CHECK(call)                                                                                      \
    do {                                                                                                           \
        const cublasStatus_t status_ = (call);                                                                     \
        if (status_ != CUBLAS_STATUS_SUCCESS)                                                                      \
            throw ::ls::DeviceError(std::string(#call) + ": cuBLAS status " + std::to_string(static_cast<int>(status_))); \
    } while (0)
