#include "core/metrics/particle_columns.h"

#include <gtest/gtest.h>

#include <cmath>

namespace evgen {
namespace {

// Two muons back to back along x with 45 GeV each: m = 90 whatever layout.
TEST(ParticleColumnsTest, ReadsEveryLayoutToTheSameMass) {
  Table evgen_style({"a_e_gev", "a_px_gev", "a_py_gev", "a_pz_gev", "b_e_gev", "b_px_gev", "b_py_gev", "b_pz_gev"});
  evgen_style.AppendRow({45, 45, 0, 0, 45, -45, 0, 0});
  Table cms_four({"E1", "px1", "py1", "pz1", "E2", "px2", "py2", "pz2"});
  cms_four.AppendRow({45, 45, 0, 0, 45, -45, 0, 0});
  Table cms_angles({"pt1", "eta1", "phi1", "pt2", "eta2", "phi2"});
  cms_angles.AppendRow({45, 0, 0, 45, 0, 3.14159265f});
  auto a = ParticleGroupMass(evgen_style, {"a", "b"}, 0);
  auto b = ParticleGroupMass(cms_four, {"1", "2"}, 0);
  auto c = ParticleGroupMass(cms_angles, {"1", "2"}, 0);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_NEAR(a->masses[0], 90, 1e-9);
  EXPECT_NEAR(b->masses[0], 90, 1e-9);
  EXPECT_NEAR(c->masses[0], 90, 1e-4);
  EXPECT_EQ(b->description, "particles 1,2 (E1, px1, py1, pz1; E2, px2, py2, pz2)");
  EXPECT_EQ(c->description, "particles 1,2 (pt1, eta1, phi1; pt2, eta2, phi2)");
  // A mass for (pt, eta, phi) particles: m^2 = 2 m^2 + 2 (E^2 + p^2) with E^2 = p^2 + m^2.
  auto heavy = ParticleGroupMass(cms_angles, {"1", "2"}, 10);
  ASSERT_TRUE(heavy.ok());
  EXPECT_NEAR(heavy->masses[0], 2 * std::sqrt(45.0 * 45 + 100), 1e-4);
}

TEST(ParticleColumnsTest, FourMomentaWinOverAnglesWhenATableHasBoth) {
  Table t({"E1", "px1", "py1", "pz1", "pt1", "eta1", "phi1"});
  t.AppendRow({10, 0, 0, 0, 99, 0, 0});
  auto m = ParticleGroupMass(t, {"1"}, 0);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->masses[0], 10, 1e-12);
}

TEST(ParticleColumnsTest, AMissingParticleNamesTheSetsTried) {
  Table t({"pt1", "eta1"});
  t.AppendRow({1, 2});
  auto m = ParticleGroupMass(t, {"1"}, 0);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "metrics.options.particles: particle '1' has none of the column sets 1_e_gev,1_px_gev,1_py_gev,1_pz_gev / "
            "E1,px1,py1,pz1 / pt1,eta1,phi1; columns: pt1, eta1");
  EXPECT_EQ(ParticleGroupMass(t, {}, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
