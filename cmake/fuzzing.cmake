# fuzzing.cmake: compiler flags of the fuzz build (EVGEN_BUILD_FUZZERS). Every
# target is built with libFuzzer's coverage hooks and AddressSanitizer +
# UBSan, so that a bug in the code under test (evgen_io, evgen_wire, the
# generated protobuf code) stops the run where it happens. UBSan findings
# abort instead of printing and carrying on, so libFuzzer records them.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "EVGEN_BUILD_FUZZERS needs clang (libFuzzer); use the `fuzz` preset")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
