#pragma once
// Typed errors of the engine layer. Every message is meant for a user: it names the file, field or
// argument and says what was expected, so the UI log and the CLI can show it as is.
#include <stdexcept>
#include <string>

namespace ls {

enum class ErrorCategory { Argument, FileIo, Format, Device, Cancelled, Engine, Plugin };

const char* toString(ErrorCategory category);

class StudioError : public std::runtime_error {
public:
    StudioError(ErrorCategory category, const std::string& message)
        : std::runtime_error(message), category_(category) {}
    ErrorCategory category() const noexcept { return category_; }

private:
    ErrorCategory category_;
};

// Bad parameter values or command-line arguments.
class ArgumentError : public StudioError {
public:
    explicit ArgumentError(const std::string& message) : StudioError(ErrorCategory::Argument, message) {}
};

// A file that could not be opened, read or written.
class FileError : public StudioError {
public:
    FileError(const std::string& path, const std::string& problem)
        : StudioError(ErrorCategory::FileIo, path + ": " + problem), path_(path) {}
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

// A file that was read but whose content is not what its format promises.
class FormatError : public StudioError {
public:
    FormatError(const std::string& source, const std::string& problem)
        : StudioError(ErrorCategory::Format, source + ": " + problem), source_(source) {}
    const std::string& source() const noexcept { return source_; }

private:
    std::string source_;
};

class DeviceError : public StudioError {
public:
    explicit DeviceError(const std::string& message) : StudioError(ErrorCategory::Device, message) {}
};

// Thrown by engines when the user cancels; hosts treat it as a normal outcome, not a failure.
class CancelledError : public StudioError {
public:
    CancelledError() : StudioError(ErrorCategory::Cancelled, "run cancelled by the user") {}
};

} // namespace ls
