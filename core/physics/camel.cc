#include "core/physics/camel.h"

#include <algorithm>
#include <cmath>
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

absl::StatusOr<CamelParameters> ReadCamelParameters(const SimulatorOptions& options) {
  CamelParameters camel;
  EVGEN_ASSIGN_OR_RETURN(const double dimensions, OptionInRange(options, "dimensions", 1, 1, 64));
  if (dimensions != static_cast<int>(dimensions)) {
    return absl::InvalidArgumentError(
        absl::StrCat("options.dimensions: must be an integer in [1, 64], got ", dimensions));
  }
  camel.dimensions = static_cast<int>(dimensions);
  EVGEN_ASSIGN_OR_RETURN(camel.separation,
                         OptionInRange(options, "separation", kDefaultSeparation, 0, 100));
  EVGEN_ASSIGN_OR_RETURN(camel.width, OptionInRange(options, "width", kDefaultWidth, 1e-6, 100));
  EVGEN_ASSIGN_OR_RETURN(camel.weight, OptionInRange(options, "weight", kDefaultWeight, 0, 1));
  return camel;
}

absl::StatusOr<Table> GenerateCamel(int64_t n_events, uint64_t seed,
                                    const SimulatorOptions& options) {
  if (n_events < 1 || n_events > kMaxEvents) {
    return absl::InvalidArgumentError(
        absl::StrCat("n_events: must be in [1, ", kMaxEvents, "], got ", n_events));
  }
  EVGEN_ASSIGN_OR_RETURN(const CamelParameters camel, ReadCamelParameters(options));
  const double separation = camel.separation, width = camel.width, weight = camel.weight;

  const int d = camel.dimensions;
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

double CamelCdf(const CamelParameters& camel, double x) {
  const auto phi = [&camel, x](double mean) {
    return 0.5 * std::erfc(-(x - mean) / (camel.width * std::sqrt(2.0)));
  };
  return camel.weight * phi(kCentre - 0.5 * camel.separation) +
         (1 - camel.weight) * phi(kCentre + 0.5 * camel.separation);
}

double CamelQuantile(const CamelParameters& camel, double p) {
  p = std::clamp(p, 1e-300, 1 - 1e-16);
  // Both modes lie within 40 widths of the centre's bracket for any p a
  // double resolves, so the bracket holds the root; the CDF is monotone.
  const double reach = 0.5 * camel.separation + 40 * camel.width;
  double lo = kCentre - reach, hi = kCentre + reach;
  // 200 halvings pass 1e-12 widths from any bracket; the loop also ends
  // where doubles around the root cannot be split any further.
  for (int i = 0; i < 200 && hi - lo > 1e-12 * camel.width; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (CamelCdf(camel, mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace evgen
