#include "core/expr/functions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/physics/four_vector.h"

namespace evgen::expr {
namespace {

double Call(const char* name, std::initializer_list<double> args) {
  const Function* f = FindFunction(name);
  EXPECT_NE(f, nullptr) << name;
  std::vector<double> a(args);
  EXPECT_EQ(ArityError(*f, static_cast<int>(a.size())), "") << name;
  return f->call(a.data(), static_cast<int>(a.size()));
}

// The pair mass against a hand computation: for massless particles
// m^2 = 2 pt1 pt2 (cosh(eta1 - eta2) - cos(phi1 - phi2)); with muon masses the
// value below was computed separately from E_i = sqrt(pt^2 cosh^2 eta + m^2).
TEST(FunctionsTest, PairMassMatchesTheHandComputation) {
  const double massless = std::sqrt(2 * 30.0 * 40.0 * (std::cosh(0.5 + 1.2) - std::cos(0.1 - 2.9)));
  EXPECT_NEAR(massless, 95.12775996805928, 1e-9);
  EXPECT_NEAR(Call("mass", {30, 0.5, 0.1, 0, 40, -1.2, 2.9, 0}), massless, 1e-9);
  EXPECT_NEAR(Call("mass", {30, 0.5, 0.1, 0.1057, 40, -1.2, 2.9, 0.1057}), 95.1280305684359, 1e-9);
  // Back to back at eta = 0: m = pt1 + pt2.
  EXPECT_NEAR(Call("mass", {45, 0, 0, 0, 45, 0, kPi, 0}), 90.0, 1e-9);
  EXPECT_NEAR(Call("pt_sum", {30, 0.5, 0.1, 0.1057, 40, -1.2, 2.9, 0.1057}), 15.44883110125878, 1e-9);
}

TEST(FunctionsTest, MassFromFourMomentaAndThreeParticles) {
  // Two photons of 10 GeV back to back along x: m = 20.
  EXPECT_NEAR(Call("mass_e", {10, 10, 0, 0, 10, -10, 0, 0}), 20.0, 1e-12);
  // A third, at rest with mass 5: m = 25.
  EXPECT_NEAR(Call("mass_e", {10, 10, 0, 0, 10, -10, 0, 0, 5, 0, 0, 0}), 25.0, 1e-12);
  // Spacelike sums keep their sign, as FourVector::Mass.
  EXPECT_LT(Call("mass_e", {1, 2, 0, 0}), 0);
}

TEST(FunctionsTest, AnglesWrapAndDistancesUseTheWrappedAngle) {
  EXPECT_NEAR(Call("delta_phi", {3, -3}), 6 - 2 * kPi, 1e-12);
  EXPECT_NEAR(Call("delta_phi", {-3, 3}), 2 * kPi - 6, 1e-12);
  EXPECT_NEAR(Call("delta_phi", {kPi, -kPi}), 0, 1e-12);
  EXPECT_NEAR(Call("delta_r", {0.5, 3, -0.5, -3}), std::hypot(1.0, 6 - 2 * kPi), 1e-12);
  EXPECT_NEAR(Call("pt", {3, 4}), 5, 1e-12);
  EXPECT_NEAR(Call("eta", {1, 0, std::sinh(1.5)}), 1.5, 1e-12);
  EXPECT_NEAR(Call("phi", {0, -2}), -kPi / 2, 1e-12);
  EXPECT_NEAR(Call("atan2", {1, -1}), 3 * kPi / 4, 1e-12);
}

TEST(FunctionsTest, BadInputsGiveIeeeValuesNotFailures) {
  EXPECT_TRUE(std::isnan(Call("sqrt", {-1})));
  EXPECT_TRUE(std::isnan(Call("log", {-1})));
  EXPECT_EQ(Call("log", {0}), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isinf(Call("exp", {1e6})));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(Call("min", {1, nan, 0})));
  EXPECT_TRUE(std::isnan(Call("max", {nan, 1})));
  EXPECT_TRUE(std::isnan(Call("mass", {nan, 0, 0, 0, 1, 0, 0, 0})));
  EXPECT_EQ(Call("min", {3, -2, 7}), -2);
  EXPECT_EQ(Call("max", {3, -2, 7}), 7);
}

TEST(FunctionsTest, ArityErrorsSayWhatIsExpected) {
  EXPECT_EQ(ArityError(*FindFunction("sqrt"), 2), "sqrt takes 1 argument, got 2; sqrt(x)");
  EXPECT_EQ(ArityError(*FindFunction("atan2"), 1), "atan2 takes 2 arguments, got 1; atan2(y, x)");
  EXPECT_EQ(ArityError(*FindFunction("min"), 1), "min takes at least 2 arguments, got 1; min(a, b, ...)");
  EXPECT_EQ(ArityError(*FindFunction("mass"), 7),
            "mass takes groups of 4 arguments (pt, eta, phi, m) per particle, at most 16 particles, got 7; "
            "mass(pt, eta, phi, m, ...)");
  EXPECT_EQ(FindFunction("nope"), nullptr);
}

}  // namespace
}  // namespace evgen::expr
