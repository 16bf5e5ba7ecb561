#pragma once
// Decodes a text/event-stream body (the WHATWG "server-sent events" framing) as its bytes arrive.
// OpenAI-compatible servers stream each chat-completion chunk as one event's `data:` and end with
// `data: [DONE]`. Bytes may be split anywhere (mid-line, mid-UTF-8), so the decoder buffers.
#include <string>
#include <string_view>
#include <vector>

namespace ls::reasoning {

struct ServerSentEvent {
    std::string type = "message"; // the `event:` field
    std::string data;             // `data:` lines joined with '\n'
    std::string id;               // the `id:` field, if any
};

class ServerSentEventDecoder {
public:
    // A line or an event larger than this is refused (FormatError): one chat chunk is a few KB, and
    // a server that never sends a line end must not grow the buffer without bound.
    static constexpr std::size_t kMaxEventBytes = std::size_t{16} << 20;

    // Returns the events that these bytes complete (a blank line ends an event). Throws FormatError
    // naming `source` when a line or an event exceeds kMaxEventBytes.
    std::vector<ServerSentEvent> feed(std::string_view bytes, const std::string& source = "event stream");
    // True when bytes of an event that has not ended yet are buffered (a stream cut mid-event).
    bool hasPartialEvent() const { return !line_.empty() || hasFields_; }

private:
    void processLine(std::vector<ServerSentEvent>& out, const std::string& source);

    std::string line_;
    ServerSentEvent current_;
    bool hasFields_ = false;
    bool hasData_ = false;
    bool afterCarriageReturn_ = false; // a '\n' right after '\r' ends no second line
    bool atStreamStart_ = true;        // a leading UTF-8 BOM is skipped
};

} // namespace ls::reasoning
