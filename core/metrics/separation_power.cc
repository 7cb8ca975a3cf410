#include "core/metrics/separation_power.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

// Finite-sample bias. The binned estimator is biased in two opposite
// directions:
// - Sampling noise pushes it up. f(a, b) = (a - b)^2 / (a + b) is jointly
//   convex (eq. 3.1 is an f-divergence: half the triangular discrimination)
//   and, for fixed bins, the bin fractions are unbiased, so by Jensen
//   E[S_hat] >= S_binned (the range-derived bins change this only slightly).
//   A second-order expansion gives, per bin with x = p1 / (p1 + p2),
//     E[S_hat] - S_binned ~= sum_bins 2 x (1 - x) ((1 - x) / N1 + x / N2),
//   that is (1/N1 + 1/N2) / 4 per bin where p1 = p2 (at most 1 / (2N) per
//   bin when N1 = N2 = N), and nothing from bins only one sample reaches.
//   The bias is positive and of order bins / N. For identical inputs with N
//   events each, E[S_hat] ~= M / (2N) over the M occupied (cell, value)
//   bins: with the paper's 8 cells x 25 bins and 30k jets per sample that is
//   ~0.0033, the floor below which two samples cannot be told apart. With
//   event weights, N is the effective count (sum w)^2 / sum w^2.
// - Binning pulls it down. Merging x values into bins can only lose
//   information (data-processing inequality for f-divergences), so
//   S_binned <= S; for smooth densities the loss falls as bin_width^2.
// Compare separations only at equal statistics and binning, and read values
// of order M / N as "indistinguishable".

namespace evgen {
namespace {

// kMaxCellColumns bounds 2^k; kMaxHistogramEntries bounds 2^k * value_bins so
// a request cannot allocate gigabytes.
constexpr int kMaxCellColumns = 16;
constexpr int64_t kMaxHistogramEntries = int64_t{1} << 24;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Columns holds the column indices one table is read through.
struct Columns {
  std::vector<int> cell;
  int value = 0;
};

absl::StatusOr<Columns> ResolveColumns(const Table& table, const char* which,
                                       const SeparationPowerConfig& config) {
  const auto index = [&](const std::string& name) -> absl::StatusOr<int> {
    absl::StatusOr<int> i = table.ColumnIndex(name);
    if (!i.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("separation power: ", which, " table: ", i.status().message()));
    }
    return i;
  };
  Columns columns;
  for (const std::string& name : config.cell_columns) {
    EVGEN_ASSIGN_OR_RETURN(const int i, index(name));
    columns.cell.push_back(i);
  }
  EVGEN_ASSIGN_OR_RETURN(columns.value, index(config.value_column));
  return columns;
}

// CheckFinite rejects NaN and infinities in the columns the metric reads: a
// NaN has no cell and no bin, and silently dropping it would flatter a
// generator that emits them.
absl::Status CheckFinite(const Table& table, const char* which, const Columns& columns,
                         const SeparationPowerConfig& config) {
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (size_t j = 0; j <= columns.cell.size(); ++j) {
      const bool is_value = j == columns.cell.size();
      const float x = table.at(r, is_value ? columns.value : columns.cell[j]);
      if (!std::isfinite(x)) {
        return absl::InvalidArgumentError(
            absl::StrCat("separation power: ", which, " table: row ", r, " has a non-finite ",
                         is_value ? config.value_column : config.cell_columns[j]));
      }
    }
  }
  return absl::OkStatus();
}

// SplitThreshold returns the threshold t splitting `rows` (sorted by key)
// into {key < t} and {key >= t} with the lower part's weight closest to half
// the total. Only boundaries between distinct keys qualify, so tied values
// (an integer N_track) never straddle a cell edge; the halves are then as
// equal as the ties allow. Ties between boundaries go to the lower one.
double SplitThreshold(const std::vector<int64_t>& rows, const std::vector<double>& key,
                      const Table& table) {
  if (rows.empty()) return kInf;
  double total = 0;
  for (int64_t r : rows) total += table.weight(r);
  const double half = total / 2;
  size_t best = 0;
  double best_distance = std::fabs(half);  // boundary 0: nothing below
  double below = 0;
  for (size_t i = 1; i <= rows.size(); ++i) {
    below += table.weight(rows[i - 1]);
    if (i < rows.size() && !(key[rows[i - 1]] < key[rows[i]])) continue;
    const double distance = std::fabs(below - half);
    if (distance < best_distance) {
      best_distance = distance;
      best = i;
    }
  }
  // Outside the reference's range, generated rows join the nearest half
  // rather than a cell of their own.
  if (best == 0) return -kInf;
  if (best == rows.size()) return kInf;
  return 0.5 * (key[rows[best - 1]] + key[rows[best]]);
}

int ValueBin(double x, double lo, double hi, int bins) {
  if (!(hi > lo)) return 0;
  const double f = (x - lo) / (hi - lo) * bins;
  if (!(f >= 0)) return 0;
  if (f >= bins) return bins - 1;
  return static_cast<int>(f);
}

}  // namespace

double BinnedSeparation(const std::vector<double>& counts1, const std::vector<double>& counts2) {
  const double sum1 = std::accumulate(counts1.begin(), counts1.end(), 0.0);
  const double sum2 = std::accumulate(counts2.begin(), counts2.end(), 0.0);
  if (!(sum1 > 0) && !(sum2 > 0)) return 0;  // nothing against nothing
  if (!(sum1 > 0) || !(sum2 > 0)) return 1;  // something against nothing: disjoint
  const size_t n = std::max(counts1.size(), counts2.size());
  double s = 0;
  for (size_t b = 0; b < n; ++b) {
    // A bin missing from the shorter histogram counts as empty.
    const double p1 = b < counts1.size() ? counts1[b] / sum1 : 0.0;
    const double p2 = b < counts2.size() ? counts2[b] / sum2 : 0.0;
    if (p1 + p2 > 0) s += (p1 - p2) * (p1 - p2) / (p1 + p2);
  }
  return 0.5 * s;
}

absl::StatusOr<SeparationPowerResult> SeparationPower(const Table& reference,
                                                      const Table& generated,
                                                      const SeparationPowerConfig& config) {
  const int bins = config.value_bins;
  if (bins < 2 || bins > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("separation power: value_bins must be an integer in [2, 10000], got ", bins));
  }
  const int k = static_cast<int>(config.cell_columns.size());
  if (k > kMaxCellColumns) {
    return absl::InvalidArgumentError(absl::StrCat(
        "separation power: cell_columns must hold at most ", kMaxCellColumns, " columns, got ", k));
  }
  const int cells = 1 << k;
  if (int64_t{cells} * bins > kMaxHistogramEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("separation power: 2^cell_columns * value_bins must be at most ",
                     kMaxHistogramEntries, ", got ", int64_t{cells} * bins));
  }
  EVGEN_ASSIGN_OR_RETURN(const Columns ref_cols, ResolveColumns(reference, "reference", config));
  EVGEN_ASSIGN_OR_RETURN(const Columns gen_cols, ResolveColumns(generated, "generated", config));
  if (reference.num_rows() == 0) {
    return absl::InvalidArgumentError("separation power: the reference table has no rows");
  }
  if (generated.num_rows() == 0) {
    return absl::InvalidArgumentError("separation power: the generated table has no rows");
  }
  EVGEN_RETURN_IF_ERROR(CheckFinite(reference, "reference", ref_cols, config));
  EVGEN_RETURN_IF_ERROR(CheckFinite(generated, "generated", gen_cols, config));

  std::vector<bool> use_abs(k, false);
  for (int j = 0; j < k; ++j) {
    use_abs[j] = std::find(config.abs_columns.begin(), config.abs_columns.end(),
                           config.cell_columns[j]) != config.abs_columns.end();
  }
  const auto cell_key = [&](const Table& t, const Columns& cols, int64_t r, int j) {
    const double x = t.at(r, cols.cell[j]);
    return use_abs[j] ? std::fabs(x) : x;
  };

  // Split the reference hierarchically: level j halves every node of level
  // j - 1 at its (weighted) median of cell column j. Node i of level j has
  // children 2i (below) and 2i + 1 (at or above), so the first column is the
  // most significant bit of the final cell index.
  std::vector<std::vector<double>> thresholds(k);
  {
    std::vector<std::vector<int64_t>> nodes(1);
    nodes[0].resize(reference.num_rows());
    std::iota(nodes[0].begin(), nodes[0].end(), int64_t{0});
    std::vector<double> key(reference.num_rows());
    for (int j = 0; j < k; ++j) {
      for (int64_t r = 0; r < reference.num_rows(); ++r)
        key[r] = cell_key(reference, ref_cols, r, j);
      std::vector<std::vector<int64_t>> children(nodes.size() * 2);
      thresholds[j].resize(nodes.size());
      for (size_t node = 0; node < nodes.size(); ++node) {
        std::vector<int64_t>& rows = nodes[node];
        std::stable_sort(rows.begin(), rows.end(),
                         [&key](int64_t a, int64_t b) { return key[a] < key[b]; });
        const double t = SplitThreshold(rows, key, reference);
        thresholds[j][node] = t;
        for (int64_t r : rows) children[2 * node + (key[r] >= t ? 1 : 0)].push_back(r);
        std::vector<int64_t>().swap(rows);
      }
      nodes = std::move(children);
    }
  }
  const auto cell_of = [&](const Table& t, const Columns& cols, int64_t r) {
    int node = 0;
    for (int j = 0; j < k; ++j) {
      node = 2 * node + (cell_key(t, cols, r, j) >= thresholds[j][node] ? 1 : 0);
    }
    return node;
  };

  std::vector<int> ref_cell(reference.num_rows()), gen_cell(generated.num_rows());
  std::vector<double> lo(cells, kInf), hi(cells, -kInf);
  double ref_total = 0, gen_total = 0;
  SeparationPowerResult result;
  result.cells.resize(cells);
  for (int64_t r = 0; r < reference.num_rows(); ++r) {
    const int c = ref_cell[r] = cell_of(reference, ref_cols, r);
    const double x = reference.at(r, ref_cols.value);
    lo[c] = std::min(lo[c], x);
    hi[c] = std::max(hi[c], x);
    ref_total += reference.weight(r);
    ++result.cells[c].reference_count;
  }
  for (int64_t r = 0; r < generated.num_rows(); ++r) {
    const int c = gen_cell[r] = cell_of(generated, gen_cols, r);
    const double x = generated.at(r, gen_cols.value);
    lo[c] = std::min(lo[c], x);
    hi[c] = std::max(hi[c], x);
    gen_total += generated.weight(r);
    ++result.cells[c].generated_count;
  }
  if (!(ref_total > 0) || !(gen_total > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("separation power: the total event weight must be positive, got ", ref_total,
                     " (reference) and ", gen_total, " (generated)"));
  }

  // Joint histograms over (cell, value bin), filled with raw weights; the
  // normalisation by each table's total weight below keeps the cell
  // fractions in, so a generator that puts jets in the wrong cells pays too.
  std::vector<std::vector<double>> ref_hist(cells, std::vector<double>(bins, 0.0));
  std::vector<std::vector<double>> gen_hist(cells, std::vector<double>(bins, 0.0));
  for (int64_t r = 0; r < reference.num_rows(); ++r) {
    const int c = ref_cell[r];
    ref_hist[c][ValueBin(reference.at(r, ref_cols.value), lo[c], hi[c], bins)] +=
        reference.weight(r);
  }
  for (int64_t r = 0; r < generated.num_rows(); ++r) {
    const int c = gen_cell[r];
    gen_hist[c][ValueBin(generated.at(r, gen_cols.value), lo[c], hi[c], bins)] +=
        generated.weight(r);
  }

  double s = 0;
  for (int c = 0; c < cells; ++c) {
    for (int b = 0; b < bins; ++b) {
      const double p1 = ref_hist[c][b] / ref_total, p2 = gen_hist[c][b] / gen_total;
      if (p1 + p2 > 0) s += (p1 - p2) * (p1 - p2) / (p1 + p2);
    }
    SeparationCell& cell = result.cells[c];
    cell.separation = BinnedSeparation(ref_hist[c], gen_hist[c]);
    cell.lower.assign(k, -kInf);
    cell.upper.assign(k, kInf);
    int node = 0;
    for (int j = 0; j < k; ++j) {
      const int bit = (c >> (k - 1 - j)) & 1;
      (bit ? cell.lower[j] : cell.upper[j]) = thresholds[j][node];
      node = 2 * node + bit;
    }
  }
  result.separation = 0.5 * s;
  return result;
}

}  // namespace evgen
