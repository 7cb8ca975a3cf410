// ttbar_decay_chain.h: the "ttbar-decay-chain" transform, a change of
// variables that writes a top pair decaying to six quarks as its decay
// chain, so the two W and two top masses are coordinates.
//
// Why: in the 18 momenta of ttbar -> 6 quarks the W (80.4 GeV, width 2.1)
// and top (172.5, width 1.3) resonances are thin curved ridges, which GANs
// and flows smear into bumps ten times too wide. As coordinates they are
// one-dimensional peaks a density model learns; and every generated event
// is rebuilt on its mass shells with sum px = sum py = 0 by construction.
//
// Particles: six prefixes a1 a2 a3 b1 b2 b3, each with columns
// <prefix>_{e,px,py,pz}_gev and a mass: top 1 = a1 + a2 + a3, W 1 = a1 + a2
// (a3 the b quark), top 2 and W 2 likewise. In ttbar-allhad (ttbar.h) top 1
// is the t-bar (W- = p1 + p2), top 2 the t.
//
// Coordinates: Forward replaces the 24 momentum columns by these 16, in
// this order, at the place of the first of them (every other column stays
// untouched and in order); each name gets the spec's "prefix" in front:
//   t1_pt_gev, t1_eta, t1_phi  top 1's pT, pseudorapidity and azimuth (lab)
//   t2_eta                     top 2's pseudorapidity; its pT and azimuth
//                              are top 1's and phi + pi (sum pT = 0)
//   (with "longitudinal": "rapidity", t1_y and t2_y, the tops' rapidities,
//   in place of t1_eta and t2_eta: bounded by the collision energy where
//   eta is not, which keeps generated pz inside what the data allows)
//   t1_m_gev, t2_m_gev         the top masses (of a1+a2+a3, b1+b2+b3)
//   w1_m_gev                   W 1's mass (a1 + a2)
//   w1_cos_theta, w1_phi       W 1's direction in top 1's rest frame
//   w1_d_cos_theta, w1_d_phi   a1's direction in W 1's rest frame
//   w2_m_gev, w2_cos_theta, w2_phi, w2_d_cos_theta, w2_d_phi   the same for top 2
// Angles phi are in (-pi, pi]; Inverse takes any finite phi (periodic).
//
// Frames (helicity frames, each reached by a pure boost, so the axes are
// the same vectors before and after it):
//   top rest frame: z along the top's lab momentum; x in the plane of z and
//     the lab z axis (the beam), on the beam's side: x = unit(beam - (beam.z) z);
//     y = z cross x. (w_cos_theta, w_phi) is the W's direction there.
//   W rest frame, boosted from the top's rest frame along the W: z along the
//     W's momentum in the top rest frame; x in the plane of z and the top's
//     flight direction, likewise. (w_d_cos_theta, w_d_phi) is a1's (b1's)
//     direction there: cos theta is the helicity angle of the W helicity
//     fractions.
//   Where the reference is (numerically) parallel to z (a top along the
//   beam, a W along the top's flight), the lab x axis, then y, stands in;
//   a top at rest takes the beam as z. Both happen on sets of measure zero.
//
// Forward computes the energies from the 3-momenta and the masses, and
// reads b3's px and py as minus the other five's sum (what momentum-balance
// keeps), so the chain is a function of the 16 balanced momenta p(a1..b2),
// pz(b3). It refuses a row (naming it) with a non-finite value, a particle
// off its mass shell (|E - sqrt(p^2 + m^2)| above 1e-4 E + 1e-3 GeV), an
// unbalanced transverse momentum (|sum px| or |sum py| above 1e-4 of the
// scalar pT sum plus 1e-3 GeV: float32 rounding), a W or top at or below
// its threshold (m_W <= m_a1 + m_a2, m_t <= m_W + m_a3) or a top pair
// with pT = 0, where the chain has no density.
//
// Inverse rebuilds the six four-momenta on their mass shells (E from the
// masses) and balanced: the tops' transverse momenta are opposite and b3's
// px, py are set to minus the others' sum. A non-finite model-space value
// is refused, naming the column and row: no event stands behind it. Values
// outside the coordinates' ranges (t1_pt_gev < 0, |cos theta| > 1, a W mass
// below max(m_a1 + m_a2, 1 MeV) (a massless W has no rest frame), a top
// mass below m_W + m_a3) depend on "out_of_range":
//   "clamp" (default, for generated samples): the value is set to the
//     nearest boundary, so the event is kept and lies on the edge of phase
//     space (a top decaying at rest to W b at threshold). Samples are never
//     dropped; the clamped ones are visible as a spike at the boundary and
//     can be counted there (a top mass equal to m_W + m_b).
//   "refuse": InvalidArgument naming the column, the row and the range.
// A chain that ends in min-max + logit on the bounded coordinates (as the
// ttbar-allhad-chain-flow preset does) never leaves the ranges.
//
// Density: with the momenta measure d^3p(a1..b2) dpz(b3) (momentum-balance's),
// two-body phase space gives d^3pa d^3pb = (Ea Eb q / E) dm d^3P dOmega*
// per decay (q the momentum in the parent's rest frame, energies in the
// lab), and d^3P1 dPz2 = pT^3 cosh(eta1) cosh(eta2) dpT deta1 dphi deta2.
// So ln|det dForward/dx| = -ln J, with
//   J = prod_i E_i * q_W1 q_t1 q_W2 q_t2 * pT^3 cosh(eta1) cosh(eta2) / (E_t1 E_t2);
// with rapidities J is divided by (|P1| / E_t1) (|P2| / E_t2), as dy/deta =
// |P| / E at fixed pT and mass.
//
// JSON: {"kind": "ttbar-decay-chain", "particles": ["p1", "p2", "p3", "p4", "p5", "p6"],
//        "masses_gev": [0, 0, 4.7, 0, 0, 4.7], "prefix": "", "out_of_range": "clamp",
//        "longitudinal": "eta"}
// particles and masses_gev are required; prefix defaults to "", out_of_range
// to "clamp" and longitudinal to "eta". A coordinate name that is already a column is
// refused.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "core/physics/four_vector.h"
#include "nlohmann/json.hpp"

namespace evgen {

// MakeTtbarDecayChain builds the transform from its JSON; InvalidArgument
// names the bad field.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakeTtbarDecayChain(const nlohmann::json& spec);

// The chain's maps in double precision, for the transform and for tests
// (a numerical Jacobian needs more than the float32 of a Table).
namespace decay_chain {

constexpr int kCoordinates = 16;
// Longitudinal: the tops' pseudorapidities (t1_eta, t2_eta; the default, and
// every model stored before the option) or rapidities (t1_y, t2_y).
enum class Longitudinal { kEta, kRapidity };
using Momenta = std::array<FourVector, 6>;  // a1 a2 a3 b1 b2 b3, on shell
using Chain = std::array<double, kCoordinates>;

// CoordinateNames lists the 16 coordinate names (header order) with `prefix`.
std::vector<std::string> CoordinateNames(const std::string& prefix, Longitudinal longitudinal = Longitudinal::kEta);

// FromMomenta maps six on-shell momenta, whose transverse momenta sum to 0,
// to the chain coordinates. Thresholds and pT = 0 are the caller's to check.
Chain FromMomenta(const Momenta& p, Longitudinal longitudinal = Longitudinal::kEta);

// ToMomenta is FromMomenta's inverse for coordinates inside their ranges
// (cos theta in [-1, 1], masses at or above the thresholds, pT >= 0).
Momenta ToMomenta(const Chain& y, const std::array<double, 6>& masses,
                  Longitudinal longitudinal = Longitudinal::kEta);

// LogAbsDet is ln|det dFromMomenta/dx| over the 16 balanced momenta (see
// the header's "Density").
double LogAbsDet(const Momenta& p, const std::array<double, 6>& masses,
                 Longitudinal longitudinal = Longitudinal::kEta);

}  // namespace decay_chain

// TtbarAllhadChainTransforms is the chain model presets put on the
// ttbar-allhad reference (quarks p1..p6, W- = p1 + p2, b quarks at the
// bottom mass): the decay chain; the log of the top pT; min-max to
// [0.005, 0.995] then logit on the bounded coordinates (masses above their
// thresholds, angles), so samples stay inside their ranges; standardize on
// all 16. With rapidities (the flow preset) the tops' rapidities are bounded
// too; the GAN presets keep the pseudorapidities, standardized only.
[[nodiscard]] nlohmann::json TtbarAllhadChainTransforms(decay_chain::Longitudinal longitudinal);

}  // namespace evgen
