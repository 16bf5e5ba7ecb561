#include "ProgressLine.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace ls::cli {

ProgressLine::ProgressLine(std::chrono::milliseconds logInterval)
    : terminal_(isatty(fileno(stderr)) != 0), interval_(terminal_ ? std::chrono::milliseconds(100) : logInterval)
{
}

ProgressLine::~ProgressLine()
{
    if (terminal_ && written_)
        std::fputc('\n', stderr);
}

void ProgressLine::update(double fraction, const std::string& message)
{
    const auto now = std::chrono::steady_clock::now();
    const bool finished = fraction >= 1.0;
    if (written_ && now - last_ < interval_ && !finished)
        return;
    last_ = now;
    written_ = true;
    char text[512];
    const int length = std::snprintf(text, sizeof text, "[%5.1f %%] %s", 100.0 * std::clamp(fraction, 0.0, 1.0), message.c_str());
    const std::size_t width = static_cast<std::size_t>(std::max(0, std::min<int>(length, sizeof text - 1)));
    if (terminal_) { // pad over what a longer previous message left
        std::fprintf(stderr, "\r%s%*s", text, static_cast<int>(lastWidth_ > width ? lastWidth_ - width : 0), "");
        lastWidth_ = width;
    } else {
        std::fprintf(stderr, "%s\n", text);
    }
    std::fflush(stderr);
}

} // namespace ls::cli
