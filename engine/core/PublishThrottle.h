#pragma once
// Publishing a training's curves as it goes (RunContext::publish) at a pace a person can follow:
// offers come every few steps, a dataset goes out at most every `every`, and none is made at all
// when nobody looks (the CLI, tests).
#include "Engine.h"

#include <chrono>

namespace ls {

class PublishThrottle {
public:
    explicit PublishThrottle(const RunContext& context, std::chrono::milliseconds every = std::chrono::milliseconds(700))
        : context_(context), every_(every), last_(std::chrono::steady_clock::now())
    {
    }

    // `makeDataset()` builds the Dataset to publish; it runs only when one goes out.
    template <class MakeDataset>
    void offer(MakeDataset&& makeDataset)
    {
        if (!context_.publishes())
            return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < every_)
            return;
        context_.publish(makeDataset());
        last_ = now;
    }

private:
    const RunContext& context_;
    std::chrono::milliseconds every_;
    std::chrono::steady_clock::time_point last_;
};

} // namespace ls
