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

// Probe holds the physical values of model-space rows: row 0 all zeros,
// row 1 + k the unit vector of model column k, and the last two rows all
// ones and all twos, from which affine maps are read off and checked.
struct Probe {
  Table physical;
  int64_t columns = 0;
  absl::StatusOr<double> Value(int64_t row, const std::string& column) const {
    EVGEN_ASSIGN_OR_RETURN(int c, physical.ColumnIndex(column));
    return static_cast<double>(physical.at(row, c));
  }
};

absl::StatusOr<Probe> MakeProbe(const std::vector<std::string>& model_columns,
                                const TransformChain& chain) {
  const int64_t n = static_cast<int64_t>(model_columns.size());
  Table rows(model_columns);
  std::vector<float> row(model_columns.size(), 0.f);
  rows.AppendRow(row.data());
  for (int64_t k = 0; k < n; ++k) {
    row.assign(model_columns.size(), 0.f);
    row[k] = 1.f;
    rows.AppendRow(row.data());
  }
  for (float v : {1.f, 2.f}) {
    row.assign(model_columns.size(), v);
    rows.AppendRow(row.data());
  }
  EVGEN_ASSIGN_OR_RETURN(Table physical, chain.Inverse(rows));
  return Probe{std::move(physical), n};
}

int IndexOf(const std::vector<std::string>& columns, const std::string& name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// AffineMap reads a physical column's affine map of the model columns off
// the probe: the intercept at row 0 and a slope per model column that moves
// it. A column the model keeps (standardize, min-max) depends on itself
// alone; one that a transform rebuilds from others (momentum-balance: p6's
// px is minus the others' sum) on several.
absl::Status AffineMap(const Probe& probe, const std::string& column, double& intercept,
                       std::vector<std::pair<int, double>>& slopes) {
  EVGEN_ASSIGN_OR_RETURN(intercept, probe.Value(0, column));
  slopes.clear();
  double sum = 0, scale = std::abs(intercept);
  for (int64_t k = 0; k < probe.columns; ++k) {
    EVGEN_ASSIGN_OR_RETURN(double v, probe.Value(1 + k, column));
    if (v == intercept) continue;
    slopes.emplace_back(static_cast<int>(k), v - intercept);
    sum += v - intercept;
    scale += std::abs(v - intercept);
  }
  EVGEN_ASSIGN_OR_RETURN(double ones, probe.Value(1 + probe.columns, column));
  EVGEN_ASSIGN_OR_RETURN(double twos, probe.Value(2 + probe.columns, column));
  const double tolerance = 1e-4 * (scale + 1e-6);
  if (std::abs(ones - (intercept + sum)) > tolerance || std::abs(twos - (intercept + 2 * sum)) > 2 * tolerance) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.mmd: column '", column,
        "' goes through a non-linear transform; MMD terms need affine transforms "
        "(min-max, standardize, momentum-balance) on the momenta"));
  }
  return absl::OkStatus();
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
        const bool in_model = IndexOf(model_columns, column) >= 0;
        if (!in_model && std::string(component) == "e" && on_shell.count(prefix)) {
          slot->on_shell_energy = true;
          particle.mass_gev = on_shell.at(prefix);
          continue;
        }
        if (!probe.physical.HasColumn(column)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "config.mmd: particle '", prefix, "' needs target column '", column, "'"));
        }
        EVGEN_RETURN_IF_ERROR(AffineMap(probe, column, slot->intercept, slot->slopes));
      }
      term.particles.push_back(particle);
    }
    out.terms_.push_back(std::move(term));
  }
  return out;
}

std::vector<torch::Tensor> MmdTerms::Masses(const torch::Tensor& x) const {
  auto physical = [&x](const Component& c) {
    if (c.slopes.empty()) return torch::full({x.size(0)}, c.intercept, x.options());
    torch::Tensor sum = x.select(1, c.slopes[0].first) * c.slopes[0].second;
    for (size_t k = 1; k < c.slopes.size(); ++k) sum = sum + x.select(1, c.slopes[k].first) * c.slopes[k].second;
    return sum + c.intercept;
  };
  std::vector<torch::Tensor> masses;
  for (const Term& term : terms_) {
    torch::Tensor e, px, py, pz;
    for (const Particle& p : term.particles) {
      const torch::Tensor ppx = physical(p.px), ppy = physical(p.py), ppz = physical(p.pz);
      const torch::Tensor pe =
          !p.e.on_shell_energy ? physical(p.e)
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
