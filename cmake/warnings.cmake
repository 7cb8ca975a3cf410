# evgen_warnings: an INTERFACE target carrying the project's warning flags, so
# that every evgen target opts in by linking it and third-party code is spared.
add_library(evgen_warnings INTERFACE)
target_compile_options(evgen_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wunused -Woverloaded-virtual -Wformat=2)
if(EVGEN_WARNINGS_AS_ERRORS)
  target_compile_options(evgen_warnings INTERFACE -Werror)
endif()
add_library(evgen::warnings ALIAS evgen_warnings)
