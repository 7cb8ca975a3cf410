// camel.h: the camel-back toy density (two Gaussians) in one or n
// dimensions, the standard test of generative models' multi-modality.
// Columns x0, x1, ..., x<d-1>. Documented in docs/physics.md.
//
// Besides the generator, the analytic marginal CDF and its inverse of one
// coordinate: the true quantiles against which a sample's quantile error
// (core/metrics/quantile_error.h) can be checked.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(const CamelParameters camel, ReadCamelParameters({}));
//   const double median = CamelQuantile(camel, 0.5);  // 0.5 for the symmetric default
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/physics/simulator_options.h"

namespace evgen {

// CamelParameters are the camel's options after defaults and range checks.
struct CamelParameters {
  int dimensions = 1;
  double separation = 0;  // offset of the two means in every coordinate
  double width = 0;       // standard deviation of each mode per coordinate
  double weight = 0;      // probability of the lower mode
};

// ReadCamelParameters applies the defaults of docs/physics.md to `options`;
// InvalidArgument names options.<key> and its range.
[[nodiscard]] absl::StatusOr<CamelParameters> ReadCamelParameters(const SimulatorOptions& options);

// Options: dimensions (1..64, default 1), and the shape parameters documented
// in docs/physics.md.
[[nodiscard]] absl::StatusOr<Table> GenerateCamel(int64_t n_events, uint64_t seed,
                                                  const SimulatorOptions& options);

// CamelCdf is P(x_j <= x) for any one coordinate j (all share the marginal
// w Phi((x - mu_1)/s) + (1 - w) Phi((x - mu_2)/s)).
double CamelCdf(const CamelParameters& camel, double x);

// CamelQuantile inverts CamelCdf by bisection to 1e-12 relative to the
// width; p is clamped to (0, 1) exclusive of the ends, which are infinite.
double CamelQuantile(const CamelParameters& camel, double p);

}  // namespace evgen
