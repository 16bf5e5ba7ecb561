#pragma once
// The CLI launched as several MPI ranks (mpirun, srun): MPI set up and torn down, the collective
// the engines see (engine/core/Collective.h), and what a sweep needs - gathering results on rank
// 0, a shared counter for dynamic scheduling, and agreeing on a stop. Without MPI in the build, or
// when not launched as ranks, it is one process and every call is local.
#include "engine/core/Collective.h"

#include <memory>
#include <string>
#include <vector>

namespace ls::cli {

// True when mpirun/srun started this process as one of several ranks (their environment says so:
// OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK with SLURM_NTASKS).
bool launchedAsRanks();
// The rank on this node (to pick this rank's GPU): OMPI_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID,
// MPI_LOCALRANKID; 0 when alone.
int localRank();
bool builtWithMpi();
// The device a rank runs on when `asked` is "cuda" or "auto": this node's GPUs shared out by
// local rank; without a GPU, or for anything else, as asked (the run's device selection then says
// why it uses the CPU).
std::string deviceForRank(const std::string& asked);
bool builtWithNccl();

class Ranks final : public Collective {
public:
    // Initialises MPI when launched as ranks; throws EnvironmentError when launched as ranks by a
    // build without MPI.
    Ranks();
    ~Ranks() override;
    Ranks(const Ranks&) = delete;
    Ranks& operator=(const Ranks&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    // Reduce to rank 0 in rank order, then broadcast: every rank gets the bit-identical sum (an
    // allreduce may round differently per rank, and data-parallel replicas must not drift).
    void sumInPlace(std::span<double> values) override;
    // NCCL between the ranks' GPUs (a communicator made on the first call, when every rank has a
    // GPU of its own; ranks sharing one, or a build without NCCL, sum on the host instead).
    bool sumOnDevice(float* deviceValues, std::size_t count, int cudaDevice) override;

    // Every rank's string, on rank 0 in rank order (empty elsewhere).
    std::vector<std::string> gatherToRoot(const std::string& mine);
    // The next index of a counter shared by all ranks (dynamic scheduling): 0, 1, 2... across them.
    long takeNext();
    // True on every rank when any rank passes true.
    bool anyRank(bool mine);
    void barrier();
    // This rank is leaving early (an error the others cannot know of, while they may be waiting
    // in a collective): when this object goes, every rank is ended with `exitCode` (MPI_Abort)
    // instead of a finalize that would wait for them forever. The same happens when it goes
    // during an exception's unwinding.
    void abandon(int exitCode) { abandonCode_ = exitCode; }

private:
    int rank_ = 0, size_ = 1;
    bool initialised_ = false;
    int abandonCode_ = 0;
    long localNext_ = 0;
    struct Window;
    std::unique_ptr<Window> window_;
    struct Nccl;
    std::unique_ptr<Nccl> nccl_;
};

} // namespace ls::cli
