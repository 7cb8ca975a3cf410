# install.cmake: `cmake --install` puts evgend, its parse helper and the evgen
# CLI in bin/, and the client library for analyses as a CMake package:
#
#   find_package(evgen CONFIG REQUIRED)
#   target_link_libraries(my_analysis PRIVATE evgen::client)
#
# evgen::client brings the table codec (evgen::wire), the generated evgen.v1
# messages and stubs (evgen::proto) and the Table type with its file formats
# (evgen::io); none of them needs LibTorch. Headers go under
# include/evgen/ with the paths they have in this repository
# (#include "client/evgen_client.h").
include(CMakePackageConfigHelpers)

# evgen-parse-table must sit beside evgend (core/io/isolated_reader.h).
install(TARGETS evgend evgen evgen-parse-table RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set_target_properties(evgen_client PROPERTIES EXPORT_NAME client)
set_target_properties(evgen_wire PROPERTIES EXPORT_NAME wire)
set_target_properties(evgen_proto PROPERTIES EXPORT_NAME proto)
set_target_properties(evgen_io PROPERTIES EXPORT_NAME io)
install(TARGETS evgen_client evgen_wire evgen_proto evgen_io
        EXPORT evgenTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

set(evgen_include ${CMAKE_INSTALL_INCLUDEDIR}/evgen)
install(FILES client/evgen_client.h DESTINATION ${evgen_include}/client)
install(FILES wire/table_codec.h DESTINATION ${evgen_include}/wire)
install(FILES core/io/table.h DESTINATION ${evgen_include}/core/io)
install(DIRECTORY ${EVGEN_PROTO_GENERATED_DIR}/evgen DESTINATION ${evgen_include}
        FILES_MATCHING PATTERN "*.pb.h")
install(DIRECTORY proto/evgen DESTINATION ${CMAKE_INSTALL_DATADIR}/evgen/proto
        FILES_MATCHING PATTERN "*.proto")

set(evgen_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/evgen)
install(EXPORT evgenTargets NAMESPACE evgen:: DESTINATION ${evgen_cmake_dir})
configure_package_config_file(cmake/evgenConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/evgenConfig.cmake
                              INSTALL_DESTINATION ${evgen_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/evgenConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/evgenConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/evgenConfigVersion.cmake
        DESTINATION ${evgen_cmake_dir})
