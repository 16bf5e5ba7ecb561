#pragma once
// The processes a run is spread over (MPI ranks launched by mpirun or srun), as the engines see
// them: their count, this one's rank, and sums across all of them. The engines stay free of MPI:
// the CLI installs an MPI implementation when it was launched as several ranks; otherwise every
// engine sees one process and the sums are no-ops.
#include <cstddef>
#include <span>

namespace ls {

class Collective {
public:
    virtual ~Collective() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // Element-wise sum over all ranks, in place, on every rank (MPI_Allreduce with MPI_SUM). Every
    // rank must call it with the same length, in the same order.
    virtual void sumInPlace(std::span<double> values) = 0;
    // The same for `count` floats in the memory of CUDA device `cudaDevice` (NCCL between the
    // ranks' GPUs). Returns false, having done nothing, when this collective cannot: no NCCL in
    // the build, or ranks sharing a GPU (NCCL refuses that); the caller then sums on the host.
    // Every rank must make the same calls and get the same answer.
    virtual bool sumOnDevice(float* deviceValues, std::size_t count, int cudaDevice)
    {
        (void)deviceValues, (void)count, (void)cudaDevice;
        return false;
    }
    bool distributed() const { return size() > 1; }
};

// The process's collective: one process unless the CLI installed another (not owned; it must
// outlive every run).
Collective& processCollective();
void setProcessCollective(Collective* collective);

} // namespace ls
