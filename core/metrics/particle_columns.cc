#include "core/metrics/particle_columns.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/physics/four_vector.h"

namespace evgen {
namespace {

enum class Layout { kEnergyMomentum, kPtEtaPhi };

// ParticleColumns are the indices of one particle's columns in its layout's
// order (E, px, py, pz) or (pt, eta, phi).
struct ParticleColumns {
  Layout layout = Layout::kEnergyMomentum;
  std::array<int, 4> index{};
  std::vector<std::string> names;
};

std::vector<std::vector<std::string>> CandidateSets(const std::string& p) {
  return {{p + "_e_gev", p + "_px_gev", p + "_py_gev", p + "_pz_gev"},
          {"E" + p, "px" + p, "py" + p, "pz" + p},
          {"pt" + p, "eta" + p, "phi" + p}};
}

absl::StatusOr<ParticleColumns> FindParticle(const Table& table, const std::string& particle) {
  const std::vector<std::vector<std::string>> sets = CandidateSets(particle);
  for (const std::vector<std::string>& set : sets) {
    ParticleColumns found;
    found.layout = set.size() == 4 ? Layout::kEnergyMomentum : Layout::kPtEtaPhi;
    found.names = set;
    bool all = true;
    for (size_t k = 0; k < set.size() && all; ++k) {
      absl::StatusOr<int> i = table.ColumnIndex(set[k]);
      all = i.ok();
      if (all) found.index[k] = *i;
    }
    if (all) return found;
  }
  std::vector<std::string> tried;
  for (const std::vector<std::string>& set : sets) tried.push_back(absl::StrJoin(set, ","));
  return absl::InvalidArgumentError(absl::StrCat(
      "metrics.options.particles: particle '", particle, "' has none of the column sets ",
      absl::StrJoin(tried, " / "), "; columns: ", absl::StrJoin(table.columns(), ", ")));
}

}  // namespace

absl::StatusOr<ParticleMasses> ParticleGroupMass(const Table& table, const std::vector<std::string>& particles,
                                                 double mass_gev) {
  if (particles.empty()) {
    return absl::InvalidArgumentError("metrics.options.particles: name at least one particle, e.g. particles=1,2");
  }
  std::vector<ParticleColumns> columns;
  std::vector<std::string> read;
  for (const std::string& p : particles) {
    absl::StatusOr<ParticleColumns> found = FindParticle(table, p);
    if (!found.ok()) return found.status();
    read.push_back(absl::StrJoin(found->names, ", "));
    columns.push_back(*std::move(found));
  }
  ParticleMasses out;
  out.description = absl::StrCat("particles ", absl::StrJoin(particles, ","), " (", absl::StrJoin(read, "; "), ")");
  out.masses.reserve(static_cast<size_t>(table.num_rows()));
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    FourVector sum;
    for (const ParticleColumns& c : columns) {
      const auto v = [&](int k) { return static_cast<double>(table.at(r, c.index[k])); };
      sum += c.layout == Layout::kEnergyMomentum ? FourVector(v(0), v(1), v(2), v(3))
                                                 : FourVector::FromPtEtaPhiM(v(0), v(1), v(2), mass_gev);
    }
    out.masses.push_back(sum.Mass());
  }
  return out;
}

}  // namespace evgen
