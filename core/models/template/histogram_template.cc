#include "core/models/template/histogram_template.h"


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/atomic_file.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

constexpr char kFileName[] = "template.json";
constexpr char kFormat[] = "evgen.histogram_template";
constexpr int kFormatVersion = 1;
// kMaxHistogramEntries bounds abs_eta_bins * log_pt_bins * mass_bins, so that
// a config cannot ask for gigabytes of histograms (or of template.json).
constexpr int64_t kMaxHistogramEntries = 2'000'000;
// kMinFitChunkRows keeps progress reports and cancellation polls coarse enough
// to cost nothing, while a pass still reports a handful of times.
constexpr int64_t kMinFitChunkRows = 1 << 16;
constexpr int kFitChunksPerPass = 8;

absl::Status ConfigError(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat("template config: ", message));
}

// ValidateConfig checks the ranges FromJson enforces plus the cross-field
// rules, so a config built in C++ is held to the same standard as one parsed
// from JSON.
absl::Status ValidateConfig(const HistogramTemplateConfig& c) {
  for (const std::string* name : {&c.pt_column, &c.eta_column, &c.mass_column}) {
    if (name->empty()) return ConfigError("column names must not be empty");
  }
  if (c.pt_column == c.eta_column || c.pt_column == c.mass_column ||
      c.eta_column == c.mass_column) {
    return ConfigError(absl::StrCat("pt_column, eta_column and mass_column must differ, got '",
                                    c.pt_column, "', '", c.eta_column, "', '", c.mass_column, "'"));
  }
  if (c.abs_eta_bins < 1 || c.abs_eta_bins > 100) {
    return ConfigError(
        absl::StrCat("abs_eta_bins must be an integer in [1, 100], got ", c.abs_eta_bins));
  }
  if (!(c.abs_eta_max > 0) || c.abs_eta_max > 10) {
    return ConfigError(
        absl::StrCat("abs_eta_max must be a number in (0, 10], got ", c.abs_eta_max));
  }
  if (c.log_pt_bins < 1 || c.log_pt_bins > 1000) {
    return ConfigError(
        absl::StrCat("log_pt_bins must be an integer in [1, 1000], got ", c.log_pt_bins));
  }
  if (c.mass_bins < 2 || c.mass_bins > 100000) {
    return ConfigError(
        absl::StrCat("mass_bins must be an integer in [2, 100000], got ", c.mass_bins));
  }
  for (double v : {c.pt_min_gev, c.pt_max_gev, c.mass_min_gev, c.mass_max_gev}) {
    if (!std::isfinite(v)) return ConfigError("pT and mass limits must be finite numbers");
  }
  if (c.pt_min_gev > 0 && c.pt_max_gev > 0 && !(c.pt_max_gev > c.pt_min_gev)) {
    return ConfigError(absl::StrCat("pt_max_gev must be greater than pt_min_gev (", c.pt_min_gev,
                                    "), got ", c.pt_max_gev));
  }
  if (c.mass_max_gev > 0 && !(c.mass_max_gev > c.mass_min_gev)) {
    return ConfigError(absl::StrCat("mass_max_gev must be greater than mass_min_gev (",
                                    c.mass_min_gev, "), got ", c.mass_max_gev));
  }
  const int64_t entries = int64_t{c.abs_eta_bins} * int64_t{c.log_pt_bins} * int64_t{c.mass_bins};
  if (entries > kMaxHistogramEntries) {
    return ConfigError(absl::StrCat("abs_eta_bins * log_pt_bins * mass_bins must be at most ",
                                    kMaxHistogramEntries, ", got ", entries));
  }
  return absl::OkStatus();
}

// BinOf maps x in [lo, hi] to one of n uniform bins, clamping outside values
// (and NaN) to the edge bins.
int BinOf(double x, double lo, double hi, int n) {
  const double f = (x - lo) / (hi - lo) * n;
  if (!(f >= 0)) return 0;
  if (f >= n) return n - 1;
  return static_cast<int>(f);
}

// CellOf is HistogramTemplate::CellIndex for explicit pT limits, so Fit can
// bin jets before it commits the new limits to the model.
int CellOf(const HistogramTemplateConfig& c, double log_pt_min, double log_pt_max, double pt_gev,
           double eta) {
  const int a = BinOf(std::fabs(eta), 0.0, c.abs_eta_max, c.abs_eta_bins);
  // pT <= 0 has no logarithm; it lies below any range, so it takes the first bin.
  const int p = pt_gev > 0 ? BinOf(std::log10(pt_gev), log_pt_min, log_pt_max, c.log_pt_bins) : 0;
  return a * c.log_pt_bins + p;
}

std::vector<double> Edges(double lo, double hi, int n) {
  std::vector<double> edges(n + 1);
  for (int i = 0; i <= n; ++i) edges[i] = lo + (hi - lo) * i / n;
  return edges;
}

// CdfFromHistogram turns bin weights into mass_bins + 1 CDF values, or an
// empty vector when the histogram holds no positive weight. Negative bin sums
// (negative event weights) are clipped to 0 so the CDF stays monotone.
std::vector<double> CdfFromHistogram(const std::vector<double>& hist) {
  double total = 0;
  for (double h : hist) total += std::max(h, 0.0);
  if (!(total > 0) || !std::isfinite(total)) return {};
  std::vector<double> cdf(hist.size() + 1, 0.0);
  double cumulative = 0;
  for (size_t b = 0; b < hist.size(); ++b) {
    cumulative += std::max(hist[b], 0.0);
    cdf[b + 1] = cumulative / total;
  }
  cdf.back() = 1.0;
  return cdf;
}

absl::Status Corrupt(const std::string& path, const std::string& what) {
  return absl::DataLossError(absl::StrCat("template: ", path, " is corrupt: ", what));
}

bool FiniteRange(const nlohmann::json& j) {
  return j.is_array() && j.size() == 2 && j[0].is_number() && j[1].is_number() &&
         std::isfinite(j[0].get<double>()) && std::isfinite(j[1].get<double>()) &&
         j[0].get<double>() < j[1].get<double>();
}

}  // namespace

absl::StatusOr<HistogramTemplateConfig> HistogramTemplateConfig::FromJson(const nlohmann::json& j) {
  HistogramTemplateConfig c;
  ConfigReader r(j, "config");
  r.String("pt_column", c.pt_column)
      .String("eta_column", c.eta_column)
      .String("mass_column", c.mass_column)
      .Integer("abs_eta_bins", c.abs_eta_bins, 1, 100)
      .Number("abs_eta_max", c.abs_eta_max, Interval::OpenClosed(0, 10))
      .Integer("log_pt_bins", c.log_pt_bins, 1, 1000)
      .Number("pt_min_gev", c.pt_min_gev)
      .Number("pt_max_gev", c.pt_max_gev)
      .Integer("mass_bins", c.mass_bins, 2, 100000)
      .Number("mass_min_gev", c.mass_min_gev)
      .Number("mass_max_gev", c.mass_max_gev);
  EVGEN_RETURN_IF_ERROR(r.Finish());
  EVGEN_RETURN_IF_ERROR(ValidateConfig(c));
  return c;
}

nlohmann::json HistogramTemplateConfig::ToJson() const {
  return nlohmann::json{
      {"pt_column", pt_column},       {"eta_column", eta_column},    {"mass_column", mass_column},
      {"abs_eta_bins", abs_eta_bins}, {"abs_eta_max", abs_eta_max},  {"log_pt_bins", log_pt_bins},
      {"pt_min_gev", pt_min_gev},     {"pt_max_gev", pt_max_gev},    {"mass_bins", mass_bins},
      {"mass_min_gev", mass_min_gev}, {"mass_max_gev", mass_max_gev}};
}

HistogramTemplate::HistogramTemplate(HistogramTemplateConfig config)
    : config_(std::move(config)),
      conditions_{config_.pt_column, config_.eta_column},
      targets_{config_.mass_column} {}

int HistogramTemplate::CellIndex(double pt_gev, double eta) const {
  return CellOf(config_, log_pt_min_, log_pt_max_, pt_gev, eta);
}

absl::Status HistogramTemplate::Fit(const Table& train, const FitContext& ctx) {
  EVGEN_RETURN_IF_ERROR(ValidateConfig(config_));
  const auto column = [&train](const std::string& name) -> absl::StatusOr<int> {
    absl::StatusOr<int> index = train.ColumnIndex(name);
    if (!index.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("template fit: training table: ", index.status().message()));
    }
    return index;
  };
  EVGEN_ASSIGN_OR_RETURN(const int pt_col, column(config_.pt_column));
  EVGEN_ASSIGN_OR_RETURN(const int eta_col, column(config_.eta_column));
  EVGEN_ASSIGN_OR_RETURN(const int mass_col, column(config_.mass_column));
  const int64_t n = train.num_rows();
  if (n == 0) return absl::InvalidArgumentError("template fit: the training table has no rows");

  const int64_t chunk =
      std::max<int64_t>(kMinFitChunkRows, (n + kFitChunksPerPass - 1) / kFitChunksPerPass);
  const int64_t chunks = (n + chunk - 1) / chunk;
  const int64_t total_steps = 2 * chunks + 1;
  int64_t step = 0;
  const auto report = [&](const std::string& message) {
    TrainingProgress progress;
    progress.step = ++step;
    progress.total_steps = total_steps;
    progress.message = message;
    ctx.on_progress(progress);
  };

  // Pass 1: select the jets inside the configured ranges and find the pT and
  // mass ranges that were left to the data.
  const HistogramTemplateConfig& c = config_;
  const bool pt_min_set = c.pt_min_gev > 0, pt_max_set = c.pt_max_gev > 0;
  const bool mass_max_set = c.mass_max_gev > 0;
  std::vector<char> keep(n, 0);
  double pt_lo = std::numeric_limits<double>::infinity(), pt_hi = 0;
  double mass_hi = -std::numeric_limits<double>::infinity();
  int64_t kept = 0;
  for (int64_t begin = 0; begin < n; begin += chunk) {
    if (ctx.cancelled()) return absl::CancelledError("template fit: cancelled");
    const int64_t end = std::min(n, begin + chunk);
    for (int64_t r = begin; r < end; ++r) {
      const double pt = train.at(r, pt_col), eta = train.at(r, eta_col);
      const double mass = train.at(r, mass_col);
      if (!std::isfinite(pt) || !std::isfinite(eta) || !std::isfinite(mass)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "template fit: training row ", r, " has a non-finite ", config_.pt_column, ", ",
            config_.eta_column, " or ", config_.mass_column, " (", pt, ", ", eta, ", ", mass, ")"));
      }
      if (!(pt > 0) || (pt_min_set && pt < c.pt_min_gev) || (pt_max_set && pt > c.pt_max_gev) ||
          std::fabs(eta) > c.abs_eta_max || mass < c.mass_min_gev ||
          (mass_max_set && mass > c.mass_max_gev)) {
        continue;
      }
      keep[r] = 1;
      ++kept;
      pt_lo = std::min(pt_lo, pt);
      pt_hi = std::max(pt_hi, pt);
      mass_hi = std::max(mass_hi, mass);
    }
    report("scanning ranges");
  }
  if (kept == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "template fit: none of the ", n, " training jets lies inside the template ranges (",
        config_.pt_column, " > 0", pt_min_set ? absl::StrCat(" and >= ", c.pt_min_gev) : "",
        pt_max_set ? absl::StrCat(" and <= ", c.pt_max_gev) : "", ", |", config_.eta_column,
        "| <= ", c.abs_eta_max, ", ", config_.mass_column, " >= ", c.mass_min_gev,
        mass_max_set ? absl::StrCat(" and <= ", c.mass_max_gev) : "", ")"));
  }
  double log_pt_min = std::log10(pt_min_set ? c.pt_min_gev : pt_lo);
  double log_pt_max = std::log10(pt_max_set ? c.pt_max_gev : pt_hi);
  if (!(log_pt_max > log_pt_min)) {
    // All jets share one pT: give the single value a small window.
    log_pt_min -= 0.01;
    log_pt_max += 0.01;
  }
  const double mass_min = c.mass_min_gev;
  double mass_max = mass_max_set ? c.mass_max_gev : mass_hi;
  if (!(mass_max > mass_min)) mass_max = mass_min + 1.0;  // every jet at mass_min

  // Pass 2: fill one weighted mass histogram per cell. Nothing is stored in
  // the model before everything succeeded, so a failed or cancelled Fit
  // leaves a previously fitted model intact.
  const int cells = num_cells(), bins = c.mass_bins;
  std::vector<std::vector<double>> hist(cells, std::vector<double>(bins, 0.0));
  std::vector<int64_t> counts(cells, 0);
  for (int64_t begin = 0; begin < n; begin += chunk) {
    if (ctx.cancelled()) return absl::CancelledError("template fit: cancelled");
    const int64_t end = std::min(n, begin + chunk);
    for (int64_t r = begin; r < end; ++r) {
      if (!keep[r]) continue;
      const int cell = CellOf(c, log_pt_min, log_pt_max, train.at(r, pt_col), train.at(r, eta_col));
      hist[cell][BinOf(train.at(r, mass_col), mass_min, mass_max, bins)] += train.weight(r);
      ++counts[cell];
    }
    report("filling cells");
  }
  if (ctx.cancelled()) return absl::CancelledError("template fit: cancelled");

  std::vector<std::vector<double>> cdfs(cells);
  for (int cell = 0; cell < cells; ++cell) cdfs[cell] = CdfFromHistogram(hist[cell]);
  if (std::all_of(cdfs.begin(), cdfs.end(), [](const auto& cdf) { return cdf.empty(); })) {
    return absl::InvalidArgumentError("template fit: no cell holds a positive total event weight");
  }

  log_pt_min_ = log_pt_min;
  log_pt_max_ = log_pt_max;
  mass_min_ = mass_min;
  mass_max_ = mass_max;
  cell_counts_ = std::move(counts);
  cell_cdfs_ = std::move(cdfs);
  training_rows_ = kept;
  dropped_rows_ = n - kept;
  FillDonors();
  fitted_ = true;

  TrainingProgress done;
  done.step = total_steps;
  done.total_steps = total_steps;
  done.message = absl::StrCat("filled ", cells, " cells from ", kept, " jets (", n - kept,
                              " outside the ranges), ", empty_cells_.size(), " empty");
  ctx.on_progress(done);
  return absl::OkStatus();
}

void HistogramTemplate::FillDonors() {
  const int cells = num_cells(), pt_bins = config_.log_pt_bins;
  donor_.assign(cells, -1);
  empty_cells_.clear();
  for (int cell = 0; cell < cells; ++cell) {
    if (!cell_cdfs_[cell].empty()) {
      donor_[cell] = cell;
      continue;
    }
    empty_cells_.push_back(cell);
    const int a = cell / pt_bins, p = cell % pt_bins;
    // Nearest |eta| row first (the own row at distance 0), then nearest pT bin,
    // then the lower index, so the choice is deterministic.
    std::tuple<int, int, int> best{std::numeric_limits<int>::max(), 0, 0};
    for (int other = 0; other < cells; ++other) {
      if (cell_cdfs_[other].empty()) continue;
      const std::tuple<int, int, int> key{std::abs(other / pt_bins - a),
                                          std::abs(other % pt_bins - p), other};
      if (key < best) best = key;
    }
    donor_[cell] = std::get<2>(best);
  }
}

absl::StatusOr<Table> HistogramTemplate::Sample(const Table& conditions, int64_t rows,
                                                uint64_t seed, int64_t first_row) const {
  if (!fitted_) {
    return absl::FailedPreconditionError("template: Sample needs a fitted or loaded template");
  }
  if (first_row < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("template sample: first_row must be >= 0, got ", first_row));
  }
  if (rows != conditions.num_rows()) {
    return absl::InvalidArgumentError(absl::StrCat("template sample: ", rows, " rows asked for but ",
                                                   conditions.num_rows(), " conditions rows given"));
  }
  const auto column = [&conditions](const std::string& name) -> absl::StatusOr<int> {
    absl::StatusOr<int> index = conditions.ColumnIndex(name);
    if (!index.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("template sample: conditions: ", index.status().message()));
    }
    return index;
  };
  EVGEN_ASSIGN_OR_RETURN(const int pt_col, column(config_.pt_column));
  EVGEN_ASSIGN_OR_RETURN(const int eta_col, column(config_.eta_column));

  const int64_t n = conditions.num_rows();
  const int bins = config_.mass_bins;
  const double width = (mass_max_ - mass_min_) / bins;
  Table out({config_.pt_column, config_.eta_column, config_.mass_column});
  std::vector<float>& values = out.mutable_values();
  values.resize(static_cast<size_t>(n) * 3);
  for (int64_t r = 0; r < n; ++r) {
    const float pt = conditions.at(r, pt_col), eta = conditions.at(r, eta_col);
    if (!std::isfinite(pt) || !std::isfinite(eta)) {
      return absl::InvalidArgumentError(absl::StrCat("template sample: conditions row ", r,
                                                     " has a non-finite ", config_.pt_column,
                                                     " or ", config_.eta_column));
    }
    const std::vector<double>& cdf = cell_cdfs_[donor_[CellIndex(pt, eta)]];
    CounterRng rng(seed, static_cast<uint64_t>(first_row + r));
    const double u = rng.Uniform();  // [0, 1); cdf[0] = 0 <= u < cdf[bins] = 1
    const int b = static_cast<int>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()) - 1;
    // upper_bound skips zero-width bins, so cdf[b] <= u < cdf[b + 1].
    const double within = (u - cdf[b]) / (cdf[b + 1] - cdf[b]);
    const double lo = mass_min_ + width * b;
    values[3 * r] = pt;
    values[3 * r + 1] = eta;
    values[3 * r + 2] = static_cast<float>(std::clamp(lo + width * within, lo, lo + width));
  }
  if (conditions.has_weights()) EVGEN_RETURN_IF_ERROR(out.SetWeights(conditions.weights()));
  return out;
}

nlohmann::json HistogramTemplate::Describe() const {
  nlohmann::json j{{"kind", kind()},
                   {"config", config_.ToJson()},
                   {"fitted", fitted_},
                   {"condition_columns", conditions_},
                   {"target_columns", targets_}};
  if (!fitted_) return j;
  const int pt_bins = config_.log_pt_bins;
  j["abs_eta_edges"] = Edges(0.0, config_.abs_eta_max, config_.abs_eta_bins);
  j["log10_pt_edges"] = Edges(log_pt_min_, log_pt_max_, pt_bins);
  j["pt_range_gev"] = {std::pow(10.0, log_pt_min_), std::pow(10.0, log_pt_max_)};
  j["mass_range_gev"] = {mass_min_, mass_max_};
  j["num_cells"] = num_cells();
  j["training_rows"] = training_rows_;
  j["dropped_rows"] = dropped_rows_;
  j["cell_counts"] = cell_counts_;
  nlohmann::json empty = nlohmann::json::array();
  for (int cell : empty_cells_) {
    empty.push_back({{"cell", cell},
                     {"abs_eta_bin", cell / pt_bins},
                     {"log_pt_bin", cell % pt_bins},
                     {"donor", donor_[cell]}});
  }
  j["empty_cells"] = std::move(empty);
  return j;
}

absl::Status HistogramTemplate::Save(const std::string& dir) const {
  if (!fitted_) {
    return absl::FailedPreconditionError("template: Save needs a fitted or loaded template");
  }
  nlohmann::json j{{"format", kFormat},
                   {"version", kFormatVersion},
                   {"config", config_.ToJson()},
                   {"log10_pt_range", {log_pt_min_, log_pt_max_}},
                   {"mass_range_gev", {mass_min_, mass_max_}},
                   {"training_rows", training_rows_},
                   {"dropped_rows", dropped_rows_},
                   {"cell_counts", cell_counts_},
                   {"cell_cdfs", cell_cdfs_}};
  // nlohmann writes doubles with round-trip precision, so Load restores the
  // exact CDFs and Sample gives the same bytes.
  return WriteFileAtomically(absl::StrCat(dir, "/", kFileName), j.dump());
}

absl::Status HistogramTemplate::Load(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kFileName);
  EVGEN_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Corrupt(path, "not valid JSON (truncated or overwritten?)");
  if (!j.is_object()) return Corrupt(path, "the top level is not a JSON object");
  if (!j.contains("format") || j["format"] != kFormat) {
    return Corrupt(path, absl::StrCat("format is not \"", kFormat, "\""));
  }
  if (!j.contains("version") || j["version"] != kFormatVersion) {
    return Corrupt(
        path, absl::StrCat("unsupported version (this build reads version ", kFormatVersion, ")"));
  }
  for (const char* key : {"config", "log10_pt_range", "mass_range_gev", "training_rows",
                          "dropped_rows", "cell_counts", "cell_cdfs"}) {
    if (!j.contains(key)) return Corrupt(path, absl::StrCat("missing key '", key, "'"));
  }
  absl::StatusOr<HistogramTemplateConfig> config = HistogramTemplateConfig::FromJson(j["config"]);
  if (!config.ok()) return Corrupt(path, std::string(config.status().message()));
  if (!FiniteRange(j["log10_pt_range"])) {
    return Corrupt(path, "log10_pt_range must be two finite increasing numbers");
  }
  if (!FiniteRange(j["mass_range_gev"])) {
    return Corrupt(path, "mass_range_gev must be two finite increasing numbers");
  }
  for (const char* key : {"training_rows", "dropped_rows"}) {
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0) {
      return Corrupt(path, absl::StrCat(key, " must be a non-negative integer"));
    }
  }
  const int cells = config->abs_eta_bins * config->log_pt_bins;
  const size_t cdf_size = static_cast<size_t>(config->mass_bins) + 1;
  const nlohmann::json& counts_json = j["cell_counts"];
  const nlohmann::json& cdfs_json = j["cell_cdfs"];
  if (!counts_json.is_array() || counts_json.size() != static_cast<size_t>(cells)) {
    return Corrupt(path, absl::StrCat("cell_counts must hold ", cells,
                                      " entries (abs_eta_bins * log_pt_bins)"));
  }
  if (!cdfs_json.is_array() || cdfs_json.size() != static_cast<size_t>(cells)) {
    return Corrupt(
        path, absl::StrCat("cell_cdfs must hold ", cells, " entries (abs_eta_bins * log_pt_bins)"));
  }
  std::vector<int64_t> counts(cells);
  std::vector<std::vector<double>> cdfs(cells);
  bool any = false;
  for (int cell = 0; cell < cells; ++cell) {
    const nlohmann::json& count = counts_json[cell];
    if (!count.is_number_integer() || count.get<int64_t>() < 0) {
      return Corrupt(path, absl::StrCat("cell_counts[", cell, "] must be a non-negative integer"));
    }
    counts[cell] = count.get<int64_t>();
    const nlohmann::json& cdf_json = cdfs_json[cell];
    if (!cdf_json.is_array() || (!cdf_json.empty() && cdf_json.size() != cdf_size)) {
      return Corrupt(path, absl::StrCat("cell_cdfs[", cell, "] must be empty or hold ", cdf_size,
                                        " values (mass_bins + 1)"));
    }
    if (cdf_json.empty()) continue;
    any = true;
    std::vector<double>& cdf = cdfs[cell];
    cdf.reserve(cdf_size);
    for (const nlohmann::json& v : cdf_json) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        return Corrupt(path, absl::StrCat("cell_cdfs[", cell, "] holds a non-number"));
      }
      const double x = v.get<double>();
      if (!cdf.empty() && x < cdf.back()) {
        return Corrupt(path, absl::StrCat("cell_cdfs[", cell, "] is not non-decreasing"));
      }
      cdf.push_back(x);
    }
    if (cdf.front() != 0.0 || cdf.back() != 1.0) {
      return Corrupt(path, absl::StrCat("cell_cdfs[", cell, "] must run from 0 to 1"));
    }
  }
  if (!any) return Corrupt(path, "every cell is empty");

  config_ = *std::move(config);
  conditions_ = {config_.pt_column, config_.eta_column};
  targets_ = {config_.mass_column};
  log_pt_min_ = j["log10_pt_range"][0].get<double>();
  log_pt_max_ = j["log10_pt_range"][1].get<double>();
  mass_min_ = j["mass_range_gev"][0].get<double>();
  mass_max_ = j["mass_range_gev"][1].get<double>();
  training_rows_ = j["training_rows"].get<int64_t>();
  dropped_rows_ = j["dropped_rows"].get<int64_t>();
  cell_counts_ = std::move(counts);
  cell_cdfs_ = std::move(cdfs);
  FillDonors();
  fitted_ = true;
  return absl::OkStatus();
}

}  // namespace evgen
