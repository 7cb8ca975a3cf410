#include "core/models/gan/mmd_terms.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/models/gan/gan_losses.h"

namespace evgen {
namespace {

// OnShellMasses reads {prefix: mass} from the on-shell transforms of a spec.
std::map<std::string, double> OnShellMasses(const nlohmann::json& transforms_spec) {
  std::map<std::string, double> masses;
  for (const nlohmann::json& t : transforms_spec) {
    if (!t.is_object() || t.value("kind", "") != "on-shell" || !t.contains("particles")) continue;
    for (const nlohmann::json& p : t["particles"]) masses[p["prefix"].get<std::string>()] = p["mass_gev"].get<double>();
  }
  return masses;
}

// Probe holds the physical values of model-space rows 0, 1 and 2 (all
// columns set to that value), from which affine maps are read off.
struct Probe {
  Table physical;
  absl::StatusOr<double> Value(int row, const std::string& column) const {
    EVGEN_ASSIGN_OR_RETURN(int c, physical.ColumnIndex(column));
    return static_cast<double>(physical.at(row, c));
  }
};

absl::StatusOr<Probe> MakeProbe(const std::vector<std::string>& model_columns,
                                const TransformChain& chain) {
  Table rows(model_columns);
  for (float v : {0.f, 1.f, 2.f}) {
    std::vector<float> row(model_columns.size(), v);
    rows.AppendRow(row.data());
  }
  EVGEN_ASSIGN_OR_RETURN(Table physical, chain.Inverse(rows));
  return Probe{std::move(physical)};
}

int IndexOf(const std::vector<std::string>& columns, const std::string& name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<double> AffineSlope(const Probe& probe, const std::string& column, double& intercept) {
  EVGEN_ASSIGN_OR_RETURN(double v0, probe.Value(0, column));
  EVGEN_ASSIGN_OR_RETURN(double v1, probe.Value(1, column));
  EVGEN_ASSIGN_OR_RETURN(double v2, probe.Value(2, column));
  const double slope = v1 - v0;
  if (std::abs(v2 - (v0 + 2 * slope)) > 1e-4 * (std::abs(v2) + std::abs(slope) + 1e-6)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.mmd: column '", column,
        "' goes through a non-linear transform; MMD terms need affine transforms "
        "(min-max, standardize) on the momenta"));
  }
  intercept = v0;
  return slope;
}

}  // namespace

absl::StatusOr<MmdTerms> MmdTerms::Create(const std::vector<MmdTermSpec>& terms,
                                          const std::vector<std::string>& model_columns,
                                          const TransformChain& chain,
                                          const nlohmann::json& transforms_spec) {
  MmdTerms out;
  if (terms.empty()) return out;
  EVGEN_ASSIGN_OR_RETURN(Probe probe, MakeProbe(model_columns, chain));
  const std::map<std::string, double> on_shell = OnShellMasses(transforms_spec);
  for (const MmdTermSpec& spec : terms) {
    Term term{spec, {}};
    for (const std::string& prefix : spec.particles) {
      Particle particle;
      for (auto [component, slot] : {std::pair{"e", &particle.e}, std::pair{"px", &particle.px},
                                     std::pair{"py", &particle.py}, std::pair{"pz", &particle.pz}}) {
        const std::string column = absl::StrCat(prefix, "_", component, "_gev");
        slot->column = IndexOf(model_columns, column);
        if (slot->column < 0) {
          const bool dropped_energy = std::string(component) == "e" && on_shell.count(prefix);
          if (!dropped_energy) {
            return absl::InvalidArgumentError(absl::StrCat(
                "config.mmd: particle '", prefix, "' needs target column '", column, "'"));
          }
          particle.mass_gev = on_shell.at(prefix);
          continue;
        }
        EVGEN_ASSIGN_OR_RETURN(slot->slope, AffineSlope(probe, column, slot->intercept));
      }
      term.particles.push_back(particle);
    }
    out.terms_.push_back(std::move(term));
  }
  return out;
}

std::vector<torch::Tensor> MmdTerms::Masses(const torch::Tensor& x) const {
  auto physical = [&x](const Component& c) {
    return x.select(1, c.column) * c.slope + c.intercept;
  };
  std::vector<torch::Tensor> masses;
  for (const Term& term : terms_) {
    torch::Tensor e, px, py, pz;
    for (const Particle& p : term.particles) {
      const torch::Tensor ppx = physical(p.px), ppy = physical(p.py), ppz = physical(p.pz);
      const torch::Tensor pe =
          p.e.column >= 0 ? physical(p.e)
                          : torch::sqrt(ppx * ppx + ppy * ppy + ppz * ppz + p.mass_gev * p.mass_gev);
      e = e.defined() ? e + pe : pe;
      px = px.defined() ? px + ppx : ppx;
      py = py.defined() ? py + ppy : ppy;
      pz = pz.defined() ? pz + ppz : ppz;
    }
    // Clamp so an unphysical (spacelike) generated sum gets a finite gradient.
    masses.push_back(torch::sqrt(torch::clamp(e * e - px * px - py * py - pz * pz, 1e-6)));
  }
  return masses;
}

torch::Tensor MmdTerms::Loss(const torch::Tensor& real, const torch::Tensor& fake,
                             std::map<std::string, double>* parts) const {
  const std::vector<torch::Tensor> real_masses = Masses(real);
  const std::vector<torch::Tensor> fake_masses = Masses(fake);
  torch::Tensor total = torch::zeros({}, fake.options());
  for (size_t i = 0; i < terms_.size(); ++i) {
    const MmdTermSpec& spec = terms_[i].spec;
    const MmdLossKernel kernel =
        spec.kernel == "gaussian" ? MmdLossKernel::kGaussian : MmdLossKernel::kBreitWigner;
    const torch::Tensor mmd2 =
        Mmd2(real_masses[i].detach(), fake_masses[i], kernel, spec.widths);
    if (parts) (*parts)[spec.Name()] = mmd2.item<double>();
    total = total + spec.weight * mmd2;
  }
  return total;
}

}  // namespace evgen
