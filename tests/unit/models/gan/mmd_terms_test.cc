// MmdTerms: the masses it computes from model-space rows equal those of
// the physical events, whether a momentum is standardized (one column) or
// rebuilt by momentum-balance from the others (p6's px and py).
#include <gtest/gtest.h>

#include <cmath>

#include "core/data/transforms.h"
#include "core/models/gan/mmd_terms.h"
#include "core/physics/ttbar.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

using nlohmann::json;

json Chain(bool balance) {
  json particles = json::array(), momenta = json::array(), names = json::array();
  for (int i = 1; i <= 6; ++i) {
    particles.push_back({{"prefix", "p" + std::to_string(i)}, {"mass_gev", (i == 3 || i == 6) ? 4.7 : 0.0}});
    names.push_back("p" + std::to_string(i));
    for (const char* c : {"px", "py", "pz"}) {
      const std::string column = "p" + std::to_string(i) + "_" + c + "_gev";
      if (balance && i == 6 && std::string(c) != "pz") continue;
      momenta.push_back(column);
    }
  }
  json chain = json::array({{{"kind", "on-shell"}, {"particles", particles}}});
  if (balance) chain.push_back({{"kind", "momentum-balance"}, {"particles", names}, {"drop", "p6"}});
  chain.push_back({{"kind", "standardize"}, {"columns", momenta}});
  return chain;
}

// Mass of particles p4+p5+p6 computed directly from the physical columns.
double TopMass(const Table& t, int64_t r) {
  double e = 0, px = 0, py = 0, pz = 0;
  for (int i = 4; i <= 6; ++i) {
    const std::string p = "p" + std::to_string(i) + "_";
    e += t.at(r, *t.ColumnIndex(p + "e_gev"));
    px += t.at(r, *t.ColumnIndex(p + "px_gev"));
    py += t.at(r, *t.ColumnIndex(p + "py_gev"));
    pz += t.at(r, *t.ColumnIndex(p + "pz_gev"));
  }
  return std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz));
}

TEST(MmdTermsTest, MassesFromModelSpaceMatchThePhysicalEventsWithAndWithoutMomentumBalance) {
  const Table events = *GenerateTtbarAllhad(400, 7, {});
  std::vector<std::string> targets;
  for (int i = 1; i <= 6; ++i) {
    for (const char* c : {"e", "px", "py", "pz"}) targets.push_back("p" + std::to_string(i) + "_" + c + "_gev");
  }
  const Table physical = *events.SelectColumns(targets);
  for (bool balance : {false, true}) {
    SCOPED_TRACE(balance ? "momentum-balance" : "standardize only");
    const json spec = Chain(balance);
    absl::StatusOr<TransformChain> chain = TransformChain::FromJson(spec);
    ASSERT_TRUE(chain.ok()) << chain.status();
    ASSERT_TRUE(chain->Fit(physical).ok());
    const Table model = *chain->Forward(physical);
    EXPECT_EQ(model.num_columns(), balance ? 16 : 18);
    MmdTermSpec top;
    top.particles = {"p4", "p5", "p6"};
    top.widths = {1.32};
    absl::StatusOr<MmdTerms> terms = MmdTerms::Create({top}, model.columns(), *chain, spec);
    ASSERT_TRUE(terms.ok()) << terms.status();
    const torch::Tensor x =
        torch::from_blob(const_cast<float*>(model.values().data()), {model.num_rows(), model.num_columns()},
                         torch::kFloat32)
            .clone();
    const torch::Tensor masses = terms->Masses(x)[0];
    for (int64_t r = 0; r < model.num_rows(); r += 37) {
      EXPECT_NEAR(masses[r].item<double>(), TopMass(physical, r), 0.05) << "row " << r;
    }
  }
}

TEST(MmdTermsTest, ANonLinearTransformOnAMomentumIsRefusedNamingTheColumn) {
  const Table events = *GenerateTtbarAllhad(50, 7, {});
  const Table physical = *events.SelectColumns({"p1_e_gev", "p1_px_gev", "p1_py_gev", "p1_pz_gev"});
  const json spec = json::array({{{"kind", "log"}, {"columns", {"p1_e_gev"}}, {"offset", 1}}});
  TransformChain chain = *TransformChain::FromJson(spec);
  ASSERT_TRUE(chain.Fit(physical).ok());
  MmdTermSpec one;
  one.particles = {"p1"};
  one.widths = {2};
  absl::StatusOr<MmdTerms> terms = MmdTerms::Create({one}, physical.columns(), chain, spec);
  ASSERT_FALSE(terms.ok());
  EXPECT_NE(terms.status().message().find("column 'p1_e_gev' goes through a non-linear transform"), std::string::npos)
      << terms.status();
}

}  // namespace
}  // namespace evgen
