// The bundled feature network's bytes, compiled in with the assembler's .incbin so that the engine
// needs no file at run time (an installed plugin, a CLI run from any folder, a GPU bundle) and the
// distances it reports always come from the same network. CMake passes the asset's path and the
// SHA-256 it checked against assets/consistency/fd-features.npz.sha256 when configuring.
#include "FeatureNetwork.h"

#include "engine/core/Error.h"

#include <cstddef>
#include <span>

#if !defined(LS_FD_FEATURES_PATH) || !defined(LS_FD_FEATURES_SHA256)
#error "LS_FD_FEATURES_PATH and LS_FD_FEATURES_SHA256 come from engine/consistency/CMakeLists.txt"
#endif

asm(".pushsection .rodata.ls_fd_features, \"a\", @progbits\n"
    ".balign 16\n"
    ".hidden ls_fd_features_begin\n"
    ".globl ls_fd_features_begin\n"
    "ls_fd_features_begin:\n"
    ".incbin \"" LS_FD_FEATURES_PATH "\"\n"
    ".hidden ls_fd_features_end\n"
    ".globl ls_fd_features_end\n"
    "ls_fd_features_end:\n"
    ".popsection\n");

extern "C" const std::byte ls_fd_features_begin[];
extern "C" const std::byte ls_fd_features_end[];

namespace ls::consistency {

namespace {
constexpr const char* kSource = "the bundled feature network (assets/consistency/fd-features.npz)";

const NpzArchive& bundledArchive()
{
    static const NpzArchive archive =
        readNpz(std::span<const std::byte>(ls_fd_features_begin, static_cast<std::size_t>(ls_fd_features_end - ls_fd_features_begin)), kSource);
    return archive;
}
} // namespace

FeatureClassifier bundledFeatureNetwork()
{
    return featureNetworkFrom(bundledArchive(), kSource);
}

const FeatureNetworkFacts& bundledFeatureNetworkFacts()
{
    static const FeatureNetworkFacts facts = [] {
        FeatureNetworkFacts read;
        featureNetworkFrom(bundledArchive(), kSource, &read);
        read.sha256 = LS_FD_FEATURES_SHA256;
        return read;
    }();
    return facts;
}

} // namespace ls::consistency
