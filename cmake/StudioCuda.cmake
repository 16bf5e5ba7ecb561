# Decides whether the CUDA paths are built. STUDIO_CUDA=AUTO builds them when nvcc is found; the
# result is STUDIO_HAS_CUDA, also passed to C++ as LS_HAS_CUDA=0/1 by the core target.
include(CheckLanguage)

if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
  # Turing → Hopper as real code, plus PTX of the newest for forward compatibility.
  set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90")
endif()
if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()

set(STUDIO_HAS_CUDA OFF)
if(STUDIO_CUDA STREQUAL "OFF")
  message(STATUS "CUDA paths: off (STUDIO_CUDA=OFF)")
else()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(STUDIO_HAS_CUDA ON)
    # CMake 3.25 knows no CUDA20 dialect for nvcc, which does accept -std=c++20 (the engine API
    # uses std::span). Teach it, so CUDA_STANDARD 20 and C++20 compile features work on .cu files.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    message(STATUS "CUDA paths: on, architectures ${CMAKE_CUDA_ARCHITECTURES}")
  elseif(STUDIO_CUDA STREQUAL "ON")
    message(FATAL_ERROR "STUDIO_CUDA=ON but no CUDA compiler was found (set CMAKE_CUDA_COMPILER)")
  else()
    message(STATUS "CUDA paths: off (no nvcc found)")
  endif()
endif()

