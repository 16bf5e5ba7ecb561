#include "ServerSentEvents.h"

#include "engine/core/Error.h"

namespace ls::reasoning {

std::vector<ServerSentEvent> ServerSentEventDecoder::feed(std::string_view bytes, const std::string& source)
{
    std::vector<ServerSentEvent> events;
    if (atStreamStart_ && !bytes.empty()) {
        constexpr std::string_view bom = "\xEF\xBB\xBF";
        if (bytes.substr(0, bom.size()) == bom)
            bytes.remove_prefix(bom.size());
        atStreamStart_ = bytes.empty(); // a BOM split across reads is not worth handling
    }
    for (const char c : bytes) {
        if (c == '\n' && afterCarriageReturn_) {
            afterCarriageReturn_ = false;
            continue;
        }
        afterCarriageReturn_ = c == '\r';
        if (c == '\r' || c == '\n') {
            processLine(events, source);
        } else {
            if (line_.size() >= kMaxEventBytes)
                throw FormatError(source, "a line of the event stream is longer than " + std::to_string(kMaxEventBytes >> 20) + " MiB");
            line_.push_back(c);
        }
    }
    return events;
}

void ServerSentEventDecoder::processLine(std::vector<ServerSentEvent>& out, const std::string& source)
{
    if (line_.empty()) { // dispatch
        if (hasData_) {
            if (!current_.data.empty() && current_.data.back() == '\n')
                current_.data.pop_back();
            out.push_back(std::move(current_));
        }
        current_ = {};
        hasFields_ = hasData_ = false;
        return;
    }
    if (line_.front() == ':') { // comment (servers send these as keep-alives)
        line_.clear();
        return;
    }
    const auto colon = line_.find(':');
    std::string_view field(line_);
    std::string_view value;
    if (colon != std::string::npos) {
        field = std::string_view(line_).substr(0, colon);
        value = std::string_view(line_).substr(colon + 1);
        if (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
    }
    if (field == "data") {
        if (current_.data.size() + value.size() >= kMaxEventBytes)
            throw FormatError(source, "an event of the stream is larger than " + std::to_string(kMaxEventBytes >> 20) + " MiB");
        current_.data.append(value);
        current_.data.push_back('\n');
        hasData_ = true;
    } else if (field == "event") {
        current_.type = std::string(value);
    } else if (field == "id") {
        current_.id = std::string(value);
    } // 'retry' and unknown fields are ignored, as the standard says
    hasFields_ = true;
    line_.clear();
}

} // namespace ls::reasoning
