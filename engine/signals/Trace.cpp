#include "Trace.h"

#include <functional>

namespace ls::reasoning {

std::size_t Vocabulary::Hash::operator()(std::string_view s) const noexcept
{
    return std::hash<std::string_view>{}(s);
}

TokenId Vocabulary::intern(std::string_view token)
{
    if (const auto found = ids_.find(token); found != ids_.end())
        return found->second; // the common case: a token seen before, no allocation
    const auto id = static_cast<TokenId>(texts_.size());
    ids_.emplace(std::string(token), id);
    texts_.emplace_back(token);
    return id;
}

} // namespace ls::reasoning
