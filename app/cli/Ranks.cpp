#include "Ranks.h"

#include "engine/core/Device.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <string>
#if LS_HAS_MPI
#include <mpi.h>
#endif
#if LS_HAS_NCCL
#include <cuda_runtime.h>
#include <nccl.h>
#include <unistd.h>
#endif

namespace ls::cli {

namespace {
int environmentInt(const char* name, int fallback)
{
    const char* value = std::getenv(name);
    if (!value || !*value)
        return fallback;
    char* end = nullptr;
    const long parsed = std::strtol(value, &end, 10);
    return *end == '\0' ? static_cast<int>(parsed) : fallback;
}
} // namespace

bool launchedAsRanks()
{
    return environmentInt("OMPI_COMM_WORLD_SIZE", 1) > 1 || environmentInt("PMI_SIZE", 1) > 1
           || (std::getenv("PMIX_RANK") && environmentInt("SLURM_NTASKS", 1) > 1);
}

int localRank()
{
    for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"})
        if (const int value = environmentInt(name, -1); value >= 0)
            return value;
    return 0;
}

bool builtWithMpi() { return LS_HAS_MPI != 0; }

std::string deviceForRank(const std::string& asked)
{
    if (asked != "cuda" && asked != "auto")
        return asked;
    const auto cuda = enumerateCudaDevices();
    if (cuda.devices.empty())
        return asked; // the run's device selection says why it uses the CPU
    return "cuda:" + std::to_string(cuda.devices[static_cast<std::size_t>(localRank()) % cuda.devices.size()].index);
}
bool builtWithNccl() { return LS_HAS_NCCL != 0; }

#if LS_HAS_MPI

struct Ranks::Window {
    MPI_Win window = MPI_WIN_NULL;
    long* counter = nullptr;
};

struct Ranks::Nccl {
    bool usable = false;
    int device = -1;
#if LS_HAS_NCCL
    ncclComm_t comm = nullptr;
    ~Nccl()
    {
        if (comm)
            ncclCommDestroy(comm);
    }
#endif
};

Ranks::Ranks()
{
    if (!launchedAsRanks())
        return;
    int already = 0;
    MPI_Initialized(&already);
    if (!already)
        MPI_Init(nullptr, nullptr);
    initialised_ = !already;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // The dynamic schedule's counter lives on rank 0; the others fetch-and-add it (one-sided).
    window_ = std::make_unique<Window>();
    MPI_Win_allocate(rank_ == 0 ? sizeof(long) : 0, sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &window_->counter, &window_->window);
    if (rank_ == 0)
        *window_->counter = 0;
    MPI_Barrier(MPI_COMM_WORLD);
}

Ranks::~Ranks()
{
    nccl_.reset(); // before MPI goes
    if (size_ > 1 && (abandonCode_ != 0 || std::uncaught_exceptions() > 0)) {
        std::fflush(nullptr);
        MPI_Abort(MPI_COMM_WORLD, abandonCode_ != 0 ? abandonCode_ : 1);
    }
    if (window_ && window_->window != MPI_WIN_NULL)
        MPI_Win_free(&window_->window);
    if (initialised_)
        MPI_Finalize();
}

void Ranks::sumInPlace(std::span<double> values)
{
    if (size_ < 2)
        return;
    std::vector<double> sum(values.size());
    MPI_Reduce(values.data(), sum.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank_ == 0)
        std::copy(sum.begin(), sum.end(), values.begin());
    MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
}

bool Ranks::sumOnDevice(float* deviceValues, std::size_t count, int cudaDevice)
{
    if (size_ < 2)
        return true; // one rank: its values are the sum
#if LS_HAS_NCCL
    if (!nccl_) {
        nccl_ = std::make_unique<Nccl>();
        nccl_->device = cudaDevice;
        // NCCL refuses two ranks on one GPU: every rank names its host and the GPU's PCI bus id,
        // and all decide alike.
        char bus[64] = {};
        cudaDeviceGetPCIBusId(bus, sizeof bus, cudaDevice);
        char host[64] = {};
        ::gethostname(host, sizeof host - 1);
        std::string mine = std::string(host) + "/" + bus;
        mine.resize(128, '\0');
        std::vector<char> all(static_cast<std::size_t>(size_) * 128);
        MPI_Allgather(mine.data(), 128, MPI_CHAR, all.data(), 128, MPI_CHAR, MPI_COMM_WORLD);
        std::vector<std::string> gpus;
        for (int r = 0; r < size_; ++r)
            gpus.emplace_back(all.data() + r * 128, 128);
        std::sort(gpus.begin(), gpus.end());
        nccl_->usable = std::adjacent_find(gpus.begin(), gpus.end()) == gpus.end();
        if (nccl_->usable) {
            ncclUniqueId id;
            if (rank_ == 0 && ncclGetUniqueId(&id) != ncclSuccess)
                throw DeviceError("NCCL: no unique id for the communicator");
            MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
            cudaSetDevice(cudaDevice);
            if (const ncclResult_t status = ncclCommInitRank(&nccl_->comm, size_, id, rank_); status != ncclSuccess)
                throw DeviceError(std::string("NCCL: cannot make the communicator: ") + ncclGetErrorString(status));
        } else if (rank_ == 0) {
            std::fprintf(stderr, "ranks share a GPU: gradients are summed with MPI on the host (NCCL needs a GPU per rank)\n");
        }
    }
    if (!nccl_->usable)
        return false;
    if (cudaDevice != nccl_->device)
        throw DeviceError("NCCL: this rank's communicator is on cuda:" + std::to_string(nccl_->device) + ", not cuda:" + std::to_string(cudaDevice));
    if (const ncclResult_t status = ncclAllReduce(deviceValues, deviceValues, count, ncclFloat, ncclSum, nccl_->comm, nullptr); status != ncclSuccess)
        throw DeviceError(std::string("NCCL all-reduce: ") + ncclGetErrorString(status));
    if (const cudaError_t status = cudaStreamSynchronize(nullptr); status != cudaSuccess)
        throw DeviceError(std::string("NCCL all-reduce: ") + cudaGetErrorString(status));
    return true;
#else
    (void)deviceValues, (void)count, (void)cudaDevice;
    return false;
#endif
}

std::vector<std::string> Ranks::gatherToRoot(const std::string& mine)
{
    if (size_ < 2)
        return {mine};
    // Lengths first, then the bytes; a result over 2 GiB would overflow MPI's int counts.
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw ArgumentError("sweep: one rank's results are " + std::to_string(mine.size()) + " bytes, more than one MPI message holds");
    const int length = static_cast<int>(mine.size());
    std::vector<int> lengths(rank_ == 0 ? size_ : 0), offsets(rank_ == 0 ? size_ : 0);
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<char> all;
    if (rank_ == 0) {
        long total = 0;
        for (int r = 0; r < size_; ++r) {
            offsets[r] = static_cast<int>(total);
            total += lengths[r];
        }
        if (total > std::numeric_limits<int>::max())
            throw ArgumentError("sweep: the ranks' results are " + std::to_string(total) + " bytes, more than one MPI gather holds");
        all.resize(static_cast<std::size_t>(total));
    }
    MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    std::vector<std::string> parts;
    for (int r = 0; rank_ == 0 && r < size_; ++r)
        parts.emplace_back(all.data() + offsets[r], static_cast<std::size_t>(lengths[r]));
    return parts;
}

long Ranks::takeNext()
{
    if (size_ < 2)
        return localNext_++;
    const long one = 1;
    long taken = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_->window);
    MPI_Fetch_and_op(&one, &taken, MPI_LONG, 0, 0, MPI_SUM, window_->window);
    MPI_Win_unlock(0, window_->window);
    return taken;
}

bool Ranks::anyRank(bool mine)
{
    if (size_ < 2)
        return mine;
    int local = mine ? 1 : 0, any = 0;
    MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any != 0;
}

void Ranks::barrier()
{
    if (size_ > 1)
        MPI_Barrier(MPI_COMM_WORLD);
}

#else

struct Ranks::Window {};
struct Ranks::Nccl {};
bool Ranks::sumOnDevice(float*, std::size_t, int) { return size_ < 2; }

Ranks::Ranks()
{
    if (launchedAsRanks())
        throw DeviceError("launched as several MPI ranks, but this build has no MPI (install libopenmpi-dev and rebuild)");
}
Ranks::~Ranks() = default;
void Ranks::sumInPlace(std::span<double>) {}
std::vector<std::string> Ranks::gatherToRoot(const std::string& mine) { return {mine}; }
long Ranks::takeNext() { return localNext_++; }
bool Ranks::anyRank(bool mine) { return mine; }
void Ranks::barrier() {}

#endif

} // namespace ls::cli
