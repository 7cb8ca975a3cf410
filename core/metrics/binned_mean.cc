#include "core/metrics/binned_mean.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr int kMaxBins = 100;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Entry is one row as the metric reads it.
struct Entry {
  double by = 0;
  double value = 0;
  double weight = 1;
};

absl::StatusOr<int> ColumnFor(const Table& table, const char* which, const char* field,
                              const std::string& name) {
  if (table.HasColumn(name)) return *table.ColumnIndex(name);
  return absl::InvalidArgumentError(absl::StrCat("metrics.options.", field, ": column '", name, "' not in ",
                                                 which, "; its columns are [",
                                                 absl::StrJoin(table.columns(), ", "), "]"));
}

// ReadEntries rejects non-finite values rather than dropping them, so a
// generator that emits NaN cannot look better by losing its worst rows.
absl::StatusOr<std::vector<Entry>> ReadEntries(const Table& table, const char* which,
                                               const BinnedMeanConfig& config) {
  EVGEN_ASSIGN_OR_RETURN(const int by, ColumnFor(table, which, "by", config.by));
  EVGEN_ASSIGN_OR_RETURN(const int value, ColumnFor(table, which, "value_column", config.value_column));
  std::vector<Entry> out(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    out[r] = {table.at(r, by), table.at(r, value), table.weight(r)};
    const bool by_ok = std::isfinite(out[r].by);
    if (!by_ok || !std::isfinite(out[r].value)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics.options.", by_ok ? "value_column" : "by", ": ",
                                                     which, " row ", r, " has a non-finite ",
                                                     by_ok ? config.value_column : config.by));
    }
  }
  return out;
}

absl::Status CheckEdges(const std::vector<double>& edges) {
  if (edges.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics.options.edges: need at least 2 edges, got ", edges.size()));
  }
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!std::isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
      return absl::InvalidArgumentError(absl::StrCat("metrics.options.edges: must be finite and strictly "
                                                     "increasing, got [",
                                                     absl::StrJoin(edges, ", "), "]"));
    }
  }
  return absl::OkStatus();
}

// QuantileEdges places inner edges only in gaps between distinct values (see
// the header), so equal values share a bin; `sorted` is sorted by `by`.
std::vector<double> QuantileEdges(const std::vector<Entry>& sorted, int bins) {
  std::vector<double> gap_edge, weight_below;  // per gap between distinct values
  double cumulative = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && sorted[i - 1].by < sorted[i].by) {
      gap_edge.push_back(0.5 * (sorted[i - 1].by + sorted[i].by));
      weight_below.push_back(cumulative);
    }
    cumulative += sorted[i].weight;
  }
  std::vector<double> edges = {sorted.front().by};
  for (int k = 1; k < bins && !gap_edge.empty(); ++k) {
    const double target = cumulative * k / bins;
    // weight_below rises with the gap for non-negative weights: the closest
    // gap is the first at or above the target or the one before it.
    size_t g = std::lower_bound(weight_below.begin(), weight_below.end(), target) - weight_below.begin();
    if (g == gap_edge.size() || (g > 0 && target - weight_below[g - 1] <= weight_below[g] - target)) --g;
    edges.push_back(gap_edge[g]);
  }
  edges.push_back(sorted.back().by);
  // Negative weights can break the monotony above; sorting keeps bins valid.
  std::sort(edges.begin() + 1, edges.end() - 1);
  edges.erase(std::unique(edges.begin() + 1, edges.end() - 1), edges.end() - 1);
  return edges;
}

// BinOf returns the bin of x (lower <= x < upper, the last bin closed), or -1
// outside [edges.front(), edges.back()].
int BinOf(const std::vector<double>& edges, double x) {
  if (!(x >= edges.front() && x <= edges.back())) return -1;
  const int last = static_cast<int>(edges.size()) - 2;
  const int bin = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
  return std::min(bin, last);
}

// Sums accumulates one table's rows in one bin; the variance is a second
// pass around the mean, which keeps it accurate for masses far from zero.
struct Sums {
  int64_t rows = 0;
  double w = 0, w2 = 0, wx = 0, wdd = 0;
};

MeanEstimate Estimate(const Sums& s) {
  MeanEstimate e;
  e.rows = s.rows;
  e.mean = s.rows > 0 && s.w > 0 ? s.wx / s.w : kNaN;
  const double variance_norm = s.w - s.w2 / s.w;  // n - 1 for unit weights
  const double n_eff = s.w * s.w / s.w2;
  e.error = s.rows > 1 && s.w > 0 && variance_norm > 0 ? std::sqrt(s.wdd / variance_norm / n_eff) : kNaN;
  return e;
}

// MeansPerBin returns one estimate per bin and counts the rows outside.
std::vector<MeanEstimate> MeansPerBin(const std::vector<Entry>& entries, const std::vector<double>& edges,
                                      int64_t* outside) {
  std::vector<Sums> sums(edges.size() - 1);
  std::vector<int> bin_of(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    bin_of[i] = BinOf(edges, e.by);
    if (bin_of[i] < 0) continue;
    Sums& s = sums[bin_of[i]];
    ++s.rows;
    s.w += e.weight;
    s.w2 += e.weight * e.weight;
    s.wx += e.weight * e.value;
  }
  *outside = std::count(bin_of.begin(), bin_of.end(), -1);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (bin_of[i] < 0) continue;
    Sums& s = sums[bin_of[i]];
    const double d = entries[i].value - s.wx / s.w;
    s.wdd += entries[i].weight * d * d;
  }
  std::vector<MeanEstimate> out;
  for (const Sums& s : sums) out.push_back(Estimate(s));
  return out;
}

double RelativeDifference(const MeanEstimate& ref, const MeanEstimate& cand) {
  if (ref.rows == 0 || cand.rows == 0 || ref.mean == 0) return kNaN;
  return (cand.mean - ref.mean) / ref.mean;
}

// RelativeError propagates both means' errors to (c - r) / r.
double RelativeError(const MeanEstimate& ref, const MeanEstimate& cand) {
  const double ratio = cand.mean / ref.mean;
  return std::hypot(cand.error, ratio * ref.error) / std::fabs(ref.mean);
}

absl::StatusOr<std::vector<double>> Edges(std::vector<Entry> reference, const BinnedMeanConfig& config) {
  if (!config.edges.empty()) {
    EVGEN_RETURN_IF_ERROR(CheckEdges(config.edges));
    return config.edges;
  }
  if (config.bins < 1 || config.bins > kMaxBins) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics.options.bins: must be an integer in [1, ", kMaxBins, "], got ", config.bins));
  }
  std::sort(reference.begin(), reference.end(), [](const Entry& a, const Entry& b) { return a.by < b.by; });
  return QuantileEdges(reference, config.bins);
}

}  // namespace

absl::StatusOr<BinnedMeanResult> BinnedMean(const Table& reference, const Table& candidate,
                                            const BinnedMeanConfig& config) {
  EVGEN_ASSIGN_OR_RETURN(const std::vector<Entry> ref, ReadEntries(reference, "reference", config));
  EVGEN_ASSIGN_OR_RETURN(const std::vector<Entry> cand, ReadEntries(candidate, "candidate", config));
  if (ref.empty()) return absl::InvalidArgumentError("binned mean: the reference table has no rows");
  EVGEN_ASSIGN_OR_RETURN(const std::vector<double> edges, Edges(ref, config));

  BinnedMeanResult result;
  const std::vector<MeanEstimate> ref_means = MeansPerBin(ref, edges, &result.reference_outside);
  const std::vector<MeanEstimate> cand_means = MeansPerBin(cand, edges, &result.candidate_outside);
  result.error = kNaN;
  for (size_t b = 0; b + 1 < edges.size(); ++b) {
    BinnedMeanBin bin{edges[b], edges[b + 1], ref_means[b], cand_means[b], kNaN};
    bin.relative_difference = RelativeDifference(bin.reference, bin.candidate);
    const double magnitude = std::fabs(bin.relative_difference);
    if (std::isfinite(magnitude) && (result.worst_bin < 0 || magnitude > result.max_abs_relative_difference)) {
      result.worst_bin = static_cast<int>(b);
      result.max_abs_relative_difference = magnitude;
      result.error = RelativeError(bin.reference, bin.candidate);
    }
    result.bins.push_back(bin);
  }
  if (result.worst_bin < 0) {
    return absl::InvalidArgumentError(absl::StrCat("binned mean: no bin of ", config.by,
                                                   " has rows with a non-zero mean in both tables (",
                                                   result.candidate_outside, " candidate rows outside [",
                                                   edges.front(), ", ", edges.back(), "])"));
  }
  return result;
}

}  // namespace evgen
