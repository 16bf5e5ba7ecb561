# Third-party packages, all from Debian (see README and scripts/install-deps).
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
# LZF (Debian liblzf-dev) decodes PCD files saved as binary_compressed.
find_package(liblzf REQUIRED)
find_package(ZLIB REQUIRED) # CRC-32 of .npz members; the consistency engine's IDX files

if(STUDIO_ENGINES_ONLY)
  if(STUDIO_BUILD_TESTS)
    find_package(Qt6 6.4 REQUIRED COMPONENTS Core Test) # the suites are Qt Test programs
  endif()
  return()
endif()

find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets OpenGL OpenGLWidgets Test Concurrent Network)

# VTK 9.1's exported targets reference MPI::MPI_C; find it first or find_package(VTK) fails.
find_package(MPI COMPONENTS C)
# An explicit component list keeps VTK from looking for its Qt 5 module.
find_package(VTK 9.1 REQUIRED COMPONENTS
  CommonCore CommonDataModel RenderingCore RenderingOpenGL2 InteractionStyle
  RenderingFreeType RenderingAnnotation FiltersSources FiltersCore)

# Dear ImGui 1.86 from libimgui-dev: one static library that already holds the OpenGL 3 backend.
find_path(IMGUI_INCLUDE_DIR imgui.h PATH_SUFFIXES imgui REQUIRED)
find_library(IMGUI_LIBRARY imgui REQUIRED)
find_library(STB_LIBRARY stb)
add_library(studio_imgui INTERFACE)
target_include_directories(studio_imgui INTERFACE ${IMGUI_INCLUDE_DIR})
target_link_libraries(studio_imgui INTERFACE ${IMGUI_LIBRARY} $<$<BOOL:${STB_LIBRARY}>:${STB_LIBRARY}>)
add_library(LatencyStudio::imgui ALIAS studio_imgui)

