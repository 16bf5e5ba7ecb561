# latency_studio_add_plugin(<target> METADATA <file.json> SOURCES <files...> [CUDA_SOURCES <files...>]
#                           [LINK <targets...>])
#
# Declares a studio plugin in one call: a Qt MODULE library linked to the SDK, its metadata JSON
# (read by Q_PLUGIN_METADATA) tracked as a dependency, CUDA_SOURCES compiled only when a CUDA
# compiler is enabled (LS_PLUGIN_HAS_CUDA=0/1 tells the C++ code which), and output in
# the studio's plugin folder. Works in-tree and against an installed studio (find_package).
function(latency_studio_add_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "METADATA" "SOURCES;CUDA_SOURCES;LINK")
  if(NOT ARG_METADATA)
    message(FATAL_ERROR "latency_studio_add_plugin(${target}): METADATA <file.json> is required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  if(ARG_CUDA_SOURCES)
    set(has_cuda 0)
    if(CMAKE_CUDA_COMPILER)
      target_sources(${target} PRIVATE ${ARG_CUDA_SOURCES})
      set(has_cuda 1)
    endif()
    target_compile_definitions(${target} PRIVATE LS_PLUGIN_HAS_CUDA=${has_cuda})
  endif()
  target_link_libraries(${target} PRIVATE LatencyStudio::sdk ${ARG_LINK})
  # AUTOMOC re-runs moc when the Q_PLUGIN_METADATA file changes (CMake's built-in depend filter).
  set_target_properties(${target} PROPERTIES AUTOMOC ON PREFIX "lib")
  target_sources(${target} PRIVATE ${ARG_METADATA})
  if(DEFINED STUDIO_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${STUDIO_PLUGIN_OUTPUT_DIR})
  endif()
endfunction()
