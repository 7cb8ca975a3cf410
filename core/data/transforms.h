// transforms.h: feature transforms and TransformChain, the preprocessing a
// model applies to its training table and undoes on its samples, so samples
// come back in physical units.
//
// Each transform names the columns it acts on and keeps every other column
// untouched and in place. Fit() learns parameters (ranges, means, cut
// thresholds) from a training table; Forward() maps physical -> model space;
// Inverse() maps model space -> physical. The chain serialises to JSON and is
// stored with the model.
//
// Kinds and JSON (the "columns" list is common to all but on-shell):
//   {"kind": "min-max", "columns": [...], "low": 0, "high": 1}
//   {"kind": "standardize", "columns": [...]}
//   {"kind": "log", "columns": [...], "offset": 0}           x -> ln(x + offset)
//   {"kind": "power", "columns": [...], "lambda": 0.5, "offset": 0}
//                                       x -> ((x + offset)^lambda - 1) / lambda, lambda in (0, 1] (Box-Cox)
//   {"kind": "inverse-softplus", "columns": [...], "scale": 10}
//                                       x > 0 -> ln(exp(x / scale) - 1): ln(x / scale) near 0, x / scale far above
//   {"kind": "logit", "columns": [...], "epsilon": 1e-6}     x in (0,1) -> ln(x / (1 - x))
//   {"kind": "tail-cut", "columns": [...], "percentile": 99.9}  drops rows above the
//       fitted percentile when fitting/transforming training data; Inverse is
//       the identity (generated values are not clipped)
//   {"kind": "periodic", "columns": ["phi1", ...]}          phi -> phi_cos, phi_sin; back by atan2
//   {"kind": "on-shell", "particles": [{"prefix": "p1", "mass_gev": 4.7}, ...]}
//       drops <prefix>_e_gev (a model then generates 3-momenta); Inverse puts
//       E = sqrt(p^2 + m^2) back, so every generated particle is on its mass shell
//   {"kind": "pair-mass", "first": [pt, eta, phi], "second": [pt, eta, phi],
//    "masses_gev": [m1, m2], "column": "m_pair"}   the second pT -> the pair's
//       invariant mass (pair_mass.h), so a resonance is one coordinate
//   {"kind": "delta-phi", "column": "phi2", "reference": "phi1", "offset": 3.14159,
//    "name": "dphi12"}   phi2 -> wrap(phi2 - phi1 - offset) (delta_phi.h)
//   {"kind": "momentum-balance", "particles": ["p1", ...], "drop": "p6"}   drops the
//       px, py that sum px = sum py = 0 fixes (momentum_balance.h)
//   {"kind": "ttbar-decay-chain", "particles": ["p1", ..., "p6"],
//    "masses_gev": [0, 0, 4.7, 0, 0, 4.7], "prefix": "", "out_of_range": "clamp"}
//       the six quarks' 24 momentum columns -> 16 decay-chain coordinates
//       (top pT, eta, phi; W and top masses; decay angles), so the
//       resonances are coordinates (ttbar_decay_chain.h)
//   {"kind": "dilepton-kinematics", "lepton_pt_min_gev": 25, "lepton_abs_eta_max": 2.5}
//       ttbar-dilepton's 8 features -> the 5 free coordinates behind them and MET,
//       so pT(ll), m(ll), the cut and the orderings hold by construction
//       (dilepton_kinematics.h)
//   {"kind": "pair-frame", "first": [pt, eta, phi], "second": [pt, eta, phi],
//    "masses_gev": [m1, m2], "prefix": "pair_", "out_of_range": "clamp"}
//       two particles -> the pair's mass, pT, rapidity, azimuth and the first
//       particle's decay angles in the pair's rest frame (pair_frame.h)
//
// Densities: a density model (a flow) evaluates log p(x) = log p_model(T(x))
// + ln|det dT/dx|, so every transform reports the per-row log-Jacobian of its
// Forward (ForwardLogAbsDet). min-max and standardize have constant slopes,
// log has 1 / (x + offset), power (x + offset)^(lambda - 1),
// inverse-softplus 1 / (scale (1 - exp(-x / scale))), logit 1 / (x (1 - x)); tail-cut is the identity
// on the rows it keeps (the density stays the untruncated one, as generated
// values are not clipped either); on-shell drops energies that the 3-momenta
// fix, so its log-Jacobian is 0 and densities are per unit of the 3-momenta.
// pair-mass has ln(dm/dpT2), delta-phi and momentum-balance 0;
// ttbar-decay-chain has its two-body phase-space and boost factors, per
// unit of the balanced 3-momenta (as on-shell + momentum-balance);
// dilepton-kinematics its own (per unit of the features but pT(ll), m(ll));
// pair-frame its two-body phase-space factor.
// periodic maps one angle onto a circle in two dimensions, where no density
// exists, and is refused.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(TransformChain chain, TransformChain::FromJson(spec));
//   EVGEN_RETURN_IF_ERROR(chain.Fit(train));
//   EVGEN_ASSIGN_OR_RETURN(Table scaled, chain.Forward(train));
//   ... EVGEN_ASSIGN_OR_RETURN(Table physical, chain.Inverse(generated));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "nlohmann/json.hpp"

namespace evgen {

class Transform {
 public:
  virtual ~Transform() = default;
  virtual std::string kind() const = 0;
  [[nodiscard]] virtual absl::Status Fit(const Table& table) = 0;
  [[nodiscard]] virtual absl::StatusOr<Table> Forward(const Table& table) const = 0;
  [[nodiscard]] virtual absl::StatusOr<Table> Inverse(const Table& table) const = 0;
  // MapEveryRow is Forward without dropping rows: what a density evaluation
  // maps (tail-cut drops rows only from training data).
  [[nodiscard]] virtual absl::StatusOr<Table> MapEveryRow(const Table& table) const { return Forward(table); }
  // ForwardLogAbsDet returns ln|det dForward/dx| for each row of `table` (this
  // transform's input), over the columns it maps. InvalidArgument naming the
  // transform where Forward has no Jacobian determinant, or naming the column
  // and row of a value where it is not differentiable.
  [[nodiscard]] virtual absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const = 0;
  // ToJson includes fitted parameters; FromJson of it restores a fitted transform.
  virtual nlohmann::json ToJson() const = 0;
};

// MakeTransform builds one transform from its JSON (fitted or not).
// InvalidArgument names the bad field and lists the allowed kinds.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakeTransform(const nlohmann::json& spec);

class TransformChain {
 public:
  TransformChain() = default;
  [[nodiscard]] static absl::StatusOr<TransformChain> FromJson(const nlohmann::json& specs);
  nlohmann::json ToJson() const;

  // Fit fits each transform on the output of the ones before it. Every
  // transform must leave the columns in `untouched` (a model's conditions,
  // which it takes as the user gives them) in place with the same values;
  // InvalidArgument names the transform and the column otherwise.
  [[nodiscard]] absl::Status Fit(const Table& table, const std::vector<std::string>& untouched = {});
  [[nodiscard]] absl::StatusOr<Table> Forward(const Table& table) const;
  [[nodiscard]] absl::StatusOr<Table> Inverse(const Table& table) const;
  // ForwardWithLogAbsDet maps every row (no tail cut) and adds to
  // (*log_abs_det)[r] (resized to the rows, zeros) the sum of the transforms'
  // ln|det dForward/dx| of row r: the term a density in model space needs to
  // become one in physical units.
  [[nodiscard]] absl::StatusOr<Table> ForwardWithLogAbsDet(const Table& table,
                                                           std::vector<double>* log_abs_det) const;
  bool empty() const { return transforms_.empty(); }

 private:
  std::vector<std::unique_ptr<Transform>> transforms_;
};

}  // namespace evgen
