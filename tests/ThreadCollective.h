#pragma once
// Ranks as threads of one process, for testing data-parallel code without MPI: sumInPlace waits
// for every rank, adds their vectors in rank order, and hands each the same sum (as the CLI's MPI
// collective does with a reduce to rank 0 and a broadcast).
#include "engine/core/Collective.h"

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace ls::test {

class ThreadRanks {
public:
    explicit ThreadRanks(int size) : size_(size), parts_(size) {}

    class Rank final : public Collective {
    public:
        Rank(ThreadRanks& ranks, int rank) : ranks_(ranks), rank_(rank) {}
        int rank() const override { return rank_; }
        int size() const override { return ranks_.size_; }
        void sumInPlace(std::span<double> values) override { ranks_.sum(rank_, values); }

    private:
        ThreadRanks& ranks_;
        int rank_;
    };

private:
    void sum(int rank, std::span<double> values)
    {
        std::unique_lock lock(mutex_);
        const long generation = generation_;
        parts_[rank].assign(values.begin(), values.end());
        if (++arrived_ == size_) {
            result_.assign(values.size(), 0.0);
            for (const auto& part : parts_) {
                if (part.size() != result_.size())
                    throw std::logic_error("ThreadRanks: ranks summed vectors of different lengths");
                for (std::size_t i = 0; i < part.size(); ++i)
                    result_[i] += part[i];
            }
            arrived_ = 0;
            ++generation_;
            changed_.notify_all();
        } else {
            changed_.wait(lock, [&] { return generation_ != generation; });
        }
        std::copy(result_.begin(), result_.end(), values.begin());
        // The last rank to copy may not matter: result_ is only rewritten once all have arrived
        // again, which needs this rank too.
    }

    int size_;
    std::vector<std::vector<double>> parts_;
    std::vector<double> result_;
    int arrived_ = 0;
    long generation_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
};

} // namespace ls::test
