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
    // Returns the events that these bytes complete (a blank line ends an event).
    std::vector<ServerSentEvent> feed(std::string_view bytes);
    // True when bytes of an event that has not ended yet are buffered (a stream cut mid-event).
    bool hasPartialEvent() const { return !line_.empty() || hasFields_; }

private:
    void processLine(std::vector<ServerSentEvent>& out);

    std::string line_;
    ServerSentEvent current_;
    bool hasFields_ = false;
    bool hasData_ = false;
    bool afterCarriageReturn_ = false; // a '\n' right after '\r' ends no second line
    bool atStreamStart_ = true;        // a leading UTF-8 BOM is skipped
};

} // namespace ls::reasoning
