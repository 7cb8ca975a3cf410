#include "core/physics/four_vector.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

// Every expectation below is computed by hand (in the comment beside it).

namespace evgen {
namespace {

constexpr double kTol = 1e-12;

void ExpectNear(const FourVector& a, const FourVector& b, double tol) {
  EXPECT_NEAR(a.e(), b.e(), tol);
  EXPECT_NEAR(a.px(), b.px(), tol);
  EXPECT_NEAR(a.py(), b.py(), tol);
  EXPECT_NEAR(a.pz(), b.pz(), tol);
}

TEST(FourVectorTest, MassOfKnownVectors) {
  // 5^2 - 3^2 - 0 - 0 = 16.
  EXPECT_NEAR(FourVector(5, 3, 0, 0).Mass(), 4.0, kTol);
  // 13^2 - (3^2 + 4^2 + 12^2) = 0: lightlike.
  EXPECT_NEAR(FourVector(13, 3, 4, 12).Mass(), 0.0, kTol);
  // 10^2 - 1 - 4 - 4 = 91.
  EXPECT_NEAR(FourVector(10, 1, 2, 2).M2(), 91.0, kTol);
  EXPECT_NEAR(FourVector(10, 1, 2, 2).Mass(), std::sqrt(91.0), kTol);
  // Spacelike: m^2 = 1 - 4 = -3, reported as -sqrt(3).
  EXPECT_NEAR(FourVector(1, 2, 0, 0).Mass(), -std::sqrt(3.0), kTol);
  // A particle at rest has its energy as mass.
  EXPECT_DOUBLE_EQ(FourVector(80.4, 0, 0, 0).Mass(), 80.4);
}

TEST(FourVectorTest, TransverseQuantities) {
  const FourVector p(13, 3, 4, 12);
  EXPECT_NEAR(p.Pt(), 5.0, kTol);
  EXPECT_NEAR(p.P(), 13.0, kTol);
  EXPECT_NEAR(p.Phi(), std::atan2(4.0, 3.0), kTol);
  // Transverse mass sqrt(E^2 - pz^2) = sqrt(169 - 144) = 5.
  EXPECT_NEAR(p.Mt(), 5.0, kTol);
  // Lightlike: eta = rapidity = asinh(pz / pT) = asinh(12 / 5) = ln(5) (since
  // sinh(ln 5) = (5 - 1/5) / 2 = 2.4).
  EXPECT_NEAR(p.Eta(), std::log(5.0), kTol);
  EXPECT_NEAR(p.Rapidity(), std::log(5.0), kTol);
  // Massive: y = 0.5 ln((E + pz) / (E - pz)) = 0.5 ln(15 / 5) for (10, 6, 0, 5);
  // eta = asinh(5 / 6).
  const FourVector m(10, 6, 0, 5);
  EXPECT_NEAR(m.Rapidity(), 0.5 * std::log(3.0), kTol);
  EXPECT_NEAR(m.Eta(), std::asinh(5.0 / 6.0), kTol);
  EXPECT_LT(m.Rapidity(), m.Eta());  // |y| < |eta| for a massive particle
}

TEST(FourVectorTest, FromPtEtaPhiMRoundTrips) {
  const FourVector p = FourVector::FromPtEtaPhiM(45.0, -1.3, 2.5, 0.1057);
  EXPECT_NEAR(p.Pt(), 45.0, 1e-12);
  EXPECT_NEAR(p.Eta(), -1.3, 1e-12);
  EXPECT_NEAR(p.Phi(), 2.5, 1e-12);
  EXPECT_NEAR(p.Mass(), 0.1057, 1e-9);
  // At eta = 0 the momentum is transverse: E^2 = pT^2 + m^2 = 9 + 16.
  const FourVector q = FourVector::FromPtEtaPhiM(3.0, 0.0, 0.0, 4.0);
  ExpectNear(q, FourVector(5, 3, 0, 0), kTol);
}

TEST(FourVectorTest, EtaAlongTheBeamAxis) {
  EXPECT_EQ(FourVector(5, 0, 0, 5).Eta(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(FourVector(5, 0, 0, -5).Eta(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(FourVector(5, 0, 0, 0).Eta(), 0.0);
  EXPECT_EQ(FourVector(5, 0, 0, 3).Phi(), 0.0);
  // A massive particle along the beam still has a finite rapidity:
  // 0.5 ln((5 + 3) / (5 - 3)) = ln 2.
  EXPECT_NEAR(FourVector(5, 0, 0, 3).Rapidity(), std::log(2.0), kTol);
}

TEST(FourVectorTest, PhiIsInHalfOpenRange) {
  EXPECT_NEAR(FourVector(1, -1, 0, 0).Phi(), kPi, kTol);
  // atan2(-0.0, -1) is -pi; the documented range (-pi, pi] maps it to +pi.
  EXPECT_EQ(FourVector(1, -1, -0.0, 0).Phi(), kPi);
  EXPECT_NEAR(FourVector(1, 0, -1, 0).Phi(), -kPi / 2, kTol);
}

TEST(FourVectorTest, BoostOfParticleAtRest) {
  // A particle of mass 4 boosted with beta = 0.6 along x: gamma = 1.25,
  // E = 5, px = gamma beta m = 3.
  const FourVector rest(4, 0, 0, 0);
  ExpectNear(rest.Boost(0.6, 0, 0), FourVector(5, 3, 0, 0), kTol);
  // |beta| = 0.6 along (0, 0.6, 0.8): beta = (0, 0.36, 0.48), gamma = 1.25,
  // p = gamma m beta = (0, 1.8, 2.4).
  ExpectNear(rest.Boost(0, 0.36, 0.48), FourVector(5, 0, 1.8, 2.4), kTol);
  // BoostToLabFrom a parent with the same four-momentum gives the parent.
  const FourVector parent(5, 0, 1.8, 2.4);
  ExpectNear(FourVector(4, 0, 0, 0).BoostToLabFrom(parent), parent, kTol);
  ExpectNear(parent.BoostToRestFrameOf(parent), rest, kTol);
}

TEST(FourVectorTest, BoostRoundTripAndInvariance) {
  const FourVector p(50, 10, -20, 30);
  const FourVector boosted = p.Boost(0.3, -0.5, 0.7);
  ExpectNear(boosted.Boost(-0.3, 0.5, -0.7), p, 1e-11);
  EXPECT_NEAR(boosted.M2(), p.M2(), 1e-9);
  // Pure z boosts leave px, py exactly unchanged and shift rapidity by atanh(bz).
  const FourVector z = p.Boost(0, 0, 0.5);
  EXPECT_EQ(z.px(), p.px());
  EXPECT_EQ(z.py(), p.py());
  EXPECT_NEAR(z.Rapidity(), p.Rapidity() + std::atanh(0.5), 1e-12);
  // A zero boost is the identity.
  ExpectNear(p.Boost(0, 0, 0), p, 0.0);
  // The dot product is boost invariant.
  const FourVector q(20, -5, 3, 1);
  EXPECT_NEAR(p.Boost(0.2, 0.1, -0.4).Dot(q.Boost(0.2, 0.1, -0.4)), p.Dot(q), 1e-9);
}

TEST(FourVectorTest, RestFrameDecayBoostedGivesParent) {
  // W (m = 80) -> two massless quarks back to back along y in the rest frame,
  // then boosted to a W with momentum (30, -40, 60).
  const double m = 80.0;
  const FourVector w = FourVector::FromMomentumAndMass(30, -40, 60, m);
  const FourVector a = FourVector(40, 0, 40, 0).BoostToLabFrom(w);
  const FourVector b = FourVector(40, 0, -40, 0).BoostToLabFrom(w);
  ExpectNear(a + b, w, 1e-11);
  EXPECT_NEAR(a.Mass(), 0.0, 1e-5);
  EXPECT_NEAR(InvariantMass({a, b}), m, 1e-11);
  // Unequal masses: t (172.5) -> b (4.7) + W (80.4) with the two-body momentum
  // p* = sqrt[(M^2 - (m1 + m2)^2)(M^2 - (m1 - m2)^2)] / (2M).
  const double mt = 172.5, mb = 4.7, mw = 80.4;
  const double ps =
      std::sqrt((mt * mt - (mb + mw) * (mb + mw)) * (mt * mt - (mb - mw) * (mb - mw))) / (2 * mt);
  const FourVector top = FourVector::FromMomentumAndMass(-100, 20, 400, mt);
  const FourVector bq = FourVector::FromMomentumAndMass(0, 0, ps, mb).BoostToLabFrom(top);
  const FourVector wb = FourVector::FromMomentumAndMass(0, 0, -ps, mw).BoostToLabFrom(top);
  ExpectNear(bq + wb, top, 1e-10);
  EXPECT_NEAR(bq.Mass(), mb, 1e-9);
  EXPECT_NEAR(wb.Mass(), mw, 1e-9);
}

TEST(FourVectorTest, DeltaPhiWrapsToHalfOpenInterval) {
  EXPECT_NEAR(DeltaPhi(0.5, 0.2), 0.3, kTol);
  EXPECT_NEAR(DeltaPhi(0.2, 0.5), -0.3, kTol);
  // Across the +-pi seam: 3.0 - (-3.0) = 6.0 -> 6.0 - 2 pi.
  EXPECT_NEAR(DeltaPhi(3.0, -3.0), 6.0 - 2 * kPi, kTol);
  EXPECT_NEAR(DeltaPhi(-3.0, 3.0), 2 * kPi - 6.0, kTol);
  // Exactly pi apart, either way round, is +pi (the interval is (-pi, pi]).
  EXPECT_EQ(DeltaPhi(kPi, 0.0), kPi);
  EXPECT_EQ(DeltaPhi(0.0, kPi), kPi);
  EXPECT_EQ(DeltaPhi(-kPi, 0.0), kPi);
  EXPECT_EQ(DeltaPhi(kPi / 2, -kPi / 2), kPi);
  EXPECT_EQ(DeltaPhi(-kPi / 2, kPi / 2), kPi);
  // Multiples of 2 pi vanish.
  EXPECT_NEAR(DeltaPhi(1.0 + 4 * kPi, 1.0), 0.0, 1e-12);
  // Just inside the edges.
  EXPECT_NEAR(DeltaPhi(kPi - 1e-9, 0.0), kPi - 1e-9, 1e-15);
  EXPECT_NEAR(DeltaPhi(-kPi + 1e-9, 0.0), -kPi + 1e-9, 1e-15);
  // Four-vector version: (1, 0) and (-1, 0) are pi apart.
  EXPECT_NEAR(DeltaPhi(FourVector(1, 1, 0, 0), FourVector(1, -1, 0, 0)), kPi, kTol);
  // 170 - (-170) = 340 degrees -> 340 - 360 = -20 degrees.
  EXPECT_NEAR(DeltaPhi(170 * kPi / 180, -170 * kPi / 180), -20 * kPi / 180, kTol);
}

TEST(FourVectorTest, DeltaR) {
  // deta = 0.3 - (-0.1) = 0.4, dphi = 0.3: dR = 0.5.
  const FourVector a = FourVector::FromPtEtaPhiM(30, 0.3, 1.0, 0);
  const FourVector b = FourVector::FromPtEtaPhiM(40, -0.1, 0.7, 0);
  EXPECT_NEAR(DeltaR(a, b), 0.5, 1e-12);
  // Across the seam: phi 3.0 and -3.0 are 2 pi - 6 apart, deta = 0.
  const FourVector c = FourVector::FromPtEtaPhiM(30, 1.0, 3.0, 0);
  const FourVector d = FourVector::FromPtEtaPhiM(30, 1.0, -3.0, 0);
  EXPECT_NEAR(DeltaR(c, d), 2 * kPi - 6.0, 1e-12);
}

TEST(FourVectorTest, InvariantMassOfSubsets) {
  // Two photons of 50 GeV back to back: m = 100.
  const FourVector g1(50, 0, 0, 50), g2(50, 0, 0, -50);
  EXPECT_NEAR(InvariantMass({g1, g2}), 100.0, kTol);
  // Two 50 GeV photons at 90 degrees: m^2 = 2 E1 E2 (1 - cos) = 5000.
  const FourVector g3(50, 50, 0, 0);
  EXPECT_NEAR(InvariantMass({g1, g3}), std::sqrt(5000.0), 1e-12);
  // All three: total (150, 50, 0, 0): m^2 = 22500 - 2500 = 20000.
  EXPECT_NEAR(InvariantMass({g1, g2, g3}), std::sqrt(20000.0), 1e-12);
  // A single particle is its own mass; the empty set has mass 0.
  EXPECT_NEAR(InvariantMass({FourVector(5, 3, 0, 0)}), 4.0, kTol);
  EXPECT_EQ(InvariantMass({}), 0.0);
  // Sum and difference.
  ExpectNear(g1 + g2 - g2, g1, 0.0);
  EXPECT_NEAR(g1.Dot(g3), 2500.0, kTol);
}

}  // namespace
}  // namespace evgen
