#include "RenderScratch.h"

namespace ls::rf {

RenderScratchHolder::RenderScratchHolder() = default;
RenderScratchHolder::~RenderScratchHolder() = default;
RenderScratchHolder::RenderScratchHolder(const RenderScratchHolder&) {}
RenderScratchHolder& RenderScratchHolder::operator=(const RenderScratchHolder&) { return *this; }
RenderScratchHolder::RenderScratchHolder(RenderScratchHolder&&) noexcept = default;
RenderScratchHolder& RenderScratchHolder::operator=(RenderScratchHolder&&) noexcept = default;

RenderScratch& RenderScratchHolder::get() const
{
    if (!scratch_)
        scratch_ = std::make_unique<RenderScratch>();
    return *scratch_;
}

} // namespace ls::rf
