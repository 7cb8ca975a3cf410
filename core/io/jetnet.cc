#include "core/io/jetnet.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/checked_size.h"
#include "core/io/hdf5_table.h"
#include "core/io/massless_sum.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

enum LongColumn {
  kJet,
  kConstituent,
  kLogPt,
  kLogE,
  kEtaRel,
  kPhiRel,
  kJetPt,
  kJetEta,
  kJetMass,
  kNConstituents,
  kIsTop,
  kNumLongColumns
};

constexpr int kFeatures = 4;  // eta_rel, phi_rel, pt_rel, mask
constexpr int kJetFeatures = 4;  // pt, eta, mass, num_particles

std::string Shape(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// kRequiredColumns must be in a table to be written; the jet columns are
// derived from the constituents when absent (a generated jet has none of
// its own), and log_e and is_top are left out.
constexpr LongColumn kRequiredColumns[] = {kJet, kConstituent, kLogPt, kEtaRel, kPhiRel, kNConstituents};

}  // namespace

const std::vector<std::string>& JetNetLongColumns() {
  static const std::vector<std::string> columns = {
      "jet",        "constituent", "log_pt",       "log_e",          "eta_rel", "phi_rel",
      "jet_pt_gev", "jet_eta",     "jet_mass_gev", "n_constituents", "is_top"};
  return columns;
}

bool FitsJetNetLayout(const std::vector<std::string>& columns) {
  const std::vector<std::string>& known = JetNetLongColumns();
  for (const std::string& c : columns) {
    if (std::find(known.begin(), known.end(), c) == known.end()) return false;
  }
  for (LongColumn c : kRequiredColumns) {
    if (std::find(columns.begin(), columns.end(), known[c]) == columns.end()) return false;
  }
  return true;
}

absl::StatusOr<JetNetWriteOptions> ParseJetNetWriteOptions(
    const std::map<std::string, std::string>& options) {
  JetNetWriteOptions out;
  for (const auto& [key, value] : options) {
    if (key == "max_particles") {
      int v = 0;
      if (!absl::SimpleAtoi(value, &v) || v < 0 || v > 100000) {
        return absl::InvalidArgumentError(absl::StrCat(
            "option max_particles: '", value, "' is not an integer in 0..100000 (0: the largest "
            "multiplicity)"));
      }
      out.max_particles = v;
    } else if (key == "is_top") {
      float v = 0;
      if (!absl::SimpleAtof(value, &v) || (v != 0.f && v != 1.f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("option is_top: '", value, "' must be 0 or 1"));
      }
      out.is_top = v;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", key, "'; known options: is_top, max_particles"));
    }
  }
  return out;
}

absl::StatusOr<JetNetReadOptions> ParseJetNetReadOptions(
    const std::map<std::string, std::string>& options) {
  JetNetReadOptions out;
  for (const auto& [key, value] : options) {
    if (key == "is_top") {
      float v = 0;
      if (!absl::SimpleAtof(value, &v) || (v != 0.f && v != 1.f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("option is_top: '", value, "' must be 0 or 1"));
      }
      out.is_top = v;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", key, "'; known options: is_top"));
    }
  }
  return out;
}

namespace {

// kMaxExactId bounds the ids kept as integer runs: every integer up to it is
// exact in a double, and float ids beyond 2^24 are integers anyway.
constexpr double kMaxExactId = 9007199254740992.0;  // 2^53

// CheckJetRows checks the rows [begin, end) of one jet, row r being row
// r + offset of the table: constituents 0, 1, ..., n_constituents = n, jet
// columns constant within the jet.
absl::Status CheckJetRows(const Table& rows, const int* col, int64_t begin, int64_t end,
                          int64_t offset, const std::string& source) {
  const float id = rows.at(begin, col[kJet]);
  const int64_t n = end - begin;
  for (int64_t k = begin; k < end; ++k) {
    if (rows.at(k, col[kConstituent]) != static_cast<float>(k - begin)) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": row ", k + offset, ": jet ", id, " has constituent ",
          rows.at(k, col[kConstituent]), ", expected ", k - begin, " (constituents 0, 1, ... in order)"));
    }
    if (rows.at(k, col[kNConstituents]) != static_cast<float>(n)) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": row ", k + offset, ": jet ", id,
                                                     " says n_constituents ", rows.at(k, col[kNConstituents]),
                                                     " but has ", n, " rows"));
    }
    for (int c : {kJetPt, kJetEta, kJetMass, kIsTop}) {
      if (col[c] >= 0 && rows.at(k, col[c]) != rows.at(begin, col[c])) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": row ", k + offset, ": jet ", id, " column ",
                                                       JetNetLongColumns()[c], " differs within the jet"));
      }
    }
  }
  return absl::OkStatus();
}

// JetFeatures fills (pt, eta, mass, num_particles) of the jet in rows
// [begin, end): the table's jet columns, or for absent ones the massless sum
// of its constituents (massless_sum.h) at jet eta 0.
absl::Status JetFeatures(const Table& rows, const int* col, int64_t begin, int64_t end, int64_t jet,
                         int64_t first_row, const std::string& source, float* jf) {
  MasslessSum sum;
  for (int64_t r = begin; r < end; ++r) {
    sum.Add(std::exp(static_cast<double>(rows.at(r, col[kLogPt]))), rows.at(r, col[kEtaRel]),
            rows.at(r, col[kPhiRel]));
  }
  const auto value = [&](int c, double derived) {
    return col[c] >= 0 ? rows.at(begin, col[c]) : static_cast<float>(derived);
  };
  jf[0] = value(kJetPt, sum.pt());
  jf[1] = value(kJetEta, 0.0);
  jf[2] = value(kJetMass, sum.mass());
  jf[3] = static_cast<float>(end - begin);
  if (!(jf[0] > 0) || !std::isfinite(jf[0])) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": row ", first_row, ": jet ", jet, " has ",
        col[kJetPt] >= 0 ? "jet_pt_gev " : "a constituent pT sum of ", jf[0], ", expected > 0"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JetNetJetConverter> JetNetJetConverter::Create(const std::vector<std::string>& columns,
                                                              const JetNetWriteOptions& options,
                                                              std::string source) {
  JetNetJetConverter out;
  for (const std::string& name : JetNetLongColumns()) {
    const auto it = std::find(columns.begin(), columns.end(), name);
    out.col_.push_back(it == columns.end() ? -1 : static_cast<int>(it - columns.begin()));
  }
  for (LongColumn c : kRequiredColumns) {
    if (out.col_[c] >= 0) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": the table lacks column '", JetNetLongColumns()[c], "' of the jet-cloud layout (",
        "required: jet, constituent, log_pt, eta_rel, phi_rel, n_constituents; optional: log_e, "
        "jet_pt_gev, jet_eta, jet_mass_gev, is_top)"));
  }
  out.is_top_ = options.is_top;
  out.source_ = std::move(source);
  return out;
}

bool JetNetJetConverter::has_log_e() const { return col_[kLogE] >= 0; }

bool JetNetJetConverter::has_is_top() const { return col_[kIsTop] >= 0 || is_top_.has_value(); }

absl::Status JetNetJetConverter::Allocate(int64_t jets, int64_t particles, JetNetArrays* out) const {
  // Padding multiplies the table's size by up to max_particles.
  EVGEN_ASSIGN_OR_RETURN(const int64_t padded,
                         CheckedProduct({jets, particles, kFeatures},
                                        absl::StrCat(source_, ": jets x max_particles x 4 features")));
  out->jets = jets;
  out->particles = particles;
  out->particle_features.assign(static_cast<size_t>(padded), 0.f);
  out->jet_features.assign(static_cast<size_t>(jets * kJetFeatures), 0.f);
  out->particle_log_pt.assign(static_cast<size_t>(padded / kFeatures), 0.f);
  out->particle_log_e.assign(has_log_e() ? static_cast<size_t>(padded / kFeatures) : 0, 0.f);
  out->jet_is_top.assign(has_is_top() ? static_cast<size_t>(jets) : 0, 0.f);
  return absl::OkStatus();
}

int64_t JetNetJetConverter::JetEnd(const Table& rows, int64_t begin) const {
  const float id = rows.at(begin, col_[kJet]);
  int64_t end = begin + 1;
  while (end < rows.num_rows() && rows.at(end, col_[kJet]) == id) ++end;
  return end;
}

bool JetNetJetConverter::FirstSight(float id) {
  const double x = id;
  if (std::floor(x) != x || std::abs(x) > kMaxExactId) return other_ids_.insert(id).second;
  const int64_t v = static_cast<int64_t>(x);
  // The run after v, and the one before that might hold or touch it.
  auto next = id_runs_.upper_bound(v);
  if (next != id_runs_.begin()) {
    auto before = std::prev(next);
    if (v <= before->second) return false;
    if (before->second == v - 1) {
      before->second = v;
      if (next != id_runs_.end() && next->first == v + 1) {
        before->second = next->second;
        id_runs_.erase(next);
      }
      return true;
    }
  }
  int64_t last = v;
  if (next != id_runs_.end() && next->first == v + 1) {
    last = next->second;
    id_runs_.erase(next);
  }
  id_runs_.emplace(v, last);
  return true;
}

absl::Status JetNetJetConverter::TooManyConstituents(int64_t jet, int64_t first_row, int64_t count,
                                                     int64_t particles, bool at_least) const {
  return absl::InvalidArgumentError(absl::StrCat(source_, ": jet ", jet, " (row ", first_row, ") has ",
                                                 at_least ? "at least " : "", count,
                                                 " constituents, more than max_particles=", particles));
}

absl::Status JetNetJetConverter::Convert(const Table& rows, int64_t begin, int64_t end, int64_t jet,
                                         int64_t first_row, int64_t slot, JetNetArrays* out) {
  const int* col = col_.data();
  const float id = rows.at(begin, col[kJet]);
  if (!std::isfinite(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": row ", first_row, ": jet id ", id, " is not a finite number"));
  }
  if (!FirstSight(id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ": row ", first_row, ": jet ", id, " appears again; a jet's rows must be consecutive"));
  }
  EVGEN_RETURN_IF_ERROR(CheckJetRows(rows, col, begin, end, first_row - begin, source_));
  const int64_t p = out->particles;
  if (end - begin > p) return TooManyConstituents(jet, first_row, end - begin, p, false);
  float* jf = &out->jet_features[static_cast<size_t>(slot * kJetFeatures)];
  EVGEN_RETURN_IF_ERROR(JetFeatures(rows, col, begin, end, jet, first_row, source_, jf));
  const double jet_pt = jf[0];
  if (has_is_top()) {
    out->jet_is_top[static_cast<size_t>(slot)] = col[kIsTop] >= 0 ? rows.at(begin, col[kIsTop]) : *is_top_;
  }
  for (int64_t k = 0; k < p; ++k) {
    const int64_t r = begin + k;
    const bool real = r < end;
    const size_t at = static_cast<size_t>(slot * p + k);
    float* pf = &out->particle_features[at * kFeatures];
    pf[0] = real ? rows.at(r, col[kEtaRel]) : 0.f;
    pf[1] = real ? rows.at(r, col[kPhiRel]) : 0.f;
    pf[2] = real ? static_cast<float>(std::exp(static_cast<double>(rows.at(r, col[kLogPt]))) / jet_pt) : 0.f;
    pf[3] = real ? 1.f : 0.f;
    out->particle_log_pt[at] = real ? rows.at(r, col[kLogPt]) : 0.f;
    if (has_log_e()) out->particle_log_e[at] = real ? rows.at(r, col[kLogE]) : 0.f;
  }
  return absl::OkStatus();
}

absl::StatusOr<JetNetArrays> LongTableToJetNet(const Table& table,
                                               const JetNetWriteOptions& options,
                                               const std::string& source) {
  if (options.max_particles < 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": max_particles must be >= 0"));
  }
  EVGEN_ASSIGN_OR_RETURN(JetNetJetConverter converter,
                         JetNetJetConverter::Create(table.columns(), options, source));
  if (table.num_rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": nothing to write, the table has no rows"));
  }
  std::vector<int64_t> starts;  // each jet's first row, then the table's end
  int64_t largest = 0;
  for (int64_t r = 0; r < table.num_rows();) {
    starts.push_back(r);
    const int64_t end = converter.JetEnd(table, r);
    largest = std::max(largest, end - r);
    r = end;
  }
  starts.push_back(table.num_rows());
  const int64_t jets = static_cast<int64_t>(starts.size()) - 1;
  JetNetArrays out;
  EVGEN_RETURN_IF_ERROR(
      converter.Allocate(jets, options.max_particles > 0 ? options.max_particles : largest, &out));
  for (int64_t j = 0; j < jets; ++j) {
    const int64_t begin = starts[static_cast<size_t>(j)], end = starts[static_cast<size_t>(j + 1)];
    EVGEN_RETURN_IF_ERROR(converter.Convert(table, begin, end, j, begin, j, &out));
  }
  return out;
}

absl::StatusOr<Table> JetNetToLongTable(const JetNetArrays& arrays,
                                        const JetNetReadOptions& options,
                                        const std::string& source) {
  const int64_t n = arrays.jets, p = arrays.particles;
  if (n <= 0 || p <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": empty JetNet arrays (", n, " jets, ", p, " particles per jet)"));
  }
  const bool have_log_e = !arrays.particle_log_e.empty();
  const bool have_log_pt = !arrays.particle_log_pt.empty();
  const bool have_is_top = !arrays.jet_is_top.empty();
  // N and P come from the file's shapes; a wrapped product could match a
  // short array and send the loops below past its end.
  const std::string shape = absl::StrCat(source, ": JetNet N=", n, ", P=", p);
  EVGEN_ASSIGN_OR_RETURN(const int64_t particle_values, CheckedProduct({n, p, kFeatures}, shape));
  EVGEN_ASSIGN_OR_RETURN(const int64_t jet_values, CheckedMul(n, kJetFeatures, shape));
  if (arrays.particle_features.size() != static_cast<size_t>(particle_values) ||
      arrays.jet_features.size() != static_cast<size_t>(jet_values) ||
      (have_log_e && arrays.particle_log_e.size() != static_cast<size_t>(particle_values / kFeatures)) ||
      (have_log_pt && arrays.particle_log_pt.size() != static_cast<size_t>(particle_values / kFeatures)) ||
      (have_is_top && arrays.jet_is_top.size() != static_cast<size_t>(n))) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": JetNet array sizes do not match N=",
                                                   n, ", P=", p));
  }
  Table out(JetNetLongColumns());
  std::vector<float> row(kNumLongColumns);
  std::vector<int64_t> real;
  for (int64_t j = 0; j < n; ++j) {
    const float* jf = &arrays.jet_features[static_cast<size_t>(j * kJetFeatures)];
    const double jet_pt = jf[0];
    if (!(jet_pt > 0) || !std::isfinite(jet_pt)) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": jet_features: jet ", j, " has pt ",
                                                     jf[0], ", expected > 0"));
    }
    real.clear();
    for (int64_t k = 0; k < p; ++k) {
      const float* pf = &arrays.particle_features[static_cast<size_t>((j * p + k) * kFeatures)];
      if (pf[3] == 1.f) {
        if (!(pf[2] > 0) || !std::isfinite(pf[2])) {
          return absl::InvalidArgumentError(absl::StrCat(source, ": particle_features: jet ", j,
                                                         " particle ", k, " has pt_rel ", pf[2],
                                                         ", expected > 0 for a real particle"));
        }
        real.push_back(k);
      } else if (pf[3] != 0.f) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": particle_features: jet ", j,
                                                       " particle ", k, " has mask ", pf[3],
                                                       ", expected 0 or 1"));
      } else if (pf[0] != 0.f || pf[1] != 0.f || pf[2] != 0.f) {
        // A masked slot with values is a mask out of step with the data:
        // either a real particle would be dropped or padding is not padding.
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": particle_features: jet ", j, " particle ", k, " has mask 0 but values (",
            pf[0], ", ", pf[1], ", ", pf[2], "); padding must be all zero"));
      }
    }
    if (real.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": particle_features: jet ", j, " has no particles (mask all 0)"));
    }
    const float is_top = have_is_top ? arrays.jet_is_top[static_cast<size_t>(j)] : options.is_top;
    for (size_t c = 0; c < real.size(); ++c) {
      const int64_t k = real[c];
      const float* pf = &arrays.particle_features[static_cast<size_t>((j * p + k) * kFeatures)];
      // evgen's own log_pt is exact; pt_rel * jet pT would round it.
      const double log_pt = have_log_pt ? arrays.particle_log_pt[static_cast<size_t>(j * p + k)]
                                        : std::log(static_cast<double>(pf[2]) * jet_pt);
      double log_e = 0;
      if (have_log_e) {
        log_e = arrays.particle_log_e[static_cast<size_t>(j * p + k)];
      } else {
        log_e = log_pt + std::log(std::cosh(static_cast<double>(jf[1]) + pf[0]));
      }
      row[kJet] = static_cast<float>(j);
      row[kConstituent] = static_cast<float>(c);
      row[kLogPt] = static_cast<float>(log_pt);
      row[kLogE] = static_cast<float>(log_e);
      row[kEtaRel] = pf[0];
      row[kPhiRel] = pf[1];
      row[kJetPt] = jf[0];
      row[kJetEta] = jf[1];
      row[kJetMass] = jf[2];
      row[kNConstituents] = static_cast<float>(real.size());
      row[kIsTop] = is_top;
      out.AppendRow(row.data());
    }
  }
  return out;
}

absl::Status WriteJetNet(const std::string& path, const Table& table,
                         const JetNetWriteOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(JetNetArrays a, LongTableToJetNet(table, options, path));
  std::vector<Hdf5Array> arrays;
  arrays.push_back(Hdf5Array{"particle_features", {a.jets, a.particles, kFeatures},
                             std::move(a.particle_features), {}});
  arrays.push_back(Hdf5Array{"jet_features", {a.jets, kJetFeatures}, std::move(a.jet_features), {}});
  arrays.push_back(Hdf5Array{"particle_log_pt", {a.jets, a.particles}, std::move(a.particle_log_pt), {}});
  if (!a.particle_log_e.empty()) {
    arrays.push_back(Hdf5Array{"particle_log_e", {a.jets, a.particles}, std::move(a.particle_log_e), {}});
  }
  if (!a.jet_is_top.empty()) arrays.push_back(Hdf5Array{"jet_is_top", {a.jets}, std::move(a.jet_is_top), {}});
  return WriteHdf5Arrays(path, arrays);
}

absl::StatusOr<Table> ReadJetNet(const std::string& path, const JetNetReadOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(Hdf5File file, Hdf5File::Open(path));
  EVGEN_ASSIGN_OR_RETURN(Hdf5Array particles, file.Read("particle_features"));
  if (particles.shape.size() != 3 || particles.shape[2] != kFeatures) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": dataset 'particle_features' has shape ", Shape(particles.shape),
        ", expected [N, P, 4] (eta_rel, phi_rel, pt_rel, mask)"));
  }
  const int64_t n = particles.shape[0], p = particles.shape[1];
  if (n == 0 || p == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": dataset 'particle_features' is empty (shape ",
                                                   Shape(particles.shape), ")"));
  }
  EVGEN_ASSIGN_OR_RETURN(Hdf5Array jets, file.Read("jet_features"));
  if (jets.shape.size() != 2 || jets.shape[0] != n || jets.shape[1] != kJetFeatures) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": dataset 'jet_features' has shape ",
                                                   Shape(jets.shape), ", expected [", n,
                                                   ", 4] (pt, eta, mass, num_particles)"));
  }
  JetNetArrays a;
  a.jets = n;
  a.particles = p;
  a.particle_features = std::move(particles.values);
  a.jet_features = std::move(jets.values);
  for (const char* name : {"particle_log_e", "particle_log_pt"}) {
    if (!file.Has(name)) continue;
    EVGEN_ASSIGN_OR_RETURN(Hdf5Array values, file.Read(name));
    if (values.shape != std::vector<int64_t>{n, p}) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": dataset '", name, "' has shape ",
                                                     Shape(values.shape), ", expected [", n, ", ",
                                                     p, "]"));
    }
    (std::string(name) == "particle_log_e" ? a.particle_log_e : a.particle_log_pt) = std::move(values.values);
  }
  if (file.Has("jet_is_top")) {
    EVGEN_ASSIGN_OR_RETURN(Hdf5Array is_top, file.Read("jet_is_top"));
    if (is_top.shape != std::vector<int64_t>{n}) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": dataset 'jet_is_top' has shape ",
                                                     Shape(is_top.shape), ", expected [", n, "]"));
    }
    a.jet_is_top = std::move(is_top.values);
  }
  return JetNetToLongTable(a, options, path);
}

absl::StatusOr<Table> ReadJetNetWithOptions(const std::string& path,
                                 const std::map<std::string, std::string>& options) {
  EVGEN_ASSIGN_OR_RETURN(JetNetReadOptions parsed, ParseJetNetReadOptions(options));
  return ReadJetNet(path, parsed);
}

}  // namespace evgen
