// cli.h: RunCli, the whole `evgen` command-line tool as a library function so
// tests can run it in-process; client/cli/main.cc only calls it.
#pragma once

#include <iostream>

namespace evgen::cli {

// RunCli parses argv, talks to evgend, prints to out/err and returns the exit
// code: 0 success, 1 a failed operation (server error, failed job), 2 usage.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace evgen::cli
