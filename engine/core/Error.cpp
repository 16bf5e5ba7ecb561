#include "Error.h"

namespace ls {

const char* toString(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Argument: return "argument";
    case ErrorCategory::FileIo: return "file";
    case ErrorCategory::Format: return "format";
    case ErrorCategory::Device: return "device";
    case ErrorCategory::Cancelled: return "cancelled";
    case ErrorCategory::Engine: return "engine";
    case ErrorCategory::Plugin: return "plugin";
    }
    return "unknown";
}

} // namespace ls
