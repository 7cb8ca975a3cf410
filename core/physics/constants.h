// constants.h: the physical constants the simulators and metrics share (pi,
// particle masses and widths, couplings, SU(3) colour factors), so that each
// has one value in the tree. Masses and widths are in GeV, like every energy
// in core (docs/physics.md, "Units").
//
// Values are from the Particle Data Group's Review of Particle Physics unless
// the comment says otherwise. Where the simulators are tuned to the value the
// LHC generators use (the top quark) or to a rounded one, the constant is that
// value and its comment gives the PDG average beside it: changing any of them
// changes every table the simulators write.
//
// A simulator whose published figures were made with a value different from
// the one here keeps its own constant and says why (the lepton masses in
// ttbar_internal.h).
//
// Example:
//   const FourVector w = FourVector::FromPtEtaPhiM(pt, eta, phi, physics::kWMassGev);
//   const double alpha_s = 1.0 / (physics::OneLoopBeta0(5) * std::log(q2 / lambda2));
#pragma once

namespace evgen::physics {

// kPi is written out because M_PI is POSIX, not C++17.
inline constexpr double kPi = 3.14159265358979323846;

// Masses and widths in GeV. The top quark has the value LHC generators use
// (PDG: 172.57 +- 0.29) and its SM width at NLO for that mass (PDG measures
// 1.42 +0.19 -0.15); the bottom quark has the pole mass of MadGraph's sm
// model (PDG gives the MSbar m_b(m_b) = 4.18).
inline constexpr double kTopMassGev = 172.5;
inline constexpr double kTopWidthGev = 1.32;
inline constexpr double kWMassGev = 80.4;  // PDG average, rounded to 0.1 GeV
inline constexpr double kWWidthGev = 2.085;
inline constexpr double kZMassGev = 91.1876;  // LEP
inline constexpr double kZWidthGev = 2.4952;  // LEP
inline constexpr double kBottomMassGev = 4.7;
inline constexpr double kMuonMassGev = 0.1056583755;
inline constexpr double kElectronMassGev = 0.00051099895;

// Electroweak couplings.
inline constexpr double kFermiConstantGev2 = 1.1663787e-5;  // G_F in GeV^-2, PDG
inline constexpr double kSin2ThetaW = 0.23122;              // MSbar at M_Z, PDG
inline constexpr double kAlphaEmMz = 1.0 / 127.95;          // MSbar alpha(M_Z), PDG, rounded
inline constexpr double kAlphaEm = 1.0 / 137.036;           // at q^2 = 0, PDG (CODATA), rounded

// kAlphaSMz is the strong coupling at M_Z, the PDG world average rounded to
// three figures.
inline constexpr double kAlphaSMz = 0.118;

// SU(3) colour factors: C_F (quark), C_A (gluon), T_R (g -> q qbar).
inline constexpr double kCF = 4.0 / 3.0;
inline constexpr double kCA = 3.0;
inline constexpr double kTR = 0.5;

// OneLoopBeta0 is the one-loop QCD beta-function coefficient for
// `n_flavours` light flavours, normalised so that
// alpha_s(Q) = 1 / (beta0 ln(Q^2 / Lambda^2)).
constexpr double OneLoopBeta0(int n_flavours) { return (33.0 - 2.0 * n_flavours) / (12.0 * kPi); }

}  // namespace evgen::physics
