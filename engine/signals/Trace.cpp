#include "Trace.h"

#include <functional>

namespace ls::reasoning {

std::size_t Vocabulary::Hash::operator()(const std::string& s) const noexcept
{
    return std::hash<std::string>{}(s);
}

TokenId Vocabulary::intern(const std::string& token)
{
    const auto [it, inserted] = ids_.emplace(token, static_cast<TokenId>(texts_.size()));
    if (inserted)
        texts_.push_back(token);
    return it->second;
}

} // namespace ls::reasoning
