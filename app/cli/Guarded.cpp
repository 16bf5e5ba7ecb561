#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"

#include "engine/core/Error.h"

#include <QGuiApplication>
#include <cstdio>
#include <new>
#include <nlohmann/json.hpp>

namespace ls::cli {
int exitCodeFor(const StudioError& error)
{
    switch (error.category()) {
    case ErrorCategory::Argument: return kUsage;
    case ErrorCategory::FileIo:
    case ErrorCategory::Format: return kFileError;
    case ErrorCategory::Cancelled: return kCancelled;
    default: return kRunFailed;
    }
}

int guarded(const char* command, const std::function<int()>& body)
{
    try {
        return body();
    } catch (const StudioError& error) {
        std::fprintf(stderr, "\nlatency-studio-cli %s: %s\n", command, error.what());
        return exitCodeFor(error);
    } catch (const nlohmann::json::exception& error) {
        // Readers convert JSON problems themselves; this is the net under one that did not.
        std::fprintf(stderr, "\nlatency-studio-cli %s: malformed JSON in an input file: %s\n", command, error.what());
        return kFileError;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "\nlatency-studio-cli %s: out of memory (an input declares more data than fits)\n", command);
        return kFileError;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "\nlatency-studio-cli %s: %s\n", command, error.what());
        return kRunFailed;
    } catch (...) {
        std::fprintf(stderr, "\nlatency-studio-cli %s: failed with an unknown error\n", command);
        return kRunFailed;
    }
}

bool hasRealDisplay()
{
    const QString platform = QGuiApplication::platformName();
    return platform == "xcb" || platform.startsWith("wayland");
}

} // namespace ls::cli
