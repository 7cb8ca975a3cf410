// dilepton_kinematics.h: the "dilepton-kinematics" transform, a change of
// variables that writes the eight dilepton features of ttbar-dilepton
// (ttbar.h) as the six free coordinates behind them, so every generated
// event obeys the relations and cuts the real ones obey.
//
// Why: the eight features (pT of both leptons, of the pair, its mass, MET,
// the transverse mass of leptons + MET, dphi and dR of the leptons) are
// not independent. pT(ll) and m(ll) follow from the lepton momenta; mT lies
// in an interval set by the others; pT(l1) is above the 25 GeV cut, pT(l0)
// above pT(l1), dphi in [0, pi], dR above dphi. A GAN generating the eight
// directly broke them in 5-11% of its events (below the cut, misordered,
// dR < dphi, pT(ll) more than 1% off in 93%), which a classifier sees at
// once (AUC 0.81, docs/results.md). Written in these coordinates the
// relations hold for every sample by construction and the edges become
// tails that the following inverse-softplus and logit open to infinity.
//
// Columns (fixed names, those of ttbar-dilepton): pt_l0_gev, pt_l1_gev,
// pt_ll_gev, m_ll_gev, met_gev, mt_gev, dphi_ll, dr_ll. Forward replaces all
// but met_gev (kept in place) by, at the place of the first of them:
//   pt_l1_above_min_gev  pT(l1) - lepton_pt_min_gev     >= 0
//   pt_l0_minus_l1_gev   pT(l0) - pT(l1)                >= 0
//   dphi_ll_over_pi      dphi / pi                      in [0, 1]
//   deta_ll_over_max     |deta| / (2 lepton_abs_eta_max)  in [0, 1],
//                        |deta| = sqrt(dR^2 - dphi^2)
//   met_angle_over_pi    the angle between pT(ll) and MET, / pi, in [0, 1]
// The first two are floored at 1e-6 GeV and the bounded three kept in
// [1e-5, 1 - 1e-5], so that a following log or logit stays finite, and has
// a density, where float32 rounding puts a row on an edge (pT(l0) ==
// pT(l1) or dR == dphi as floats, dphi stored as float(pi) > pi, a mT at
// the end of its interval). |deta| is bounded because both leptons are
// inside the acceptance: as an unbounded coordinate (its log) a GAN gave
// 0.4% of its events |deta| > 5 and m(ll), growing as cosh(deta), twice
// the reference's spread (docs/results.md).
// The angle comes from mT^2 = m^2 + 2 MET (E_T(ll) - pT(ll) cos(angle)),
// E_T(ll) = sqrt(pT(ll)^2 + m^2); where MET or pT(ll) is 0 every angle
// gives the same mT and pi / 2 is written.
//
// Inverse: pT(l1) = min + x1, pT(l0) = pT(l1) + x2, dphi = pi x3,
// deta = 2 lepton_abs_eta_max x4, dR = hypot(dphi, deta), pT(ll) and m(ll)
// of two massless leptons, mT from the angle and MET. m(ll) of the stored
// events used the leptons' masses: the massless one differs by up to 0.06
// GeV on 20,000 reference events (at m(ll) below a GeV, for nearly
// collinear muons). Non-finite values are refused naming the column and
// row; values outside the ranges above are clamped into them
// ("out_of_range": "clamp", default, for generated samples) or refused
// ("refuse").
//
// Forward refuses, naming the row, what these coordinates cannot hold
// (rather than drop it silently): a non-finite value, pT(l1) below the cut,
// pT(l0) below pT(l1), dphi outside [0, pi], dR below dphi, |deta| above
// 2 lepton_abs_eta_max, MET below 0, pT(ll) or m(ll) not those of the
// leptons (pT(ll) beyond 1e-5 of pT(l0) + pT(l1) plus 1e-3 GeV; m(ll)^2
// beyond 2e-3 of it plus 0.05 GeV^2 (2 + r), r = (pT0/pT1 + pT1/pT0)
// e^|deta|, more than the leptons' masses make), mT
// outside its interval (beyond 1e-5 of the upper end plus 1e-3 GeV^2).
//
// Densities: per unit of (pT(l0), pT(l1), dphi, dR, MET, mT); pT(ll) and
// m(ll) follow from the others and carry none (as momentum-balance's
// dropped momenta). The map is triangular in that order, so
//   ln|det| = -2 ln(pi) - ln(2 lepton_abs_eta_max) + ln(dR / deta)
//             + ln(dangle / dmT),
//   dangle / dmT = mT / (MET pT(ll) sin(angle)),
// with deta, MET, pT(ll) and sin(angle) floored at 1e-6 (where the map is
// not differentiable).
//
// JSON: {"kind": "dilepton-kinematics", "lepton_pt_min_gev": 25,
//        "lepton_abs_eta_max": 2.5, "out_of_range": "clamp"}
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "nlohmann/json.hpp"

namespace evgen {

// MakeDileptonKinematics builds the transform from its JSON; InvalidArgument
// names the bad field.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakeDileptonKinematics(
    const nlohmann::json& spec);

// DileptonKinematicsTransforms is the chain the dilepton model presets use:
// dilepton-kinematics at ttbar-dilepton's cuts (pT > 25 GeV, |eta| < 2.5),
// inverse-softplus (scale 10 GeV) on the two pT differences and MET, the
// logit of the three bounded coordinates, then standardize.
nlohmann::json DileptonKinematicsTransforms();

}  // namespace evgen
