#include "core/data/transforms.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/delta_phi.h"
#include "core/data/dilepton_kinematics.h"
#include "core/data/momentum_balance.h"
#include "core/data/pair_frame.h"
#include "core/data/pair_mass.h"
#include "core/data/ttbar_decay_chain.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using Json = nlohmann::json;

absl::Status Bad(const std::string& kind, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("transform ", kind, ": ", what));
}

absl::StatusOr<std::vector<std::string>> ColumnsField(const Json& spec, const std::string& kind) {
  std::vector<std::string> columns;
  ConfigReader r(spec, absl::StrCat("transform ", kind));
  r.Strings("columns", columns)
      .Require(!columns.empty(), "columns", "must be a non-empty list of column names");
  EVGEN_RETURN_IF_ERROR(r.status());
  return columns;
}

// NumberField reads a parameter the user sets (the spec also holds fitted
// state, so unknown keys are not refused here).
absl::StatusOr<double> NumberField(const Json& spec, const std::string& kind, const char* key,
                                   double fallback, Interval range = Interval::Finite()) {
  double value = fallback;
  ConfigReader r(spec, absl::StrCat("transform ", kind));
  r.Number(key, value, range);
  EVGEN_RETURN_IF_ERROR(r.status());
  return value;
}

absl::StatusOr<std::vector<int>> Indices(const Table& table, const std::vector<std::string>& columns,
                                         const std::string& kind) {
  std::vector<int> out;
  for (const std::string& c : columns) {
    absl::StatusOr<int> i = table.ColumnIndex(c);
    if (!i.ok()) return Bad(kind, std::string(i.status().message()));
    out.push_back(*i);
  }
  return out;
}

// ColumnwiseTransform maps each named column through y = f(x, a, b) with
// per-column parameters (a, b) learnt by Fit; Inverse applies x = g(y, a, b).
class ColumnwiseTransform : public Transform {
 public:
  using Map = std::function<double(double, double, double)>;
  using Fitter = std::function<std::pair<double, double>(const std::vector<float>&)>;
  // Check returns an error text for an invalid input value, or "".
  using Check = std::function<std::string(double)>;

  // LogSlope is ln|dy/dx| at (x, a, b); NaN where the map is flat, which
  // `flat` then explains in the error.
  struct LogSlope {
    Map log_slope;
    std::string flat;
  };

  ColumnwiseTransform(std::string kind, std::vector<std::string> columns, Fitter fit, Map forward,
                      Map inverse, Check check, LogSlope slope)
      : kind_(std::move(kind)), columns_(std::move(columns)), fit_(std::move(fit)),
        forward_(std::move(forward)), inverse_(std::move(inverse)), check_(std::move(check)),
        slope_(std::move(slope)) {}

  std::string kind() const override { return kind_; }

  absl::Status Fit(const Table& table) override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, Indices(table, columns_, kind_));
    if (table.num_rows() == 0) return Bad(kind_, "cannot fit on an empty table");
    a_.clear();
    b_.clear();
    for (int i : idx) {
      auto [a, b] = fit_ ? fit_(table.Column(i)) : std::make_pair(0.0, 0.0);
      a_.push_back(a);
      b_.push_back(b);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Table> Forward(const Table& table) const override { return Apply(table, forward_, true); }
  absl::StatusOr<Table> Inverse(const Table& table) const override { return Apply(table, inverse_, false); }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    if (a_.size() != columns_.size()) return absl::FailedPreconditionError(absl::StrCat("transform ", kind_, ": not fitted"));
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, Indices(table, columns_, kind_));
    std::vector<double> out(static_cast<size_t>(table.num_rows()), 0.0);
    for (size_t k = 0; k < idx.size(); ++k) {
      for (int64_t r = 0; r < table.num_rows(); ++r) {
        const double x = table.at(r, idx[k]);
        const std::string problem = check_ ? check_(x) : "";
        const double slope = problem.empty() ? slope_.log_slope(x, a_[k], b_[k]) : std::nan("");
        if (!std::isfinite(slope)) {
          return Bad(kind_, absl::StrCat("column '", columns_[k], "' row ", r, ": ", x, " ",
                                         problem.empty() ? slope_.flat : problem,
                                         ", so it has no density there"));
        }
        out[r] += slope;
      }
    }
    return out;
  }

  Json ToJson() const override {
    Json j = extra_;
    j["kind"] = kind_;
    j["columns"] = columns_;
    if (!a_.empty()) j["fitted"] = {{"a", a_}, {"b", b_}};
    return j;
  }

  absl::Status Restore(const Json& spec) {
    extra_ = spec;
    extra_.erase("kind");
    extra_.erase("columns");
    extra_.erase("fitted");
    if (!spec.contains("fitted")) return absl::OkStatus();
    const Json& f = spec["fitted"];
    if (!f.contains("a") || !f.contains("b") || f["a"].size() != columns_.size() ||
        f["b"].size() != columns_.size()) {
      return Bad(kind_, "fitted: must hold one a and b per column");
    }
    a_ = f["a"].get<std::vector<double>>();
    b_ = f["b"].get<std::vector<double>>();
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<Table> Apply(const Table& table, const Map& map, bool forward) const {
    if (a_.size() != columns_.size()) return absl::FailedPreconditionError(absl::StrCat("transform ", kind_, ": not fitted"));
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, Indices(table, columns_, kind_));
    Table out = table;
    for (size_t k = 0; k < idx.size(); ++k) {
      for (int64_t r = 0; r < out.num_rows(); ++r) {
        const double x = out.at(r, idx[k]);
        if (forward && check_) {
          const std::string problem = check_(x);
          if (!problem.empty()) {
            return Bad(kind_, absl::StrCat("column '", columns_[k], "' row ", r, ": ", x, " ", problem));
          }
        }
        out.at(r, idx[k]) = static_cast<float>(map(x, a_[k], b_[k]));
      }
    }
    return out;
  }

  std::string kind_;
  std::vector<std::string> columns_;
  Fitter fit_;
  Map forward_, inverse_;
  Check check_;
  LogSlope slope_;
  std::vector<double> a_, b_;
  Json extra_ = Json::object();  // the spec's own options, kept for ToJson
};

std::pair<double, double> MinMaxOf(const std::vector<float>& v) {
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {*lo, *hi};
}

std::pair<double, double> MeanStdOf(const std::vector<float>& v) {
  double sum = 0, sum2 = 0;
  for (float x : v) {
    sum += x;
    sum2 += double(x) * x;
  }
  const double mean = sum / v.size();
  const double var = std::max(0.0, sum2 / v.size() - mean * mean);
  return {mean, var > 0 ? std::sqrt(var) : 1.0};  // a constant column maps to 0, not NaN
}

absl::StatusOr<std::unique_ptr<Transform>> MakeColumnwise(const Json& spec, const std::string& kind,
                                                          std::vector<std::string> columns) {
  std::unique_ptr<ColumnwiseTransform> t;
  if (kind == "min-max") {
    EVGEN_ASSIGN_OR_RETURN(double low, NumberField(spec, kind, "low", 0));
    EVGEN_ASSIGN_OR_RETURN(double high, NumberField(spec, kind, "high", 1));
    if (!(high > low)) return Bad(kind, "high: must exceed low");
    t = std::make_unique<ColumnwiseTransform>(
        kind, columns, MinMaxOf,
        [low, high](double x, double lo, double hi) {
          return hi > lo ? low + (x - lo) / (hi - lo) * (high - low) : low;
        },
        [low, high](double y, double lo, double hi) { return lo + (y - low) / (high - low) * (hi - lo); },
        nullptr,
        ColumnwiseTransform::LogSlope{[low, high](double, double lo, double hi) {
           return hi > lo ? std::log((high - low) / (hi - lo)) : std::nan("");
         },
         "lies in a column that was constant in training (min-max maps it to one value)"});
  } else if (kind == "standardize") {
    t = std::make_unique<ColumnwiseTransform>(
        kind, columns, MeanStdOf, [](double x, double mean, double sd) { return (x - mean) / sd; },
        [](double y, double mean, double sd) { return mean + y * sd; }, nullptr,
        ColumnwiseTransform::LogSlope{[](double, double, double sd) { return -std::log(sd); }, ""});
  } else if (kind == "log") {
    EVGEN_ASSIGN_OR_RETURN(double offset, NumberField(spec, kind, "offset", 0));
    t = std::make_unique<ColumnwiseTransform>(
        kind, columns, nullptr, [offset](double x, double, double) { return std::log(x + offset); },
        [offset](double y, double, double) { return std::exp(y) - offset; },
        [offset](double x) { return x + offset > 0 ? "" : std::string("is not above -offset"); },
        ColumnwiseTransform::LogSlope{[offset](double x, double, double) { return -std::log(x + offset); }, ""});
  } else if (kind == "power") {
    // Box-Cox: y = ((x + offset)^lambda - 1) / lambda, the log at lambda -> 0
    // and a shift at 1. Between them it keeps a long tail long without
    // making it log-normal: a density model that is a little too wide in log
    // space raises the mean by about sigma * d(sigma) (a log-normal's mean is
    // exp(mu + sigma^2 / 2)), in power space by less.
    EVGEN_ASSIGN_OR_RETURN(double offset, NumberField(spec, kind, "offset", 0));
    EVGEN_ASSIGN_OR_RETURN(double lambda, NumberField(spec, kind, "lambda", 0.5, Interval::OpenClosed(0, 1)));
    t = std::make_unique<ColumnwiseTransform>(
        kind, columns, nullptr,
        [offset, lambda](double x, double, double) { return (std::pow(x + offset, lambda) - 1) / lambda; },
        // Below y = -1 / lambda no x maps; such a sample goes to x = -offset,
        // the edge of the domain, as the log's inverse sends -inf there.
        [offset, lambda](double y, double, double) {
          return std::pow(std::max(0.0, lambda * y + 1), 1 / lambda) - offset;
        },
        [offset](double x) { return x + offset > 0 ? "" : std::string("is not above -offset"); },
        ColumnwiseTransform::LogSlope{
            [offset, lambda](double x, double, double) { return (lambda - 1) * std::log(x + offset); }, ""});
  } else if (kind == "inverse-softplus") {
    // y = ln(exp(x / scale) - 1): the log near x = 0, so a positive
    // feature's edge at 0 becomes a tail to -infinity, but x / scale above
    // a few scales, so a long upper tail is not made exponential by the
    // inverse (a density model a little too wide in log space widens a pT
    // tail by far more, docs/results.md). Written as t + ln(1 - e^-t) and
    // its inverse as scale * softplus(y) so neither overflows.
    EVGEN_ASSIGN_OR_RETURN(double scale, NumberField(spec, kind, "scale", 1, Interval::Open(0, 1e12)));
    t = std::make_unique<ColumnwiseTransform>(
        kind, columns, nullptr,
        [scale](double x, double, double) { return x / scale + std::log(-std::expm1(-x / scale)); },
        [scale](double y, double, double) {
          return scale * (std::max(y, 0.0) + std::log1p(std::exp(-std::abs(y))));
        },
        [](double x) { return x > 0 ? "" : std::string("is not above 0"); },
        ColumnwiseTransform::LogSlope{
            [scale](double x, double, double) { return -std::log(scale) - std::log(-std::expm1(-x / scale)); },
            ""});
  } else if (kind == "logit") {
    EVGEN_ASSIGN_OR_RETURN(double eps, NumberField(spec, kind, "epsilon", 1e-6, Interval::Open(0, 0.5)));
    t = std::make_unique<ColumnwiseTransform>(
        kind, columns, nullptr,
        [eps](double x, double, double) {
          const double c = std::clamp(x, eps, 1 - eps);
          return std::log(c / (1 - c));
        },
        [](double y, double, double) { return 1 / (1 + std::exp(-y)); },
        [](double x) { return (x >= 0 && x <= 1) ? "" : std::string("is outside [0, 1]"); },
        // Outside [eps, 1 - eps] the forward map is clamped, i.e. flat.
        ColumnwiseTransform::LogSlope{[eps](double x, double, double) {
           return x >= eps && x <= 1 - eps ? -std::log(x * (1 - x)) : std::nan("");
         },
         "is outside [epsilon, 1 - epsilon], where logit is clamped"});
  }
  EVGEN_RETURN_IF_ERROR(t->Restore(spec));
  // Parameter-free transforms are fitted from the start.
  if ((kind == "log" || kind == "power" || kind == "inverse-softplus" || kind == "logit") &&
      !spec.contains("fitted")) {
    Table dummy(columns);
    dummy.AppendRow(std::vector<float>(columns.size(), 0.5f).data());
    EVGEN_RETURN_IF_ERROR(t->Fit(dummy));
  }
  return std::unique_ptr<Transform>(std::move(t));
}

// TailCut drops rows whose value exceeds a fitted percentile of its column.
class TailCut final : public Transform {
 public:
  TailCut(std::vector<std::string> columns, double percentile)
      : columns_(std::move(columns)), percentile_(percentile) {}
  std::string kind() const override { return "tail-cut"; }

  absl::Status Fit(const Table& table) override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, Indices(table, columns_, kind()));
    if (table.num_rows() == 0) return Bad(kind(), "cannot fit on an empty table");
    thresholds_.clear();
    for (int i : idx) {
      std::vector<float> v = table.Column(i);
      const size_t k = std::min(v.size() - 1, static_cast<size_t>(percentile_ / 100.0 * v.size()));
      std::nth_element(v.begin(), v.begin() + k, v.end());
      thresholds_.push_back(v[k]);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    if (thresholds_.size() != columns_.size()) return absl::FailedPreconditionError("transform tail-cut: not fitted");
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, Indices(table, columns_, kind()));
    std::vector<int64_t> keep;
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      bool inside = true;
      for (size_t k = 0; k < idx.size(); ++k) inside = inside && table.at(r, idx[k]) <= thresholds_[k];
      if (inside) keep.push_back(r);
    }
    return table.SelectRows(keep);
  }
  absl::StatusOr<Table> Inverse(const Table& table) const override { return table; }
  absl::StatusOr<Table> MapEveryRow(const Table& table) const override { return table; }
  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    return std::vector<double>(static_cast<size_t>(table.num_rows()), 0.0);
  }

  Json ToJson() const override {
    Json j = {{"kind", kind()}, {"columns", columns_}, {"percentile", percentile_}};
    if (!thresholds_.empty()) j["fitted"] = {{"thresholds", thresholds_}};
    return j;
  }
  absl::Status Restore(const Json& spec) {
    if (!spec.contains("fitted")) return absl::OkStatus();
    thresholds_ = spec["fitted"].value("thresholds", std::vector<double>{});
    if (thresholds_.size() != columns_.size()) return Bad(kind(), "fitted.thresholds: one per column");
    return absl::OkStatus();
  }

 private:
  std::vector<std::string> columns_;
  double percentile_;
  std::vector<double> thresholds_;
};

// Periodic replaces each angle column phi by phi_cos and phi_sin in place, so
// a model never sees the artificial jump at +-pi.
class Periodic final : public Transform {
 public:
  explicit Periodic(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  std::string kind() const override { return "periodic"; }
  absl::Status Fit(const Table& table) override { return Indices(table, columns_, kind()).status(); }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    EVGEN_RETURN_IF_ERROR(Indices(table, columns_, kind()).status());
    std::vector<std::string> names;
    for (const std::string& c : table.columns()) {
      if (IsAngle(c)) {
        names.push_back(c + "_cos");
        names.push_back(c + "_sin");
      } else {
        names.push_back(c);
      }
    }
    Table out(names);
    out.Reserve(table.num_rows());
    std::vector<float> row;
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      row.clear();
      for (int c = 0; c < table.num_columns(); ++c) {
        const double x = table.at(r, c);
        if (IsAngle(table.columns()[c])) {
          row.push_back(static_cast<float>(std::cos(x)));
          row.push_back(static_cast<float>(std::sin(x)));
        } else {
          row.push_back(static_cast<float>(x));
        }
      }
      out.AppendRow(row.data());
    }
    if (table.has_weights()) EVGEN_RETURN_IF_ERROR(out.SetWeights(table.weights()));
    return out;
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    std::vector<std::string> names;
    std::vector<std::pair<int, int>> sources;  // (cos index, sin index) or (index, -1)
    for (int c = 0; c < table.num_columns(); ++c) {
      const std::string& name = table.columns()[c];
      const std::string base = name.size() > 4 ? name.substr(0, name.size() - 4) : "";
      if (IsAngle(base) && name == base + "_cos") {
        EVGEN_ASSIGN_OR_RETURN(int s, table.ColumnIndex(base + "_sin"));
        names.push_back(base);
        sources.emplace_back(c, s);
      } else if (!(IsAngle(base) && name == base + "_sin")) {
        names.push_back(name);
        sources.emplace_back(c, -1);
      }
    }
    Table out(names);
    std::vector<float> row(names.size());
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      for (size_t k = 0; k < sources.size(); ++k) {
        const auto [a, b] = sources[k];
        row[k] = b < 0 ? table.at(r, a) : static_cast<float>(std::atan2(table.at(r, b), table.at(r, a)));
      }
      out.AppendRow(row.data());
    }
    if (table.has_weights()) EVGEN_RETURN_IF_ERROR(out.SetWeights(table.weights()));
    return out;
  }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table&) const override {
    return Bad(kind(), "maps each angle onto a circle in two dimensions, where model space has no "
                       "density; a density model cannot use it (leave angles untransformed)");
  }

  Json ToJson() const override { return {{"kind", kind()}, {"columns", columns_}}; }

 private:
  bool IsAngle(const std::string& c) const {
    return std::find(columns_.begin(), columns_.end(), c) != columns_.end();
  }
  std::vector<std::string> columns_;
};

// OnShell drops each particle's energy column so a model generates only
// 3-momenta, and restores E = sqrt(p^2 + m^2) at its old place on Inverse.
class OnShell final : public Transform {
 public:
  struct Particle {
    std::string prefix;
    double mass_gev;
  };
  explicit OnShell(std::vector<Particle> particles) : particles_(std::move(particles)) {}
  std::string kind() const override { return "on-shell"; }

  absl::Status Fit(const Table& table) override {
    for (const Particle& p : particles_) {
      for (const char* suffix : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) {
        if (!table.HasColumn(p.prefix + suffix)) {
          return Bad(kind(), absl::StrCat("particle '", p.prefix, "' needs column '", p.prefix, suffix, "'"));
        }
      }
    }
    full_columns_ = table.columns();
    return absl::OkStatus();
  }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    std::vector<std::string> keep;
    for (const std::string& c : table.columns()) {
      if (!IsEnergy(c)) keep.push_back(c);
    }
    return table.SelectColumns(keep);
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    if (full_columns_.empty()) return absl::FailedPreconditionError("transform on-shell: not fitted");
    Table out(full_columns_);
    out.Reserve(table.num_rows());
    std::vector<int> source;
    for (const std::string& c : full_columns_) {
      if (IsEnergy(c)) {
        source.push_back(-1);
        continue;
      }
      EVGEN_ASSIGN_OR_RETURN(int i, table.ColumnIndex(c));
      source.push_back(i);
    }
    std::vector<float> row(full_columns_.size());
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      for (size_t k = 0; k < source.size(); ++k) {
        if (source[k] >= 0) row[k] = table.at(r, source[k]);
      }
      for (const Particle& p : particles_) {
        const double px = Get(table, r, p.prefix + "_px_gev"), py = Get(table, r, p.prefix + "_py_gev"),
                     pz = Get(table, r, p.prefix + "_pz_gev");
        row[Position(p.prefix + "_e_gev")] =
            static_cast<float>(std::sqrt(px * px + py * py + pz * pz + p.mass_gev * p.mass_gev));
      }
      out.AppendRow(row.data());
    }
    return out;
  }

  // The energies are functions of the 3-momenta on the mass shell, so the
  // density is per unit of the 3-momenta and dropping E adds nothing.
  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    return std::vector<double>(static_cast<size_t>(table.num_rows()), 0.0);
  }

  Json ToJson() const override {
    Json particles = Json::array();
    for (const Particle& p : particles_) particles.push_back({{"prefix", p.prefix}, {"mass_gev", p.mass_gev}});
    Json j = {{"kind", kind()}, {"particles", particles}};
    if (!full_columns_.empty()) j["fitted"] = {{"columns", full_columns_}};
    return j;
  }
  void Restore(const Json& spec) {
    if (spec.contains("fitted")) full_columns_ = spec["fitted"].value("columns", std::vector<std::string>{});
  }

 private:
  bool IsEnergy(const std::string& c) const {
    for (const Particle& p : particles_) {
      if (c == p.prefix + "_e_gev") return true;
    }
    return false;
  }
  size_t Position(const std::string& c) const {
    return std::find(full_columns_.begin(), full_columns_.end(), c) - full_columns_.begin();
  }
  static double Get(const Table& t, int64_t r, const std::string& c) { return t.at(r, *t.ColumnIndex(c)); }

  std::vector<Particle> particles_;
  std::vector<std::string> full_columns_;
};

absl::StatusOr<std::unique_ptr<Transform>> MakeOnShell(const Json& spec) {
  if (!spec.contains("particles") || !spec["particles"].is_array() || spec["particles"].empty()) {
    return Bad("on-shell", "particles: must be a non-empty list of {prefix, mass_gev}");
  }
  std::vector<OnShell::Particle> particles;
  for (const Json& p : spec["particles"]) {
    if (!p.is_object() || !p.contains("prefix") || !p["prefix"].is_string() || !p.contains("mass_gev") ||
        !p["mass_gev"].is_number() || p["mass_gev"].get<double>() < 0) {
      return Bad("on-shell", "particles: each needs a string prefix and a mass_gev >= 0");
    }
    particles.push_back({p["prefix"].get<std::string>(), p["mass_gev"].get<double>()});
  }
  auto t = std::make_unique<OnShell>(std::move(particles));
  t->Restore(spec);
  return std::unique_ptr<Transform>(std::move(t));
}

const std::vector<std::string>& Kinds() {
  static const std::vector<std::string> kinds = {"min-max", "standardize", "log", "power", "inverse-softplus", "logit",
                                                 "tail-cut", "periodic",    "on-shell", "pair-mass", "delta-phi", "momentum-balance",
                                                 "ttbar-decay-chain", "dilepton-kinematics", "pair-frame"};
  return kinds;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakeTransform(const Json& spec) {
  if (!spec.is_object() || !spec.contains("kind") || !spec["kind"].is_string()) {
    return absl::InvalidArgumentError("transform: must be an object with a string \"kind\"");
  }
  const std::string kind = spec["kind"].get<std::string>();
  if (kind == "on-shell") return MakeOnShell(spec);
  if (kind == "pair-mass") return MakePairMass(spec);
  if (kind == "delta-phi") return MakeDeltaPhi(spec);
  if (kind == "momentum-balance") return MakeMomentumBalance(spec);
  if (kind == "ttbar-decay-chain") return MakeTtbarDecayChain(spec);
  if (kind == "dilepton-kinematics") return MakeDileptonKinematics(spec);
  if (kind == "pair-frame") return MakePairFrame(spec);
  if (std::find(Kinds().begin(), Kinds().end(), kind) == Kinds().end()) {
    return absl::InvalidArgumentError(absl::StrCat("transform kind: '", kind, "' is not one of ",
                                                   absl::StrJoin(Kinds(), ", ")));
  }
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsField(spec, kind));
  if (kind == "periodic") return std::unique_ptr<Transform>(std::make_unique<Periodic>(columns));
  if (kind == "tail-cut") {
    EVGEN_ASSIGN_OR_RETURN(double percentile,
                           NumberField(spec, kind, "percentile", 99.9, Interval::OpenClosed(0, 100)));
    auto t = std::make_unique<TailCut>(columns, percentile);
    EVGEN_RETURN_IF_ERROR(t->Restore(spec));
    return std::unique_ptr<Transform>(std::move(t));
  }
  return MakeColumnwise(spec, kind, std::move(columns));
}

absl::StatusOr<TransformChain> TransformChain::FromJson(const Json& specs) {
  if (!specs.is_array()) return absl::InvalidArgumentError("transforms: must be a JSON list");
  TransformChain chain;
  for (const Json& spec : specs) {
    EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Transform> t, MakeTransform(spec));
    chain.transforms_.push_back(std::move(t));
  }
  return chain;
}

Json TransformChain::ToJson() const {
  Json out = Json::array();
  for (const auto& t : transforms_) out.push_back(t->ToJson());
  return out;
}

namespace {

// CheckUntouched compares the `untouched` columns of a transform's input and
// output. A transform that drops rows (tail-cut) changes no values, so
// only the columns' presence is checked there.
absl::Status CheckUntouched(const Table& before, const Table& after, const std::vector<std::string>& untouched,
                            size_t index, const Transform& t) {
  for (const std::string& name : untouched) {
    const absl::StatusOr<int> in = before.ColumnIndex(name);
    if (!in.ok()) continue;  // not the chain's to check: the model names its missing columns
    const absl::StatusOr<int> out = after.ColumnIndex(name);
    bool same = out.ok();
    for (int64_t r = 0; same && after.num_rows() == before.num_rows() && r < before.num_rows(); ++r) {
      const float x = before.at(r, *in), y = after.at(r, *out);
      same = x == y || (std::isnan(x) && std::isnan(y));
    }
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(
          "transforms[", index, "] (", t.kind(), ") ", out.ok() ? "changes" : "removes", " the condition column '",
          name, "'; a model takes its conditions as given (and standardizes them itself), so transforms may act "
          "on target columns only; to condition on a function of a column, derive it first "
          "(evgen datasets derive) and name the derived column in condition_columns"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status TransformChain::Fit(const Table& table, const std::vector<std::string>& untouched) {
  Table current = table;
  for (size_t i = 0; i < transforms_.size(); ++i) {
    const Transform& t = *transforms_[i];
    EVGEN_RETURN_IF_ERROR(transforms_[i]->Fit(current));
    EVGEN_ASSIGN_OR_RETURN(Table next, t.Forward(current));
    EVGEN_RETURN_IF_ERROR(CheckUntouched(current, next, untouched, i, t));
    current = std::move(next);
  }
  return absl::OkStatus();
}

absl::StatusOr<Table> TransformChain::Forward(const Table& table) const {
  Table current = table;
  for (const auto& t : transforms_) {
    EVGEN_ASSIGN_OR_RETURN(current, t->Forward(current));
  }
  return current;
}

absl::StatusOr<Table> TransformChain::ForwardWithLogAbsDet(const Table& table,
                                                           std::vector<double>* log_abs_det) const {
  log_abs_det->assign(static_cast<size_t>(table.num_rows()), 0.0);
  Table current = table;
  for (const auto& t : transforms_) {
    EVGEN_ASSIGN_OR_RETURN(std::vector<double> part, t->ForwardLogAbsDet(current));
    for (size_t r = 0; r < part.size(); ++r) (*log_abs_det)[r] += part[r];
    EVGEN_ASSIGN_OR_RETURN(current, t->MapEveryRow(current));
  }
  return current;
}

absl::StatusOr<Table> TransformChain::Inverse(const Table& table) const {
  Table current = table;
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) {
    EVGEN_ASSIGN_OR_RETURN(current, (*it)->Inverse(current));
  }
  return current;
}

}  // namespace evgen
