// evgen: the command-line client of evgend.
#include "client/cli/cli.h"

int main(int argc, char** argv) { return evgen::cli::RunCli(argc, argv, std::cout, std::cerr); }
