// mmd_terms.h: MmdTerms, the MMD^2 penalties on invariant masses that the
// ttbar GAN adds to its generator loss (Butter, Plehn, Winterhalder eq. 17).
//
// The generator works in model space (targets after the model's transforms,
// e.g. standardized 3-momenta), but a mass must be computed in GeV. MmdTerms
// maps each needed momentum component back differentiably: it probes the
// fitted TransformChain to find the affine map (slope, intercept) of every
// component that lives in model space, and takes the energy of a particle
// whose E column the on-shell transform dropped as sqrt(p^2 + m^2) with that
// transform's mass. A component the chain rebuilds from others (the px and py
// that momentum-balance drops) is the affine map of those. A non-affine
// transform on a needed component (log, logit) is refused at Create, naming
// the column.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "core/models/gan/gan_config.h"

namespace evgen {

class MmdTerms {
 public:
  // Create: `model_columns` are the generator's output columns (model space).
  [[nodiscard]] static absl::StatusOr<MmdTerms> Create(const std::vector<MmdTermSpec>& terms,
                                                       const std::vector<std::string>& model_columns,
                                                       const TransformChain& chain,
                                                       const nlohmann::json& transforms_spec);
  bool empty() const { return terms_.empty(); }
  size_t size() const { return terms_.size(); }
  const MmdTermSpec& spec(size_t i) const { return terms_[i].spec; }

  // Masses returns one [batch] tensor of invariant masses (GeV) per term.
  std::vector<torch::Tensor> Masses(const torch::Tensor& model_space) const;

  // Loss is sum_i weight_i * MMD^2(masses_i(real), masses_i(fake)); `parts`
  // receives each term's MMD^2 value by name, for the training log.
  torch::Tensor Loss(const torch::Tensor& real, const torch::Tensor& fake,
                     std::map<std::string, double>* parts) const;

 private:
  // Component: a physical momentum component as intercept + sum of
  // slope * model column (one column for a standardized one, several for
  // one that momentum-balance rebuilds), or an on-shell energy.
  struct Component {
    std::vector<std::pair<int, double>> slopes;
    double intercept = 0;
    bool on_shell_energy = false;
  };
  struct Particle {
    Component e, px, py, pz;
    double mass_gev = 0;  // for an on-shell energy
  };
  struct Term {
    MmdTermSpec spec;
    std::vector<Particle> particles;
  };
  std::vector<Term> terms_;
};

}  // namespace evgen
