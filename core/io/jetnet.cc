#include "core/io/jetnet.h"

#include <algorithm>
#include <cmath>
#include <set>

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

struct JetRange {
  int64_t begin, end;
};

// LongColumnIndices finds the long columns of `table`: -1 for an optional
// one that is absent, an error naming a required one.
absl::Status LongColumnIndices(const Table& table, const std::string& source, int* col) {
  for (int c = 0; c < kNumLongColumns; ++c) {
    const std::string& name = JetNetLongColumns()[c];
    col[c] = table.HasColumn(name) ? *table.ColumnIndex(name) : -1;
  }
  for (LongColumn c : kRequiredColumns) {
    if (col[c] >= 0) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": the table lacks column '", JetNetLongColumns()[c], "' of the jet-cloud layout (",
        "required: jet, constituent, log_pt, eta_rel, phi_rel, n_constituents; optional: log_e, "
        "jet_pt_gev, jet_eta, jet_mass_gev, is_top)"));
  }
  return absl::OkStatus();
}

// JetRanges finds each jet's consecutive rows and checks them: constituents
// 0, 1, ..., n_constituents = n, jet columns constant within the jet.
absl::StatusOr<std::vector<JetRange>> JetRanges(const Table& table, const int* col, const std::string& source) {
  std::vector<JetRange> jets;
  std::set<float> seen_ids;
  for (int64_t r = 0; r < table.num_rows();) {
    const float id = table.at(r, col[kJet]);
    if (!seen_ids.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": row ", r, ": jet ", id, " appears again; a jet's rows must be consecutive"));
    }
    int64_t end = r;
    while (end < table.num_rows() && table.at(end, col[kJet]) == id) ++end;
    const int64_t n = end - r;
    for (int64_t k = r; k < end; ++k) {
      if (table.at(k, col[kConstituent]) != static_cast<float>(k - r)) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": row ", k, ": jet ", id, " has constituent ", table.at(k, col[kConstituent]),
            ", expected ", k - r, " (constituents 0, 1, ... in order)"));
      }
      if (table.at(k, col[kNConstituents]) != static_cast<float>(n)) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": row ", k, ": jet ", id, " says n_constituents ",
            table.at(k, col[kNConstituents]), " but has ", n, " rows"));
      }
      for (int c : {kJetPt, kJetEta, kJetMass, kIsTop}) {
        if (col[c] >= 0 && table.at(k, col[c]) != table.at(r, col[c])) {
          return absl::InvalidArgumentError(absl::StrCat(source, ": row ", k, ": jet ", id, " column ",
                                                         JetNetLongColumns()[c],
                                                         " differs within the jet"));
        }
      }
    }
    jets.push_back(JetRange{r, end});
    r = end;
  }
  return jets;
}

// JetFeatures fills (pt, eta, mass, num_particles) of one jet: the table's
// jet columns, or for absent ones the massless sum of its constituents
// (massless_sum.h) at jet eta 0.
absl::Status JetFeatures(const Table& table, const int* col, const JetRange& range, int64_t j,
                         const std::string& source, float* jf) {
  MasslessSum sum;
  for (int64_t r = range.begin; r < range.end; ++r) {
    sum.Add(std::exp(static_cast<double>(table.at(r, col[kLogPt]))), table.at(r, col[kEtaRel]),
            table.at(r, col[kPhiRel]));
  }
  const auto value = [&](int c, double derived) {
    return col[c] >= 0 ? table.at(range.begin, col[c]) : static_cast<float>(derived);
  };
  jf[0] = value(kJetPt, sum.pt());
  jf[1] = value(kJetEta, 0.0);
  jf[2] = value(kJetMass, sum.mass());
  jf[3] = static_cast<float>(range.end - range.begin);
  if (!(jf[0] > 0) || !std::isfinite(jf[0])) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": row ", range.begin, ": jet ", j, " has ",
        col[kJetPt] >= 0 ? "jet_pt_gev " : "a constituent pT sum of ", jf[0], ", expected > 0"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JetNetArrays> LongTableToJetNet(const Table& table,
                                               const JetNetWriteOptions& options,
                                               const std::string& source) {
  if (options.max_particles < 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": max_particles must be >= 0"));
  }
  int col[kNumLongColumns];
  EVGEN_RETURN_IF_ERROR(LongColumnIndices(table, source, col));
  if (table.num_rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": nothing to write, the table has no rows"));
  }
  EVGEN_ASSIGN_OR_RETURN(const std::vector<JetRange> jets, JetRanges(table, col, source));
  int64_t largest = 0;
  for (const JetRange& range : jets) largest = std::max(largest, range.end - range.begin);
  const int64_t p_max = options.max_particles > 0 ? options.max_particles : largest;
  for (size_t j = 0; j < jets.size(); ++j) {
    if (jets[j].end - jets[j].begin > p_max) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": jet ", j, " (row ", jets[j].begin, ") has ", jets[j].end - jets[j].begin,
          " constituents, more than max_particles=", p_max));
    }
  }
  JetNetArrays out;
  out.jets = static_cast<int64_t>(jets.size());
  out.particles = p_max;
  // Padding multiplies the table's size by up to max_particles.
  EVGEN_ASSIGN_OR_RETURN(const int64_t padded,
                         CheckedProduct({out.jets, p_max, kFeatures},
                                        absl::StrCat(source, ": jets x max_particles x 4 features")));
  out.particle_features.assign(static_cast<size_t>(padded), 0.f);
  out.jet_features.assign(static_cast<size_t>(out.jets * kJetFeatures), 0.f);
  out.particle_log_pt.assign(static_cast<size_t>(padded / kFeatures), 0.f);
  if (col[kLogE] >= 0) out.particle_log_e.assign(static_cast<size_t>(padded / kFeatures), 0.f);
  if (col[kIsTop] >= 0 || options.is_top.has_value()) {
    out.jet_is_top.assign(static_cast<size_t>(out.jets), options.is_top.value_or(0.f));
  }
  for (int64_t j = 0; j < out.jets; ++j) {
    const JetRange& range = jets[static_cast<size_t>(j)];
    float* jf = &out.jet_features[static_cast<size_t>(j * kJetFeatures)];
    EVGEN_RETURN_IF_ERROR(JetFeatures(table, col, range, j, source, jf));
    const double jet_pt = jf[0];
    if (col[kIsTop] >= 0) out.jet_is_top[static_cast<size_t>(j)] = table.at(range.begin, col[kIsTop]);
    for (int64_t k = 0; k < range.end - range.begin; ++k) {
      const int64_t r = range.begin + k;
      const size_t slot = static_cast<size_t>(j * p_max + k);
      float* pf = &out.particle_features[slot * kFeatures];
      pf[0] = table.at(r, col[kEtaRel]);
      pf[1] = table.at(r, col[kPhiRel]);
      pf[2] = static_cast<float>(std::exp(static_cast<double>(table.at(r, col[kLogPt]))) / jet_pt);
      pf[3] = 1.f;
      out.particle_log_pt[slot] = table.at(r, col[kLogPt]);
      if (col[kLogE] >= 0) out.particle_log_e[slot] = table.at(r, col[kLogE]);
    }
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
