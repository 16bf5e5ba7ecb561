# Installs the studio, the CLI, the core library, the SDK headers and the CMake package that lets
# third parties build plugins against an installed studio:
#   find_package(LatencyStudio) + latency_studio_add_plugin(...)
include(CMakePackageConfigHelpers)

install(TARGETS latency-studio latency-studio-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ls_core EXPORT LatencyStudioTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/latency-studio)
install(TARGETS latency_studio_template LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/latency-studio/plugins)
# Executables find the core library and the plugins relative to themselves.
set_target_properties(latency-studio latency-studio-cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/core DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/latency-studio/engine
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plugins/sdk DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/latency-studio/plugins
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plugins/template DESTINATION ${CMAKE_INSTALL_DATADIR}/latency-studio/plugin-template)

install(EXPORT LatencyStudioTargets NAMESPACE LatencyStudio:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/LatencyStudio)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/LatencyStudioConfig.cmake.in
  ${CMAKE_BINARY_DIR}/LatencyStudioConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/LatencyStudio)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/LatencyStudioConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/LatencyStudioConfig.cmake ${CMAKE_BINARY_DIR}/LatencyStudioConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/LatencyStudioPlugin.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/LatencyStudio)
