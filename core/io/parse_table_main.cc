// evgen-parse-table: evgend's helper that parses one untrusted table file in
// a process of its own (see core/io/isolated_reader.h).
//
//   evgen-parse-table --input F --format FMT --output OUT.npy
//                     [--max-memory-bytes N] [--option KEY=VALUE]...
//
// Exit 0: OUT.npy (+ .columns) holds the table (a weighted one with its
// weights as the last column, event_weight) and OUT.report.json holds
// {"weighted": bool, "report": ReadReport::ToJson()}. Exit 3: stderr holds a line
// "evgen-parse-table-status CODE message" with an absl status code. A crash
// is the caller's to report. The process ends with _Exit: libhdf5's exit
// handlers can loop or print over the status after a corrupt file.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/io/npy.h"
#include "core/io/read_report.h"
#include "core/io/table_file.h"
#include "nlohmann/json.hpp"

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "evgen-parse-table-status %d %s\n", static_cast<int>(status.code()),
               std::string(status.message()).c_str());
  return 3;
}

[[noreturn]] void End(int code) {
  std::fflush(stderr);
  std::_Exit(code);
}

absl::Status Run(const std::map<std::string, std::string>& flags, const std::map<std::string, std::string>& options) {
  const std::string output = flags.at("--output");
  evgen::ReadReport report;
  absl::StatusOr<evgen::Table> table =
      evgen::ReadTableFile(flags.at("--input"), flags.at("--format"), options, &report);
  if (!table.ok()) return table.status();
  if (absl::Status s = evgen::WriteNpy(output, *table); !s.ok()) return s;
  // "weighted" tells the parent whether the event_weight column is the
  // weights or a feature of that name.
  nlohmann::json result = {{"weighted", table->has_weights()}, {"report", report.ToJson()}};
  // Typed columns (an evgen-written HDF5 file's identifiers and categories)
  // do not fit in the .npy of float32 values.
  for (const auto& [column, values] : table->int64_columns()) result["int64_columns"][column] = values;
  if (!table->category_columns().empty()) {
    result["category_labels"] = table->category_labels();
    result["category_columns"] = table->category_columns();
  }
  return evgen::WriteFileAtomically(output.substr(0, output.size() - 4) + ".report.json", result.dump());
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags, options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--option") {
      const size_t eq = value.find('=');
      options[value.substr(0, eq)] = eq == std::string::npos ? "" : value.substr(eq + 1);
    } else {
      flags[key] = value;
    }
  }
  for (const char* required : {"--input", "--format", "--output"}) {
    if (flags.count(required) == 0) End(Fail(absl::InvalidArgumentError(absl::StrCat("missing ", required))));
  }
  int64_t memory = 0;
  if (flags.count("--max-memory-bytes") && absl::SimpleAtoi(flags["--max-memory-bytes"], &memory) && memory > 0) {
    // A crafted file can make libhdf5 allocate gigabytes; here that ends
    // this process, not the server.
    const rlimit limit{static_cast<rlim_t>(memory), static_cast<rlim_t>(memory)};
    ::setrlimit(RLIMIT_AS, &limit);
  }
  try {
    const absl::Status status = Run(flags, options);
    End(status.ok() ? 0 : Fail(status));
  } catch (const std::bad_alloc&) {
    End(Fail(absl::ResourceExhaustedError(absl::StrCat(
        flags["--input"], ": parsing needs more than the ", memory >> 20, " MiB the server allows for it"))));
  } catch (const std::exception& e) {
    End(Fail(absl::InvalidArgumentError(absl::StrCat(flags["--input"], ": ", e.what()))));
  }
}
