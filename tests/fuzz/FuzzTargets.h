#pragma once
// One entry point per parser of untrusted input, shared by the libFuzzer harnesses (FuzzMain.cpp)
// and the tests that replay the corpora (tst_fuzz_corpus) and the crafted inputs (tst_hostile_input).
//
// The contract every parser must keep: bad input throws a StudioError (FileError, FormatError,
// ArgumentError) and nothing else. A target returns true when the input was accepted, false when it
// was refused with a StudioError; any other exception, a crash or a sanitizer report is a finding.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ls::fuzz {

using Bytes = std::span<const std::uint8_t>;

struct Target {
    const char* name;          // also the corpus folder: tests/fuzz/corpus/<name>
    bool (*run)(Bytes input);  // true: accepted; false: refused with a StudioError
};

const std::vector<Target>& targets();
const Target* findTarget(const std::string& name);

// Inputs made of several files are parts joined by this line (e.g. a session and its sidecar).
inline constexpr std::string_view kPartSeparator = "\n@@PART@@\n";
std::vector<std::string> splitParts(Bytes input, std::size_t maxParts);

// A private scratch folder for targets whose parsers take paths; emptied before each input.
std::filesystem::path scratchFolder();

} // namespace ls::fuzz
