# Sourced by scripts/gpu-bundle and tests/check_gpu_bundle.sh: which libraries the GPU bundle may
# take from the GPU machine, and where this machine's CUDA toolkit keeps its libraries.

# glibc (libc, libm and its own pieces: the loader, libdl, libpthread, librt), libstdc++ and
# libgcc: on every Linux the bundle runs on, and newer there (an Ubuntu 24.04-era userspace).
# The CUDA driver (libcuda) and the toolkit's cuBLAS: on every CUDA 13 machine; cuBLAS is far
# too large to carry.
bundle_library_may_come_from_machine() {
  case "$1" in
    linux-vdso.so.*|ld-linux-x86-64.so.*|libc.so.6|libm.so.6|libdl.so.2|libpthread.so.0|librt.so.1) return 0 ;;
    libstdc++.so.6|libgcc_s.so.1) return 0 ;;
    libcuda.so.1|libcublas.so.13|libcublasLt.so.13) return 0 ;;
    *) return 1 ;;
  esac
}

cuda_library_dir() {
  local dir
  for dir in ${CUDA_HOME:+"$CUDA_HOME/lib64"} /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda/lib; do
    if [ -e "$dir/libcublas.so.13" ]; then echo "$dir"; return 0; fi
  done
  echo /usr/local/cuda/lib64
}
