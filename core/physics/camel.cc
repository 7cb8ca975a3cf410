#include "core/physics/camel.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

// The camel-back density, documented in docs/physics.md ("Camel"):
//   p(x) = w N(x; mu_1, s^2 I) + (1 - w) N(x; mu_2, s^2 I),
//   mu_1 = (c - d/2) (1, ..., 1),  mu_2 = (c + d/2) (1, ..., 1),  c = 0.5,
// with d = `separation` the offset of the means in EVERY coordinate (so the
// Euclidean distance between them is d sqrt(dim)), s = `width` and w =
// `weight`. The defaults are the camel of the VEGAS / i-flow benchmarks:
// means at 1/3 and 2/3 in each coordinate, s = 0.2 / sqrt(2).
// Event i draws its mode and coordinates from CounterRng(seed, i).

namespace evgen {
namespace {

constexpr int64_t kMaxEvents = 100'000'000;
constexpr double kCentre = 0.5;
constexpr double kDefaultSeparation = 1.0 / 3.0;
constexpr double kDefaultWidth = 0.14142135623730950;  // 0.2 / sqrt(2)
constexpr double kDefaultWeight = 0.5;

}  // namespace

absl::StatusOr<Table> GenerateCamel(int64_t n_events, uint64_t seed,
                                    const SimulatorOptions& options) {
  if (n_events < 1 || n_events > kMaxEvents) {
    return absl::InvalidArgumentError(
        absl::StrCat("n_events: must be in [1, ", kMaxEvents, "], got ", n_events));
  }
  EVGEN_ASSIGN_OR_RETURN(const double dimensions, OptionInRange(options, "dimensions", 1, 1, 64));
  if (dimensions != static_cast<int>(dimensions)) {
    return absl::InvalidArgumentError(
        absl::StrCat("options.dimensions: must be an integer in [1, 64], got ", dimensions));
  }
  EVGEN_ASSIGN_OR_RETURN(const double separation,
                         OptionInRange(options, "separation", kDefaultSeparation, 0, 100));
  EVGEN_ASSIGN_OR_RETURN(const double width,
                         OptionInRange(options, "width", kDefaultWidth, 1e-6, 100));
  EVGEN_ASSIGN_OR_RETURN(const double weight,
                         OptionInRange(options, "weight", kDefaultWeight, 0, 1));

  const int d = static_cast<int>(dimensions);
  std::vector<std::string> columns;
  columns.reserve(d);
  for (int j = 0; j < d; ++j) columns.push_back(absl::StrCat("x", j));
  Table table(std::move(columns));
  table.Reserve(n_events);
  std::vector<float> row(d);
  for (int64_t i = 0; i < n_events; ++i) {
    if (i % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped table
    CounterRng rng(seed, static_cast<uint64_t>(i));
    const double mean =
        rng.Uniform() < weight ? kCentre - 0.5 * separation : kCentre + 0.5 * separation;
    for (int j = 0; j < d; ++j) row[j] = static_cast<float>(mean + width * rng.Normal());
    table.AppendRow(row.data());
  }
  return table;
}

}  // namespace evgen
