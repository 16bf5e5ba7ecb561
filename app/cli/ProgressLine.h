#pragma once
// The run's progress on stderr while an engine works (training runs take minutes): on a terminal
// one line rewritten in place at most 10 times a second; in a log (not a terminal) a line every
// `logInterval` and at the end, so CI logs and `nohup` files show where a long run is.
#include <chrono>
#include <string>

namespace ls::cli {

class ProgressLine {
public:
    explicit ProgressLine(std::chrono::milliseconds logInterval = std::chrono::seconds(15));
    ~ProgressLine(); // ends a rewritten line, so what follows starts on its own
    void update(double fraction, const std::string& message);

private:
    bool terminal_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point last_{};
    bool written_ = false;
    std::size_t lastWidth_ = 0;
};

} // namespace ls::cli
