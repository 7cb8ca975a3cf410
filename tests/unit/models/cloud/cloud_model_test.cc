// Tests of the jet-cloud set GAN (core/models/cloud): the set networks'
// permutation symmetry with padding, config and table validation, the
// long sample layout, chunk independence, save/load, exact resume, and that
// a short fit moves the multiplicity distribution towards the truth.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/cloud_networks.h"
#include "core/models/cloud/cloud_trainer.h"
#include "core/models/cloud/jet_efps.h"
#include "core/models/cloud/jet_features.h"
#include "core/models/cloud/member_density.h"
#include "core/models/cloud/pair_angles.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/gan/gan_losses.h"
#include "absl/strings/str_cat.h"
#include "core/models/cloud/given_jet.h"
#include "core/models/conditions_stage.h"
#include "core/models/model_registry.h"
#include "core/models/nn/set_mask.h"
#include "core/models/nn/whitening.h"
#include "core/io/massless_sum.h"
#include "core/metrics/efp.h"
#include "core/physics/jet_clouds.h"
#include "core/random/counter_rng.h"
#include "nlohmann/json.hpp"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using nlohmann::json;

constexpr const char* kKind = "jet-cloud-gan";

// TinyConfig: the smallest networks that still exercise every part.
json TinyConfig(int64_t steps) {
  return {{"noise", {{"global_dim", 4}, {"member_dim", 2}}},
          {"sizes_generator", {{"hidden", {32, 32}}}},
          {"sizes_discriminator", {{"hidden", {32, 16}}, {"activation", "swish"}, {"norm", "batch"}}},
          {"set_generator", {{"blocks", {8}}, {"heads", 2}, {"inducing", 2}}},
          {"set_discriminator", {{"blocks", {8}}, {"heads", 2}, {"inducing", 2}, {"head", {8}}}},
          {"optimizer", {{"lr_g", 5e-4}, {"lr_d", 5e-4}}},
          {"batch_size", 32},
          {"steps", steps},
          {"evaluate_every", 20},
          {"checkpoint_every", 15}};
}

const Table& Reference() {
  static const Table table = *GenerateJetClouds(300, 11, {{"top_fraction", 0.5}});
  return table;
}

std::unique_ptr<Model> Fitted(const json& config, uint64_t seed = 3) {
  auto model = CreateModel(kKind, config);
  EXPECT_TRUE(model.ok()) << model.status();
  FitContext ctx;
  ctx.seed = seed;
  const absl::Status s = (*model)->Fit(Reference(), ctx);
  EXPECT_TRUE(s.ok()) << s;
  return std::move(*model);
}

// Shared: a conditional tiny model fitted once for the sampling tests.
Model& ConditionalModel() {
  static std::unique_ptr<Model> model = [] {
    json c = TinyConfig(10);
    c["condition_columns"] = {"is_top"};
    return Fitted(c);
  }();
  return *model;
}

Table Conditions(int64_t jets) {
  Table t({"is_top"});
  for (int64_t j = 0; j < jets; ++j) t.AppendRow({static_cast<float>(j % 2)});
  return t;
}

Table ConditionsSlice(const Table& t, int64_t begin, int64_t end) {
  std::vector<int64_t> rows;
  for (int64_t r = begin; r < end; ++r) rows.push_back(r);
  return t.SelectRows(rows);
}

CloudConfig ParsedTinyConfig(const std::vector<std::string>& conditions) {
  json c = TinyConfig(1);
  c["condition_columns"] = conditions;
  c["max_constituents"] = 12;
  return *CloudConfig::FromJson(c);
}

TEST(CloudNetworksTest, SetGeneratorIsPermutationEquivariantWithPadding) {
  torch::manual_seed(5);
  const CloudConfig config = ParsedTinyConfig({"is_top"});
  CloudGenerator g(config, *MlpSpec::FromJson(config.sizes_generator, "g"), 4);
  g->eval();
  const torch::Tensor sizes = torch::tensor({5, 12, 1}, torch::kLong);
  const torch::Tensor mask = SizeMask(sizes, 12);
  const torch::Tensor noise = torch::randn({3, 12, 2}), set_noise = torch::randn({3, 4}), cond = torch::randn({3, 1});
  const torch::Tensor y = g->Members(noise, set_noise, sizes, cond, mask);
  // Permute the 5 real members of jet 0 and fill its padding with garbage.
  const torch::Tensor perm = torch::cat({torch::tensor({3, 0, 4, 1, 2}, torch::kLong), torch::arange(5, 12)});
  torch::Tensor shuffled = noise.clone();
  shuffled[0] = noise[0].index_select(0, perm);
  shuffled[0].slice(0, 5, 12).fill_(1e4);
  const torch::Tensor y2 = g->Members(shuffled, set_noise, sizes, cond, mask);
  EXPECT_LT((y[0].index_select(0, perm).slice(0, 0, 5) - y2[0].slice(0, 0, 5)).abs().max().item<double>(), 1e-5);
  EXPECT_LT((y.slice(0, 1, 3) - y2.slice(0, 1, 3)).abs().max().item<double>(), 1e-5) << "jets stay apart";
  EXPECT_EQ(y2[0].slice(0, 5, 12).abs().max().item<double>(), 0) << "padding comes out zero";
}

TEST(CloudNetworksTest, SetDiscriminatorIsPermutationInvariantWithPadding) {
  torch::manual_seed(6);
  const CloudConfig config = ParsedTinyConfig({});
  CloudDiscriminator d(config, *MlpSpec::FromJson(config.sizes_discriminator, "d"), 4);
  d->eval();
  const torch::Tensor sizes = torch::tensor({7, 12}, torch::kLong);
  const torch::Tensor mask = SizeMask(sizes, 12);
  const torch::Tensor x = torch::randn({2, 12, 4}), cond = torch::zeros({2, 0});
  const torch::Tensor score = d->SetScore(x, mask, sizes, cond);
  torch::Tensor shuffled = x.clone();
  shuffled[0].slice(0, 0, 7).copy_(x[0].slice(0, 0, 7).index_select(0, torch::randperm(7, torch::kLong)));
  shuffled[0].slice(0, 7, 12).normal_(0, 100);
  shuffled[1].copy_(x[1].index_select(0, torch::randperm(12, torch::kLong)));
  EXPECT_LT((score - d->SetScore(shuffled, mask, sizes, cond)).abs().max().item<double>(), 1e-5);
}

// ReversedWithNoisyPadding: jets x [B, N, T] with jet 0's n0 real members
// in reverse order and its padding replaced by noise far from any real
// value; what the jet features and densities must not notice.
torch::Tensor ReversedWithNoisyPadding(const torch::Tensor& x, int64_t n0) {
  torch::Tensor shuffled = x.clone();
  shuffled[0].slice(0, 0, n0).copy_(x[0].slice(0, 0, n0).flip(0));
  shuffled[0].slice(0, n0).normal_(0, 100);
  return shuffled;
}

// ExpectSymmetricWithRealGradients: `features` (members, mask) -> [B, K] of
// the first two jets of `data` does not change with their order, their
// padding or two of jet 0's members coinciding, and passes finite
// gradients to jet 0's real members only.
void ExpectSymmetricWithRealGradients(
    const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& features, const JetSets& data) {
  torch::Tensor x = data.members.slice(0, 0, 2).clone();
  const torch::Tensor m = SizeMask(data.sizes, data.members.size(1)).slice(0, 0, 2);
  const int64_t n0 = data.sizes[0].item<int64_t>();
  x[0][1] = x[0][0];
  const torch::Tensor shuffled = ReversedWithNoisyPadding(x, n0);
  EXPECT_LT((features(x, m) - features(shuffled, m)).abs().max().item<double>(), 1e-4);
  x.requires_grad_(true);
  features(x, m).sum().backward();
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_GT(x.grad()[0].slice(0, 0, n0).abs().sum().item<double>(), 0);
  EXPECT_EQ(x.grad()[0].slice(0, n0).abs().sum().item<double>(), 0) << "padding gets no gradient";
}

// JetFeatures must be the jet's massless sum (the one W1M is measured on),
// blind to padding and to the order of the members, and differentiable in
// the members, or the discriminator would judge something else.
TEST(CloudNetworksTest, JetFeaturesAreTheMasslessSumOfTheConstituents) {
  json c = TinyConfig(1);
  c["jet_features"] = true;
  const CloudConfig config = *CloudConfig::FromJson(c);
  const JetSets data = *ReadJetSets(Reference(), config);
  const JetFeatureMap map = *MakeJetFeatureMap(config, data);
  const torch::Tensor mask = SizeMask(data.sizes, data.members.size(1));
  const torch::Tensor f = JetFeatures(data.members, mask, map);
  ASSERT_EQ(f.sizes(), (std::vector<int64_t>{data.sizes.size(0), 2}));
  EXPECT_NEAR(f.select(1, 0).mean().item<double>(), 0, 1e-3) << "standardised over the training jets";
  EXPECT_NEAR(f.select(1, 1).std().item<double>(), 1, 1e-3);
  // Jet 0 by hand from the table's rows.
  const Table& t = Reference();
  const int jet = *t.ColumnIndex("jet"), log_pt = *t.ColumnIndex("log_pt"), eta = *t.ColumnIndex("eta_rel"),
            phi = *t.ColumnIndex("phi_rel");
  MasslessSum sum;
  for (int64_t r = 0; r < t.num_rows() && t.at(r, jet) == t.at(0, jet); ++r) {
    sum.Add(std::exp(t.at(r, log_pt)), t.at(r, eta), t.at(r, phi));
  }
  const double pt = std::exp(f[0][0].item<double>() * map.feature_scale[0] + map.feature_mean[0]);
  const double m2 = std::exp(2 * (f[0][1].item<double>() * map.feature_scale[1] + map.feature_mean[1])) - 1;
  EXPECT_NEAR(pt, sum.pt(), 1e-3 * sum.pt());
  EXPECT_NEAR(std::sqrt(m2), sum.mass(), 1e-2 * sum.mass());
  // Padding and order do not matter; gradients reach the members.
  const auto features = [&map](const torch::Tensor& x, const torch::Tensor& m) { return JetFeatures(x, m, map); };
  ExpectSymmetricWithRealGradients(features, data);
}

// The shapes come after pT and mass, are the girth and pT_D of the
// constituents as a physicist computes them, and keep their gradient
// finite for a member on the axis (where the distance has no derivative).
TEST(CloudNetworksTest, JetShapesAreGirthAndPtDispersion) {
  json c = TinyConfig(1);
  c["jet_features"] = true;
  c["jet_shapes"] = true;
  const CloudConfig config = *CloudConfig::FromJson(c);
  const JetSets data = *ReadJetSets(Reference(), config);
  const JetFeatureMap map = *MakeJetFeatureMap(config, data);
  ASSERT_EQ(JetFeatureCount(map), 4);
  const torch::Tensor mask = SizeMask(data.sizes, data.members.size(1));
  const torch::Tensor f = JetFeatures(data.members, mask, map);
  ASSERT_EQ(f.size(1), 4);
  EXPECT_NEAR(f.select(1, 2).mean().item<double>(), 0, 1e-3) << "standardised over the training jets";
  EXPECT_NEAR(f.select(1, 3).std().item<double>(), 1, 1e-3);
  const Table& t = Reference();
  const int jet = *t.ColumnIndex("jet"), log_pt = *t.ColumnIndex("log_pt"), eta = *t.ColumnIndex("eta_rel"),
            phi = *t.ColumnIndex("phi_rel");
  double sum_pt = 0, sum_pt_r = 0, sum_pt2 = 0;
  for (int64_t r = 0; r < t.num_rows() && t.at(r, jet) == t.at(0, jet); ++r) {
    const double pt = std::exp(t.at(r, log_pt));
    sum_pt += pt;
    sum_pt_r += pt * std::hypot(t.at(r, eta), t.at(r, phi));
    sum_pt2 += pt * pt;
  }
  const double girth = f[0][2].item<double>() * map.feature_scale[2] + map.feature_mean[2];
  const double ptd = f[0][3].item<double>() * map.feature_scale[3] + map.feature_mean[3];
  EXPECT_NEAR(girth, sum_pt_r / sum_pt, 1e-4);
  EXPECT_NEAR(ptd, std::sqrt(sum_pt2) / sum_pt, 1e-4);
  // Shapes alone: two features, the same values.
  c["jet_features"] = false;
  const JetFeatureMap shapes_only = *MakeJetFeatureMap(*CloudConfig::FromJson(c), data);
  const torch::Tensor g = JetFeatures(data.members, mask, shapes_only);
  ASSERT_EQ(g.size(1), 2);
  EXPECT_LT((g - f.slice(1, 2, 4)).abs().max().item<double>(), 1e-6);
  // A member on the axis, padding and order: finite gradients on the real
  // members only, the same features in any order.
  torch::Tensor x = data.members.slice(0, 0, 2).clone();
  const torch::Tensor m = mask.slice(0, 0, 2);
  const int64_t n0 = data.sizes[0].item<int64_t>();
  x[0][0][map.eta] = -map.eta_mean / map.eta_scale;
  x[0][0][map.phi] = -map.phi_mean / map.phi_scale;
  const torch::Tensor shuffled = ReversedWithNoisyPadding(x, n0);
  EXPECT_LT((JetFeatures(x, m, map) - JetFeatures(shuffled, m, map)).abs().max().item<double>(), 1e-4);
  x.requires_grad_(true);
  JetFeatures(x, m, map).sum().backward();
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_GT(x.grad()[0].slice(0, 0, n0).abs().sum().item<double>(), 0);
  EXPECT_EQ(x.grad()[0].slice(0, n0).abs().sum().item<double>(), 0) << "padding gets no gradient";
}

// The densities are what their definition says for a member of a real
// jet, standardised over the training constituents, follow their member
// when the order changes, ignore padding, and pass finite gradients to
// the real members only.
TEST(CloudNetworksTest, MemberDensityIsTheShareOfPtNearEachMember) {
  json c = TinyConfig(1);
  c["local_density"] = {0.05, 0.3};
  const CloudConfig config = *CloudConfig::FromJson(c);
  const JetSets data = *ReadJetSets(Reference(), config);
  const MemberDensityMap map = **MakeMemberDensityMap(config, data);
  const torch::Tensor mask = SizeMask(data.sizes, data.members.size(1));
  const torch::Tensor rho = MemberDensity(data.members, mask, map);
  ASSERT_EQ(rho.sizes(), (std::vector<int64_t>{data.sizes.size(0), data.members.size(1), 2}));
  const torch::Tensor real = rho.index({mask});
  EXPECT_NEAR(real.select(1, 0).mean().item<double>(), 0, 1e-3) << "standardised over the training constituents";
  EXPECT_NEAR(real.select(1, 1).std().item<double>(), 1, 1e-3);
  // Member 2 of jet 0 by hand from the table's rows.
  const Table& t = Reference();
  const int jet = *t.ColumnIndex("jet"), log_pt = *t.ColumnIndex("log_pt"), eta = *t.ColumnIndex("eta_rel"),
            phi = *t.ColumnIndex("phi_rel"), constituent = *t.ColumnIndex("constituent");
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < t.num_rows() && t.at(r, jet) == t.at(0, jet); ++r) rows.push_back(r);
  ASSERT_GT(rows.size(), 3u);
  ASSERT_EQ(t.at(rows[2], constituent), 2);
  double sum_pt = 0, near[2] = {0, 0};
  for (const int64_t r : rows) {
    const double pt = std::exp(t.at(r, log_pt));
    const double d2 = std::pow(t.at(r, eta) - t.at(rows[2], eta), 2) + std::pow(t.at(r, phi) - t.at(rows[2], phi), 2);
    sum_pt += pt;
    for (int k = 0; k < 2; ++k) near[k] += pt * std::exp(-d2 / (2 * map.scales[k] * map.scales[k]));
  }
  for (int k = 0; k < 2; ++k) {
    const double physical = rho[0][2][k].item<double>() * map.scaling.sd[k] + map.scaling.mean[k];
    EXPECT_NEAR(physical, near[k] / sum_pt, 1e-4) << "scale " << k;
  }
  // Order and padding; gradients of the real rows.
  torch::Tensor x = data.members.slice(0, 0, 2).clone();
  const torch::Tensor m = mask.slice(0, 0, 2);
  const int64_t n0 = data.sizes[0].item<int64_t>();
  const torch::Tensor shuffled = ReversedWithNoisyPadding(x, n0);
  const torch::Tensor a = MemberDensity(x, m, map), b = MemberDensity(shuffled, m, map);
  EXPECT_LT((a[0].slice(0, 0, n0).flip(0) - b[0].slice(0, 0, n0)).abs().max().item<double>(), 1e-4);
  EXPECT_LT((a[1] - b[1]).abs().max().item<double>(), 1e-6) << "jets stay apart";
  x.requires_grad_(true);
  (MemberDensity(x, m, map) * m.unsqueeze(2)).sum().backward();
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_GT(x.grad()[0].slice(0, 0, n0).abs().sum().item<double>(), 0);
  EXPECT_EQ(x.grad()[0].slice(0, n0).abs().sum().item<double>(), 0) << "padding gets no gradient";
}

// The pair angles are what their definition says for a real jet,
// standardised over the training jets, do not change with the order or the
// padding, are 0 for a jet of one member, and pass finite gradients to the
// real members only, also where two members coincide.
TEST(CloudNetworksTest, PairAnglesAreTheHardPairWeightedMeanAngle) {
  json c = TinyConfig(1);
  c["pair_angles"] = {1, 3};
  const CloudConfig config = *CloudConfig::FromJson(c);
  const JetSets data = *ReadJetSets(Reference(), config);
  const PairAngleMap map = **MakePairAngleMap(config, data);
  const torch::Tensor mask = SizeMask(data.sizes, data.members.size(1));
  const torch::Tensor a = PairAngles(data.members, mask, map);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{data.sizes.size(0), 2}));
  EXPECT_NEAR(a.select(1, 0).mean().item<double>(), 0, 1e-3) << "standardised over the training jets";
  EXPECT_NEAR(a.select(1, 1).std(/*unbiased=*/false).item<double>(), 1, 1e-4) << "over jets, not samples";
  // Jet 0 by hand from the table's rows.
  const Table& t = Reference();
  const int jet = *t.ColumnIndex("jet"), log_pt = *t.ColumnIndex("log_pt"), eta = *t.ColumnIndex("eta_rel"),
            phi = *t.ColumnIndex("phi_rel");
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < t.num_rows() && t.at(r, jet) == t.at(0, jet); ++r) rows.push_back(r);
  ASSERT_GT(rows.size(), 3u);
  double sum_pt = 0;
  for (const int64_t r : rows) sum_pt += std::exp(t.at(r, log_pt));
  for (int k = 0; k < 2; ++k) {
    double weighted = 0, weight = 0;
    for (const int64_t i : rows) {
      for (const int64_t j : rows) {
        if (i == j) continue;
        const double w = std::pow(std::exp(t.at(i, log_pt)) * std::exp(t.at(j, log_pt)) / (sum_pt * sum_pt),
                                  map.powers[k]);
        weighted += w * std::hypot(t.at(i, eta) - t.at(j, eta), t.at(i, phi) - t.at(j, phi));
        weight += w;
      }
    }
    const double physical = a[0][k].item<double>() * map.scaling.sd[k] + map.scaling.mean[k];
    EXPECT_NEAR(physical, weighted / weight, 1e-4) << "power " << k;
  }
  const auto angles = [&map](const torch::Tensor& x, const torch::Tensor& m) { return PairAngles(x, m, map); };
  ExpectSymmetricWithRealGradients(angles, data);
  // A jet of one member: no pair, the unscaled feature 0, finite gradients.
  torch::Tensor lone = data.members.slice(0, 0, 1).clone().requires_grad_(true);
  const torch::Tensor lone_mask = SizeMask(torch::ones({1}, torch::kInt64), lone.size(1));
  const torch::Tensor b = PairAngles(lone, lone_mask, map);
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(b[0][k].item<double>() * map.scaling.sd[k] + map.scaling.mean[k], 0, 1e-6);
  }
  b.sum().backward();
  EXPECT_TRUE(torch::isfinite(lone.grad()).all().item<bool>());
}

// The jet EFPs are the metrics' EFPs (core/metrics/efp.h) of the same
// graphs, in the same order, standardised over the training jets; they do
// not change with the order or the padding, and pass finite gradients to
// the real members only, also where two members coincide and for a jet of
// one member.
// ExpectMetricsEfps: `map`'s EFPs of the first two reference jets equal
// efp.h's of the first JetEfpCount(map.edges) connected graphs.
void ExpectMetricsEfps(const JetSets& data, const JetEfpMap& map) {
  const torch::Tensor mask = SizeMask(data.sizes, data.members.size(1));
  const torch::Tensor e = JetEfps(data.members, mask, map);
  const int64_t count = JetEfpCount(map.edges);
  ASSERT_EQ(e.sizes(), (std::vector<int64_t>{data.sizes.size(0), count}));
  EXPECT_NEAR(e.select(1, 5).mean().item<double>(), 0, 1e-3) << "standardised over the training jets";
  EXPECT_NEAR(e.select(1, 7).std(/*unbiased=*/false).item<double>(), 1, 1e-4) << "over jets, not samples";
  const std::vector<Multigraph>& graphs = EfpGraphs(EfpSet::kDUpTo4Connected);
  const Table& t = Reference();
  const int jet = *t.ColumnIndex("jet"), log_pt = *t.ColumnIndex("log_pt"), eta = *t.ColumnIndex("eta_rel"),
            phi = *t.ColumnIndex("phi_rel");
  int64_t r = 0;
  for (int64_t j = 0; j < 2; ++j) {
    std::vector<double> pt, y, f;
    for (const double id = t.at(r, jet); r < t.num_rows() && t.at(r, jet) == id; ++r) {
      pt.push_back(std::exp(t.at(r, log_pt)));
      y.push_back(t.at(r, eta));
      f.push_back(t.at(r, phi));
    }
    ASSERT_GT(pt.size(), 3u);
    const std::vector<double> truth = *EfpsOfJet(pt, y, f, EfpSet::kDUpTo4Connected);
    for (int64_t k = 0; k < count; ++k) {
      const double log_efp = e[j][k].item<double>() * map.scaling.sd[k] + map.scaling.mean[k];
      EXPECT_NEAR(std::exp(log_efp) - kJetEfpLogFloor, truth[k], 1e-4 * truth[k])
          << "jet " << j << ", " << EfpGraphText(graphs[k]);
    }
  }
  const auto efps = [&map](const torch::Tensor& x, const torch::Tensor& m) { return JetEfps(x, m, map); };
  ExpectSymmetricWithRealGradients(efps, data);
  torch::Tensor lone = data.members.slice(0, 0, 1).clone().requires_grad_(true);
  JetEfps(lone, SizeMask(torch::ones({1}, torch::kInt64), lone.size(1)), map).sum().backward();
  EXPECT_TRUE(torch::isfinite(lone.grad()).all().item<bool>());
}

TEST(CloudNetworksTest, JetEfpsAreTheMetricsEfpsOfTheConnectedGraphsUpToThreeEdges) {
  const std::vector<Multigraph>& graphs = EfpGraphs(EfpSet::kDUpTo4Connected);
  const char* expected[] = {"0-1", "0-1 0-1", "0-1 0-2", "0-1 0-1 0-1", "0-1 0-1 0-2", "0-1 0-2 1-2",
                            "0-1 0-2 0-3", "0-1 0-2 1-3"};
  for (int k = 0; k < kJetEfpCount; ++k) EXPECT_EQ(EfpGraphText(graphs[k]), expected[k]) << k;
  json c = TinyConfig(1);
  c["jet_efps"] = true;
  const CloudConfig config = *CloudConfig::FromJson(c);
  const JetSets data = *ReadJetSets(Reference(), config);
  ExpectMetricsEfps(data, **MakeJetEfpMap(config, data));
}

// config.efp_mmd's EFPs with edges 4: the 12 connected graphs of 4 edges
// follow, each a closed form checked against efp.h.
TEST(CloudNetworksTest, JetEfpsOfFourEdgesAreTheMetricsEfps) {
  const std::vector<Multigraph>& graphs = EfpGraphs(EfpSet::kDUpTo4Connected);
  ASSERT_EQ(static_cast<int64_t>(graphs.size()), JetEfpCount(4));
  const char* expected[] = {"0-1 0-1 0-1 0-1", "0-1 0-1 0-1 0-2", "0-1 0-1 0-2 0-2", "0-1 0-1 0-2 1-2",
                            "0-1 0-1 0-2 0-3", "0-1 0-1 0-2 1-3", "0-1 0-1 0-2 2-3", "0-1 0-2 0-3 1-2",
                            "0-1 0-2 1-3 2-3", "0-1 0-2 0-3 0-4", "0-1 0-2 0-3 1-4", "0-1 0-2 1-3 2-4"};
  for (int k = 0; k < 12; ++k) EXPECT_EQ(EfpGraphText(graphs[kJetEfpCount + k]), expected[k]) << k;
  const CloudConfig config = *CloudConfig::FromJson(TinyConfig(1));
  const JetSets data = *ReadJetSets(Reference(), config);
  ExpectMetricsEfps(data, *FitJetEfpMap(config, data, "efp_mmd", 4));
}

TEST(CloudNetworksTest, SetDiscriminatorWithJetFeaturesIsPermutationInvariant) {
  const std::pair<const char*, json> options[] = {{"jet_features", true},
                                                  {"jet_shapes", true},
                                                  {"local_density", {0.05, 0.3}},
                                                  {"pair_angles", {1, 3}},
                                                  {"jet_efps", true}};
  for (const auto& [option, value] : options) {
    SCOPED_TRACE(option);
    torch::manual_seed(7);
    json c = TinyConfig(1);
    c[option] = value;
    const CloudConfig config = *CloudConfig::FromJson(c);
    const JetSets data = *ReadJetSets(Reference(), config);
    CloudDiscriminator d(config, *MlpSpec::FromJson(config.sizes_discriminator, "d"), 4,
                         *MakeDiscriminatorFeatures(config, data));
    d->eval();
    const torch::Tensor sizes = data.sizes.slice(0, 0, 2);
    const int64_t n = sizes.max().item<int64_t>();
    const torch::Tensor mask = SizeMask(sizes, n);
    const torch::Tensor x = data.members.slice(0, 0, 2).slice(1, 0, n), cond = torch::zeros({2, 0});
    const int64_t n0 = sizes[0].item<int64_t>();
    torch::Tensor shuffled = x.clone();
    shuffled[0].slice(0, 0, n0).copy_(x[0].slice(0, 0, n0).index_select(0, torch::randperm(n0, torch::kLong)));
    shuffled[0].slice(0, n0).normal_(0, 100);
    EXPECT_LT(
        (d->SetScore(x, mask, sizes, cond) - d->SetScore(shuffled, mask, sizes, cond)).abs().max().item<double>(),
        1e-5);
  }
}

// GivenJetConfig: the tiny config whose jets are made the jets their
// conditions give: the pT shared, and with `mass` the mass too.
json GivenJetConfig(int64_t steps, bool mass, double radius = 0) {
  json c = TinyConfig(steps);
  c["condition_columns"] = mass ? json{"jet_pt_gev", "jet_mass_gev"} : json{"jet_pt_gev"};
  c["pt_shares"] = true;
  c["mass_given"] = mass;
  if (radius > 0) c["jet_radius"] = radius;
  return c;
}

// JetOf: each jet's massless sum of its real members, from members in
// model space [B, N, targets]: pT along the axis (sum pT_i cos phi_i) and
// the mass, [B] each, in GeV.
// Physical: target k of members [B, N, targets] in physical units.
torch::Tensor Physical(const torch::Tensor& members, int64_t k, const Scaling& scaling) {
  return members.select(2, k) * scaling.target_scale[k] + scaling.target_mean[k];
}

struct JetOfMembers {
  torch::Tensor axis_pt, mass;
};
JetOfMembers JetOf(const torch::Tensor& members, const torch::Tensor& mask, const GivenJetMap& map,
                   const Scaling& scaling) {
  const torch::Tensor real = mask.to(torch::kFloat64);
  const torch::Tensor pt = torch::exp(Physical(members, map.log_pt.index, scaling)) * real;
  const torch::Tensor eta = Physical(members, 2, scaling), phi = Physical(members, map.phi.index, scaling);
  const torch::Tensor e = (pt * torch::cosh(eta)).sum(1), pz = (pt * torch::sinh(eta)).sum(1);
  const torch::Tensor px = (pt * torch::cos(phi)).sum(1), py = (pt * torch::sin(phi)).sum(1);
  return {px, torch::sqrt((e * e - px * px - py * py - pz * pz).clamp_min(0))};
}

// With config.pt_shares (and mass_given) every generated jet's constituents
// add up to the jet pT (and mass) it was given, whatever the generator's
// raw output; the constraints keep the generator equivariant, leave the
// other channels and the padding alone, and pass gradients to the real
// members only.
void ExpectGivenJet(bool mass, double radius = 0) {
  const CloudConfig config = *CloudConfig::FromJson(GivenJetConfig(1, mass, radius));
  const JetSets data = *ReadJetSets(Reference(), config);
  const GivenJetMap map = **MakeGivenJetMap(config, data.scaling);
  const int64_t jets = 6, n = data.sizes.slice(0, 0, jets).max().item<int64_t>();
  const torch::Tensor sizes = data.sizes.slice(0, 0, jets), mask = SizeMask(sizes, n);
  const torch::Tensor cond = data.conditions.slice(0, 0, jets).to(torch::kFloat64);
  const auto given = [&](int64_t k) {
    return cond.select(1, k) * data.scaling.condition_scale[k] + data.scaling.condition_mean[k];
  };
  // The training jets themselves: their jet columns are their massless sum.
  const torch::Tensor truth = data.members.slice(0, 0, jets).slice(1, 0, n).to(torch::kFloat64);
  EXPECT_LT(((JetOf(truth, mask, map, data.scaling).axis_pt - given(0)) / given(0)).abs().max().item<double>(), 1e-4);
  torch::manual_seed(8);
  torch::Tensor raw = truth.clone();
  raw.select(2, map.log_pt.index).normal_(0, 0.7);  // any logits that spread the pT over the members
  raw.slice(2, 2, 4).mul_(1.5).add_(0.1 * torch::randn({jets, n, 2}, torch::kFloat64));  // any positions
  raw = raw * mask.unsqueeze(2);
  const torch::Tensor out = ApplyGivenJet(raw, mask, cond, map);
  const JetOfMembers jet = JetOf(out, mask, map, data.scaling);
  EXPECT_LT(((jet.axis_pt - given(0)) / given(0)).abs().max().item<double>(), 1e-9);
  const std::vector<int64_t> unchanged = mass ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 2, 3};
  for (int64_t k : unchanged) EXPECT_TRUE(out.select(2, k).equal(raw.select(2, k))) << "channel " << k;
  if (mass && radius > 0) {
    // Every member within the radius, and every jet at its mass.
    const torch::Tensor eta = Physical(out, 2, data.scaling), phi = Physical(out, 3, data.scaling);
    const torch::Tensor dr = torch::sqrt(eta * eta + phi * phi).masked_select(mask);
    EXPECT_LT(dr.max().item<double>(), radius) << "members stay within the jet radius";
    EXPECT_GT(dr.max().item<double>(), 0.5 * radius) << "the raw positions reach out towards it";
    EXPECT_LT(((jet.mass - given(1)) / given(1)).abs().max().item<double>(), 1e-4);
    // Pulled in along the member's own direction.
    const torch::Tensor raw_eta = Physical(raw, 2, data.scaling), raw_phi = Physical(raw, 3, data.scaling);
    EXPECT_LT((eta * raw_phi - phi * raw_eta).masked_select(mask).abs().max().item<double>(), 1e-9);
  } else if (mass) {
    // Met wherever the members stay within pi/2 of the axis; at least 4 of
    // the 6 jets do here.
    const torch::Tensor widest = torch::maximum(Physical(out, 2, data.scaling).abs().amax(1),
                                                Physical(out, 3, data.scaling).abs().amax(1));
    const torch::Tensor free = widest < M_PI / 2 - 1e-6;
    EXPECT_GE(free.sum().item<int64_t>(), 4) << widest;
    EXPECT_LT(((jet.mass - given(1)) / given(1)).abs().masked_select(free).max().item<double>(), 1e-4);
    // One factor per jet: the positions keep their ratios.
    const torch::Tensor r = Physical(out, 2, data.scaling)[0].slice(0, 0, 3) /
                            Physical(raw, 2, data.scaling)[0].slice(0, 0, 3);
    EXPECT_NEAR(r[0].item<double>(), r[2].item<double>(), 1e-9);
    EXPECT_LE(widest.max().item<double>(), M_PI / 2 + 1e-9) << "members stay within pi/2 of the axis";
  }
  if (mass) {
    // All pT on one member: no mass to scale; finite, at the bound, lighter.
    torch::Tensor one = raw.clone();
    one.select(2, map.log_pt.index).fill_(0);
    one[0][0][map.log_pt.index] = 100;
    const JetOfMembers lone = JetOf(ApplyGivenJet(one, mask, cond, map), mask, map, data.scaling);
    EXPECT_TRUE(torch::isfinite(lone.mass).all().item<bool>());
    EXPECT_LT(lone.mass[0].item<double>(), given(1)[0].item<double>());
  }
  EXPECT_EQ((out * (~mask).unsqueeze(2)).abs().max().item<double>(), 0) << "padding stays zero";
  // Order and padding values do not matter.
  const int64_t n0 = sizes[0].item<int64_t>();
  torch::Tensor shuffled = raw.clone();
  shuffled[0].slice(0, 0, n0).copy_(raw[0].slice(0, 0, n0).flip(0));
  shuffled[0].slice(0, n0).normal_(0, 100);
  const torch::Tensor out2 = ApplyGivenJet(shuffled, mask, cond, map);
  EXPECT_LT((out[0].slice(0, 0, n0).flip(0) - out2[0].slice(0, 0, n0)).abs().max().item<double>(), 1e-9);
  EXPECT_LT((out.slice(0, 1) - out2.slice(0, 1)).abs().max().item<double>(), 1e-12);
  raw.requires_grad_(true);
  (ApplyGivenJet(raw, mask, cond, map) * torch::randn({jets, n, 4}, torch::kFloat64)).sum().backward();
  EXPECT_GT(raw.grad()[0].slice(0, 0, n0).select(1, map.log_pt.index).abs().sum().item<double>(), 0);
  EXPECT_GT(raw.grad()[0].slice(0, 0, n0).select(1, map.phi.index).abs().sum().item<double>(), 0);
  EXPECT_EQ(raw.grad()[0].slice(0, n0).abs().sum().item<double>(), 0) << "padding gets no gradient";
  EXPECT_FALSE(raw.grad().isnan().any().item<bool>());
}

TEST(CloudNetworksTest, PtSharesAddUpToTheGivenJetPtAlongTheAxis) { ExpectGivenJet(false); }
TEST(CloudNetworksTest, MassGivenScalesTheJetToTheGivenMass) { ExpectGivenJet(true); }
TEST(CloudNetworksTest, JetRadiusKeepsMembersWithinItAtTheGivenMass) { ExpectGivenJet(true, 0.8); }

// Through the service's path: a fitted model's sampled jets (float32 rows)
// have the pT and mass they were asked for, and a saved model samples the
// same.
TEST(CloudSampleTest, GivenJetModelSamplesJetsOfTheGivenPtAndMass) {
  const std::unique_ptr<Model> model = Fitted(GivenJetConfig(10, true));
  Table conditions({"jet_pt_gev", "jet_mass_gev"});
  for (int64_t j = 0; j < 20; ++j) {
    conditions.AppendRow({850.f + 20.f * static_cast<float>(j), j % 2 ? 80.f : 172.f + static_cast<float>(j)});
  }
  const Table sample = *model->Sample(conditions, 20, 4, 0);
  const int jet = *sample.ColumnIndex("jet"), log_pt = *sample.ColumnIndex("log_pt"),
            eta = *sample.ColumnIndex("eta_rel"), phi = *sample.ColumnIndex("phi_rel");
  std::vector<MasslessSum> sums(20);
  for (int64_t r = 0; r < sample.num_rows(); ++r) {
    sums[static_cast<size_t>(sample.at(r, jet))].Add(std::exp(sample.at(r, log_pt)), sample.at(r, eta),
                                                     sample.at(r, phi));
  }
  for (int64_t j = 0; j < 20; ++j) {
    EXPECT_NEAR(sums[j].px, conditions.at(j, 0), 1e-4 * conditions.at(j, 0)) << j;
    EXPECT_NEAR(sums[j].mass(), conditions.at(j, 1), 2e-3 * conditions.at(j, 1)) << j;
  }
  const std::string dir = testing::FreshEmptyDir("cloud-save-given-jet");
  ASSERT_TRUE(model->Save(dir).ok());
  auto loaded = CreateModel(kKind, TinyConfig(1));
  ASSERT_TRUE((*loaded)->Load(dir).ok());
  EXPECT_EQ((*loaded)->Sample(conditions, 20, 4, 0)->values(), sample.values());
}

TEST(CloudNetworksTest, MultiplicityW1) {
  EXPECT_DOUBLE_EQ(MultiplicityW1(torch::tensor({3, 3}), torch::tensor({5, 5})), 2.0);
  EXPECT_DOUBLE_EQ(MultiplicityW1(torch::tensor({1, 2, 3}), torch::tensor({3, 1, 2})), 0.0);
}

void ExpectInvalid(const json& config, const std::string& field) {
  auto model = CreateModel(kKind, config);
  ASSERT_FALSE(model.ok()) << config.dump();
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(model.status().message()).find(field), std::string::npos) << model.status();
}

// TinyFlowConfig: a tiny spline flow of the jets' pT and mass.
json TinyFlowConfig(int64_t steps) {
  const json columns = {"jet_pt_gev", "jet_mass_gev"};
  return {{"target_columns", columns},
          {"transforms", {{{"kind", "log"}, {"columns", columns}}, {{"kind", "standardize"}, {"columns", columns}}}},
          {"blocks", 2},
          {"subnet", {{"hidden", {8}}}},
          {"spline", {{"bins", 4}}},
          {"batch_size", 64},
          {"steps", steps},
          {"validation", {{"every", 10}}},
          {"checkpoint_every", 7}};
}

// TinyJetStageConfig: the given-jet tiny config whose jets' pT and mass
// the tiny flow draws (config.jet_stage).
json TinyJetStageConfig(int64_t steps, int64_t stage_steps) {
  json c = GivenJetConfig(steps, true);
  c["jet_stage"] = {{"kind", "flow-rqs"}, {"config", TinyFlowConfig(stage_steps)}};
  return c;
}

// WithoutLastColumns: `t` without its last `n` columns.
Table WithoutLastColumns(const Table& t, int n) {
  const std::vector<std::string>& all = t.columns();
  return *t.SelectColumns({all.begin(), all.end() - n});
}

// One model makes jets from nothing, and they are the jets the two-model
// route makes (SampleSpec.conditions_model): the given-jet model filling
// the pT and mass a separately trained flow draws under the derived seed.
TEST(CloudJetStageTest, JetsFromNothingAreTheTwoModelRoutesJets) {
  const std::unique_ptr<Model> model = Fitted(TinyJetStageConfig(10, 20));
  EXPECT_TRUE(model->condition_columns().empty());
  EXPECT_TRUE(model->condition_ranges().empty());
  const Table sample = *model->Sample(Table(), 20, 4, 3);
  EXPECT_EQ(sample.columns(), (std::vector<std::string>{"jet", "constituent", "log_pt", "log_e", "eta_rel",
                                                        "phi_rel", "n_constituents"}));

  const std::unique_ptr<Model> given = Fitted(GivenJetConfig(10, true));
  auto flow = CreateModel("flow-rqs", TinyFlowConfig(20));
  ASSERT_TRUE(flow.ok()) << flow.status();
  std::vector<int64_t> first_rows;
  const int jet = *Reference().ColumnIndex("jet");
  for (int64_t r = 0; r < Reference().num_rows(); ++r) {
    if (r == 0 || Reference().at(r, jet) != Reference().at(r - 1, jet)) first_rows.push_back(r);
  }
  FitContext ctx;
  ctx.seed = 3;
  ASSERT_TRUE((*flow)->Fit(Reference().SelectRows(first_rows), ctx).ok());
  const Table jets = *(*flow)->Sample(Table(), 20, DeriveSeed(4, kConditionsStageLabel), 3);
  const Table two_models = *given->Sample(jets, 20, 4, 3);
  EXPECT_EQ(sample.values(), WithoutLastColumns(two_models, 2).values());
  // The jets have the flow's pT and mass, not truth's: the stage was used.
  EXPECT_NE(jets.at(0, 0), Reference().at(0, *Reference().ColumnIndex("jet_pt_gev")));

  // Sizes, chunks and a saved model, as for every jet-cloud model.
  const std::vector<int64_t> sizes = *model->SetSizes(Table(), 20, 4, 3);
  int64_t rows = 0;
  for (int64_t size : sizes) rows += size;
  EXPECT_EQ(rows, sample.num_rows());
  Table parts = *model->Sample(Table(), 7, 4, 3);
  const Table rest = *model->Sample(Table(), 13, 4, 10);
  std::vector<float> joined = parts.values();
  joined.insert(joined.end(), rest.values().begin(), rest.values().end());
  EXPECT_EQ(joined, sample.values());
  const std::string dir = testing::FreshEmptyDir("cloud-save-jet-stage");
  ASSERT_TRUE(model->Save(dir).ok());
  auto loaded = CreateModel(kKind, TinyConfig(1));
  ASSERT_TRUE((*loaded)->Load(dir).ok());
  EXPECT_EQ((*loaded)->Sample(Table(), 20, 4, 3)->values(), sample.values());
  EXPECT_TRUE((*loaded)->condition_columns().empty());
  EXPECT_EQ((*loaded)->Describe()["jet_stage"]["kind"], "flow-rqs");
}

// A jet stage conditioned on what the model is still asked for (the jet
// type): the model asks for is_top only and writes it beside each jet.
TEST(CloudJetStageTest, AStageConditionedOnTheJetType) {
  json c = TinyJetStageConfig(5, 10);
  c["condition_columns"] = {"is_top", "jet_pt_gev", "jet_mass_gev"};
  c["jet_stage"]["kind"] = "cinn";
  c["jet_stage"]["config"]["coupling"] = "rqs";
  c["jet_stage"]["config"]["condition_columns"] = {"is_top"};
  const std::unique_ptr<Model> model = Fitted(c);
  EXPECT_EQ(model->condition_columns(), (std::vector<std::string>{"is_top"}));
  ASSERT_EQ(model->condition_ranges().size(), 1u);
  EXPECT_EQ(model->condition_ranges()[0].max, 1);
  const Table sample = *model->Sample(Conditions(6), 6, 2, 0);
  EXPECT_EQ(sample.columns().back(), "is_top");
  const int jet = *sample.ColumnIndex("jet");
  for (int64_t r = 0; r < sample.num_rows(); ++r) {
    EXPECT_EQ(sample.at(r, sample.num_columns() - 1), static_cast<float>(static_cast<int64_t>(sample.at(r, jet)) % 2));
  }
  EXPECT_EQ(model->Sample(Table({"x"}), 6, 2, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CloudJetStageTest, BadStagesNameTheirKey) {
  json c = TinyJetStageConfig(1, 1);
  c["jet_stage"]["kind"] = "flow-rqz";
  ExpectInvalid(c, "config.jet_stage.kind: unknown model kind 'flow-rqz'; allowed: ");
  c["jet_stage"]["kind"] = "jet-cloud-gan";
  c["jet_stage"]["config"] = json::object();
  ExpectInvalid(c, "config.jet_stage.kind 'jet-cloud-gan' generates sets; the jet stage draws one row per jet");
  c = TinyJetStageConfig(1, 1);
  c["jet_stage"]["config"]["stepz"] = 3;
  ExpectInvalid(c, "unknown key 'config.jet_stage.config.stepz'");
  c = TinyJetStageConfig(1, 1);
  c["jet_stage"]["config"]["steps"] = -1;
  ExpectInvalid(c, "config.jet_stage.config.steps");
  c = TinyJetStageConfig(1, 1);
  c["jet_stage"]["config"]["target_columns"] = {"jet_pt_gev", "jet_eta"};
  c["jet_stage"]["config"].erase("transforms");
  ExpectInvalid(c, "config.jet_stage.config.target_columns 'jet_eta' is not a condition column of the jet-cloud "
                   "model ([jet_pt_gev, jet_mass_gev])");
  c = TinyJetStageConfig(1, 1);
  c["jet_stage"]["kind"] = "cinn";
  c["jet_stage"]["config"]["condition_columns"] = {"is_top"};
  ExpectInvalid(c, "config.jet_stage.config.condition_columns 'is_top' is not a condition the jet-cloud model is "
                   "given; the stage may be conditioned only on []");
  ExpectInvalid({{"jet_stage", {{"config", TinyFlowConfig(1)}}}},
                "config.jet_stage.config is given without config.jet_stage.kind");
  // "kind": "" turns a preset's stage off.
  auto off = CreateModel(kKind, {{"preset", "jet-cloud-gan-jets-small"}, {"jet_stage", {{"kind", ""}}}});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ((*off)->condition_columns(), (std::vector<std::string>{"jet_pt_gev", "jet_mass_gev"}));
  EXPECT_FALSE((*off)->Describe()["config"].contains("jet_stage"));
}

// A bad training table for the stage (a jet mass its log transform cannot
// take) is refused naming the stage, after the checks of the set stage.
TEST(CloudJetStageTest, StageRefusalsNameTheStage) {
  Table t = Reference();
  const int mass = *t.ColumnIndex("jet_mass_gev"), jet = *t.ColumnIndex("jet");
  for (int64_t r = 0; r < t.num_rows() && t.at(r, jet) == t.at(0, jet); ++r) t.at(r, mass) = 0.f;
  auto model = CreateModel(kKind, TinyJetStageConfig(2, 5));
  ASSERT_TRUE(model.ok()) << model.status();
  const absl::Status s = (*model)->Fit(t, FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(std::string(s.message()).find("jet stage (flow-rqs): "), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find("jet_mass_gev"), std::string::npos) << s;
}

TEST(CloudConfigTest, BadConfigsNameTheirKey) {
  ExpectInvalid({{"preset", "jet-cloud-huge"}},
                "config.preset must be one of jet-cloud-gan, jet-cloud-gan-small, jet-cloud-gan-given-small, "
                "jet-cloud-gan-jets-small");
  ExpectInvalid({{"set_generator", {{"blocks", {128, 66}}, {"heads", 4}}}},
                "config.set_generator.blocks [1] = 66 must be a multiple of heads (4)");
  ExpectInvalid({{"set_discriminator", {{"blocks", json::array()}}}}, "config.set_discriminator.blocks");
  ExpectInvalid({{"schedule", {{"discriminator", 2}, {"generator", 3}}}}, "config.schedule.generator");
  ExpectInvalid({{"max_constituents", 0}}, "config.max_constituents");
  ExpectInvalid({{"tau", -1}}, "config.tau");
  ExpectInvalid({{"sizes_batch_size", -1}}, "config.sizes_batch_size");
  ExpectInvalid({{"optimiser", json::object()}}, "unknown key 'config.optimiser'");
  ExpectInvalid({{"condition_columns", {"n_constituents"}}}, "config.condition_columns may not hold 'n_constituents'");
  ExpectInvalid({{"target_columns", {"log_pt", "log_pt"}}}, "config.target_columns");
  ExpectInvalid({{"sizes_discriminator", {{"spectral_norm", true}}}}, "config.sizes_discriminator.spectral_norm");
  ExpectInvalid({{"sizes_generator", {{"activation", "gelu"}}}}, "config.sizes_generator.activation");
  ExpectInvalid({{"jet_features", true}, {"target_columns", {"log_pt", "log_e", "eta_rel"}}},
                "config.jet_features needs target columns log_pt, eta_rel and phi_rel (the jet's features are "
                "summed from them); config.target_columns has no 'phi_rel'");
  ExpectInvalid({{"local_density", {0.1}}, {"target_columns", {"eta_rel", "phi_rel"}}},
                "config.local_density needs target columns log_pt, eta_rel and phi_rel (the jet's features are "
                "summed from them); config.target_columns has no 'log_pt'");
  ExpectInvalid({{"local_density", {0}}}, "config.local_density");
  ExpectInvalid({{"local_density", {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}}},
                "config.local_density lists 9 scales; at most 8");
  ExpectInvalid({{"pair_angles", {0.5}}}, "config.pair_angles");
  ExpectInvalid({{"pair_angles", {1, 2, 3, 4, 4}}}, "config.pair_angles lists 5 powers; at most 4");
  ExpectInvalid({{"pair_angles", {2}}, {"target_columns", {"log_pt", "eta_rel"}}},
                "config.pair_angles needs target columns log_pt, eta_rel and phi_rel (the jet's features are "
                "summed from them); config.target_columns has no 'phi_rel'");
  ExpectInvalid({{"jet_efps", true}, {"target_columns", {"log_pt", "eta_rel"}}},
                "config.jet_efps needs target columns log_pt, eta_rel and phi_rel (the jet's features are "
                "summed from them); config.target_columns has no 'phi_rel'");
  ExpectInvalid({{"jet_efps", 1}}, "config.jet_efps");
  ExpectInvalid({{"efp_mmd", {{"weight", 1}}}, {"target_columns", {"log_pt", "phi_rel"}}},
                "config.efp_mmd needs target columns log_pt, eta_rel and phi_rel (the jet's features are "
                "summed from them); config.target_columns has no 'eta_rel'");
  ExpectInvalid({{"efp_mmd", {{"weight", -1}}}}, "config.efp_mmd.weight");
  ExpectInvalid({{"efp_mmd", {{"weight", 1}, {"widths", json::array()}}}},
                "config.efp_mmd.widths lists 0 kernel widths; 1 to 8");
  ExpectInvalid({{"efp_mmd", {{"widths", {0}}}}}, "config.efp_mmd.widths");
  ExpectInvalid({{"efp_mmd", {{"weights", 1}}}}, "unknown key 'config.efp_mmd.weights'");
  ExpectInvalid({{"efp_mmd", {{"weight", 1}, {"edges", 5}}}}, "config.efp_mmd.edges");
  ExpectInvalid({{"efp_mmd", {{"weight", 1}, {"shapes", 1}}}}, "config.efp_mmd.shapes must be true or false");
  ExpectInvalid({{"efp_mmd", {{"weight", 1}, {"whiten", "yes"}}}}, "config.efp_mmd.whiten must be true or false");
  ExpectInvalid({{"jet_shapes", true}, {"target_columns", {"log_pt", "log_e", "phi_rel"}}},
                "config.jet_shapes needs target columns log_pt, eta_rel and phi_rel (the jet's features are "
                "summed from them); config.target_columns has no 'eta_rel'");
  ExpectInvalid({{"pt_shares", true}}, "config.pt_shares needs the condition column 'jet_pt_gev'");
  ExpectInvalid({{"pt_shares", true}, {"condition_columns", {"jet_pt_gev"}}, {"target_columns", {"log_pt", "eta_rel"}}},
                "config.pt_shares needs the target column 'phi_rel' (the jet's momentum is made from log_pt, eta_rel "
                "and phi_rel); config.target_columns has no 'phi_rel'");
  ExpectInvalid({{"mass_given", true}}, "config.mass_given needs config.pt_shares");
  ExpectInvalid({{"mass_given", true}, {"pt_shares", true}, {"condition_columns", {"jet_pt_gev"}}},
                "config.mass_given needs the condition column 'jet_mass_gev'");
  ExpectInvalid({{"jet_radius", 0.8}}, "config.jet_radius needs config.mass_given");
  ExpectInvalid({{"jet_radius", 1.6}}, "config.jet_radius");
  ExpectInvalid({{"optimizer", {{"generator_ema", 1}}}}, "config.optimizer.generator_ema");
}

TEST(CloudConfigTest, PresetsResolve) {
  for (const char* preset : {"jet-cloud-gan", "jet-cloud-gan-small"}) {
    auto model = CreateModel(kKind, {{"preset", preset}});
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_TRUE((*model)->samples_sets());
    EXPECT_EQ((*model)->target_columns(), (std::vector<std::string>{"log_pt", "log_e", "eta_rel", "phi_rel"}));
  }
  const json thesis = (*CreateModel(kKind, {{"preset", "jet-cloud-gan"}}))->Describe()["config"];
  EXPECT_EQ(thesis["set_generator"]["blocks"], json({128, 128, 64, 64, 64}));
  EXPECT_EQ(thesis["set_generator"]["heads"], 4);
  EXPECT_EQ(thesis["set_discriminator"]["blocks"], json({128, 128, 128, 128}));
  EXPECT_EQ(thesis["schedule"], json({{"discriminator", 3}, {"generator", 2}}));
  // The given-jet preset is the small one given each jet's pT and mass,
  // with the local densities, within the jet radius.
  auto given = CreateModel(kKind, {{"preset", "jet-cloud-gan-given-small"}});
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ((*given)->condition_columns(), (std::vector<std::string>{"jet_pt_gev", "jet_mass_gev"}));
  const json config = (*given)->Describe()["config"];
  EXPECT_EQ(config["local_density"], json({0.02, 0.05, 0.1, 0.2}));
  EXPECT_TRUE(config["mass_given"].get<bool>() && config["pt_shares"].get<bool>());
  EXPECT_EQ(config["jet_radius"], 0.8);
  const auto without_given_keys = [](json c) {
    for (const char* key : {"condition_columns", "local_density", "mass_given", "pt_shares", "jet_radius"}) {
      c.erase(key);
    }
    return c;
  };
  EXPECT_EQ(without_given_keys(config),
            without_given_keys((*CreateModel(kKind, {{"preset", "jet-cloud-gan-small"}}))->Describe()["config"]));
  // The jets preset is the given-jet one drawing the jets itself.
  auto jets = CreateModel(kKind, {{"preset", "jet-cloud-gan-jets-small"}});
  ASSERT_TRUE(jets.ok()) << jets.status();
  EXPECT_TRUE((*jets)->condition_columns().empty());
  json jets_config = (*jets)->Describe()["config"];
  EXPECT_EQ(jets_config["jet_stage"]["kind"], "flow-rqs");
  EXPECT_EQ(jets_config["jet_stage"]["config"]["target_columns"], json({"jet_pt_gev", "jet_mass_gev"}));
  jets_config.erase("jet_stage");
  EXPECT_EQ(jets_config, config);
  auto family = FindModelFamily(kKind);
  auto resolved = (*family)->ResolveConfig(kKind, {{"preset", "jet-cloud-gan-jets-small"}});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ((*resolved)["jet_stage"]["config"]["spline"]["bins"], 16);
  EXPECT_TRUE((*resolved)["jet_stage"]["config"].contains("mixing")) << "the stage's defaults shown";
  // The MMD preset is the jets one with the whitened MMD of the EFPs and shapes at weight 1.
  auto mmd = CreateModel(kKind, {{"preset", "jet-cloud-gan-jets-mmd-small"}});
  ASSERT_TRUE(mmd.ok()) << mmd.status();
  json mmd_config = (*mmd)->Describe()["config"];
  EXPECT_EQ(mmd_config["efp_mmd"],
            json({{"weight", 1}, {"widths", {1, 2, 4}}, {"edges", 3}, {"shapes", true}, {"whiten", true}}));
  mmd_config.erase("efp_mmd");
  EXPECT_EQ(mmd_config, (*jets)->Describe()["config"]);
}

// Table edits for the data-contract tests.
Table Edited(const std::function<void(Table&)>& edit) {
  Table t = *GenerateJetClouds(20, 4, {});
  edit(t);
  return t;
}

void ExpectBadTable(const json& config, const Table& table, const std::string& text) {
  auto model = CreateModel(kKind, config);
  ASSERT_TRUE(model.ok());
  const absl::Status s = (*model)->Fit(table, FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(std::string(s.message()).find(text), std::string::npos) << s;
}

TEST(CloudDataTest, MalformedTablesAreRefused) {
  const int jet = 0, n = 9, is_top = 10, log_pt = 2;
  ExpectBadTable(TinyConfig(1), *Edited([](Table&) {}).SelectColumns({"jet", "log_pt", "log_e", "eta_rel"}),
                 "no column 'phi_rel'");
  ExpectBadTable(TinyConfig(1), Edited([&](Table& t) { t.at(t.num_rows() - 1, jet) = 0; }),
                 "column 'jet': jet 0 appears again at row");
  json conditional = TinyConfig(1);
  conditional["condition_columns"] = {"is_top"};
  ExpectBadTable(conditional, Edited([&](Table& t) { t.at(1, is_top) = 1 - t.at(0, is_top); }),
                 "column 'is_top' varies within jet 0");
  ExpectBadTable(TinyConfig(1), Edited([&](Table& t) { t.at(0, n) += 1; }),
                 "column 'n_constituents' says");
  ExpectBadTable(TinyConfig(1), Edited([&](Table& t) { t.at(2, log_pt) = std::nanf(""); }),
                 "column 'log_pt' row 2 (jet 0) is not finite");
  json small = TinyConfig(1);
  small["max_constituents"] = 5;
  ExpectBadTable(small, Edited([](Table&) {}), "more than config.max_constituents = 5");
}

TEST(CloudSampleTest, LongLayout) {
  const Model& model = ConditionalModel();
  const Table conditions = Conditions(7);
  auto sample = model.Sample(conditions, 7, 21, 40);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->columns(), (std::vector<std::string>{"jet", "constituent", "log_pt", "log_e", "eta_rel",
                                                         "phi_rel", "n_constituents", "is_top"}));
  std::vector<int64_t> jets;
  for (int64_t r = 0; r < sample->num_rows(); ++r) {
    const float* v = sample->row(r);
    if (v[1] == 0) jets.push_back(static_cast<int64_t>(v[0]));
    const int64_t first = r - static_cast<int64_t>(v[1]);
    ASSERT_GE(first, 0);
    EXPECT_EQ(sample->at(first, 0), v[0]) << "jets consecutive, constituents counted from 0";
    EXPECT_EQ(v[7], static_cast<float>(static_cast<int64_t>(v[0] - 40) % 2)) << "conditions copied per jet";
    EXPECT_GE(v[6], 1);
    EXPECT_LE(v[6], 100);
    if (v[1] > 0) {
      EXPECT_LE(v[2], sample->at(r - 1, 2)) << "decreasing log_pt";
    }
    if (v[1] + 1 == v[6]) {
      EXPECT_TRUE(r + 1 == sample->num_rows() || sample->at(r + 1, 1) == 0) << "a jet ends after its size";
    }
  }
  EXPECT_EQ(jets, (std::vector<int64_t>{40, 41, 42, 43, 44, 45, 46}));
  ASSERT_NE(sample->int64_column("jet"), nullptr);
  EXPECT_EQ(sample->int64_column("jet")->front(), 40);
}

TEST(CloudSampleTest, ChunksAreIndependent) {
  const Model& model = ConditionalModel();
  const Table conditions = Conditions(40);
  const Table whole = *model.Sample(ConditionsSlice(conditions, 0, 10), 10, 9, 0);
  Table parts = *model.Sample(ConditionsSlice(conditions, 0, 4), 4, 9, 0);
  const Table rest = *model.Sample(ConditionsSlice(conditions, 4, 10), 6, 9, 4);
  std::vector<float> joined = parts.values();
  joined.insert(joined.end(), rest.values().begin(), rest.values().end());
  EXPECT_EQ(joined, whole.values());
  // Across a block boundary (16 jets) too, and a different seed differs.
  const Table wide = *model.Sample(ConditionsSlice(conditions, 0, 40), 40, 9, 0);
  const Table tail = *model.Sample(ConditionsSlice(conditions, 13, 40), 27, 9, 13);
  const int64_t tail_rows = tail.num_rows();
  const std::vector<float> wide_tail(wide.values().end() - tail_rows * wide.num_columns(), wide.values().end());
  EXPECT_EQ(wide_tail, tail.values());
  EXPECT_NE(model.Sample(ConditionsSlice(conditions, 0, 10), 10, 10, 0)->values(), whole.values());
}

TEST(CloudSampleTest, SetSizesAreTheSampledSizes) {
  const Model& model = ConditionalModel();
  const Table conditions = Conditions(40);
  const Table tail = *model.Sample(ConditionsSlice(conditions, 13, 40), 27, 9, 13);
  const std::vector<int64_t> sizes = *model.SetSizes(ConditionsSlice(conditions, 13, 40), 27, 9, 13);
  ASSERT_EQ(sizes.size(), 27u);
  const int n = *tail.ColumnIndex("n_constituents");
  int64_t row = 0;
  for (int64_t size : sizes) {
    ASSERT_LT(row, tail.num_rows());
    EXPECT_EQ(tail.at(row, n), static_cast<float>(size)) << "row " << row;
    EXPECT_LE(size, model.max_set_size());
    row += size;
  }
  EXPECT_EQ(row, tail.num_rows());
}

TEST(CloudSampleTest, RefusesBeforeFitAndMissingConditions) {
  auto model = CreateModel(kKind, TinyConfig(1));
  EXPECT_EQ((*model)->Sample(Table(), 3, 1, 0).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ConditionalModel().Sample(Table({"x"}), 0, 1, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CloudSampleTest, SaveLoadGivesIdenticalSamples) {
  const Model& model = ConditionalModel();
  const std::string dir = testing::FreshEmptyDir("cloud-save");
  ASSERT_TRUE(model.Save(dir).ok());
  auto loaded = CreateModel(kKind, TinyConfig(1));
  ASSERT_TRUE((*loaded)->Load(dir).ok());
  const Table conditions = Conditions(20);
  EXPECT_EQ((*loaded)->Sample(conditions, 20, 5, 3)->values(), model.Sample(conditions, 20, 5, 3)->values());
  EXPECT_EQ((*loaded)->condition_columns(), model.condition_columns());
  EXPECT_EQ((*loaded)->Describe()["fit"], model.Describe()["fit"]);
}

struct FitRun {
  absl::Status status;
  std::vector<int64_t> steps;
  std::unique_ptr<Model> model;
};

FitRun FitWithCheckpoint(const json& config, const std::string& checkpoint, int64_t cancel_after_step) {
  FitRun run;
  run.model = *CreateModel(kKind, config);
  FitContext ctx;
  ctx.seed = 17;
  ctx.checkpoint_path = checkpoint;
  ctx.on_progress = [&run](const TrainingProgress& p) { run.steps.push_back(p.step); };
  ctx.cancelled = [&run, cancel_after_step] {
    return cancel_after_step > 0 && !run.steps.empty() && run.steps.back() >= cancel_after_step;
  };
  run.status = run.model->Fit(Reference(), ctx);
  return run;
}

// ExpectResumeEqualsWhole trains `config` once straight through and once
// cancelled at step 20 and resumed; both must give the same model.
void ExpectResumeEqualsWhole(const json& config) {
  const std::string dir = testing::FreshEmptyDir("cloud-resume");
  FitRun whole = FitWithCheckpoint(config, dir + "/whole.ckpt", 0);
  ASSERT_TRUE(whole.status.ok()) << whole.status;
  FitRun first = FitWithCheckpoint(config, dir + "/cut.ckpt", 20);
  ASSERT_TRUE(absl::IsCancelled(first.status)) << first.status;
  EXPECT_LE(first.steps.back(), 21);
  FitRun second = FitWithCheckpoint(config, dir + "/cut.ckpt", 0);
  ASSERT_TRUE(second.status.ok()) << second.status;
  ASSERT_FALSE(second.steps.empty());
  EXPECT_GT(second.steps.front(), 15) << "the second run continues from the checkpoint";
  EXPECT_EQ(second.model->Sample(Table(), 30, 2, 0)->values(), whole.model->Sample(Table(), 30, 2, 0)->values());
  EXPECT_EQ(second.model->Describe()["fit"], whole.model->Describe()["fit"]);
}

TEST(CloudTrainerTest, ResumedRunEqualsUninterruptedRun) { ExpectResumeEqualsWhole(TinyConfig(40)); }

// A run cancelled in either stage and resumed gives the uninterrupted
// run's model, and the steps it reports run on from the set stage's into
// the jet stage's, each once.
TEST(CloudJetStageTest, ResumedRunEqualsUninterruptedRun) {
  const json config = TinyJetStageConfig(30, 40);
  const std::string dir = testing::FreshEmptyDir("cloud-resume-jet-stage");
  FitRun whole = FitWithCheckpoint(config, dir + "/whole.ckpt", 0);
  ASSERT_TRUE(whole.status.ok()) << whole.status;
  EXPECT_EQ(whole.steps.back(), 70);
  EXPECT_TRUE(std::is_sorted(whole.steps.begin(), whole.steps.end()));
  for (int64_t cut : {20, 50}) {
    const std::string path = absl::StrCat(dir, "/cut", cut, ".ckpt");
    FitRun first = FitWithCheckpoint(config, path, cut);
    ASSERT_TRUE(absl::IsCancelled(first.status)) << first.status;
    FitRun second = FitWithCheckpoint(config, path, 0);
    ASSERT_TRUE(second.status.ok()) << second.status;
    ASSERT_FALSE(second.steps.empty());
    EXPECT_GT(second.steps.front(), cut - 10) << "the second run continues from the checkpoints";
    EXPECT_EQ(second.steps.back(), 70);
    EXPECT_EQ(second.model->Sample(Table(), 30, 2, 0)->values(), whole.model->Sample(Table(), 30, 2, 0)->values())
        << cut;
  }
}

// The sizes stage's own batch is drawn from a keyed stream per step, so a
// resumed run draws it as the uninterrupted one did.
TEST(CloudTrainerTest, ResumedRunEqualsUninterruptedRunWithOwnSizesBatch) {
  json config = TinyConfig(40);
  config["sizes_batch_size"] = 256;
  ExpectResumeEqualsWhole(config);
}

// The jet features' standardisation is recomputed from the data at a
// resume, not checkpointed: it must come out the same.
TEST(CloudTrainerTest, ResumedRunEqualsUninterruptedRunWithJetFeatures) {
  json config = TinyConfig(40);
  config["jet_features"] = true;
  ExpectResumeEqualsWhole(config);
  config["jet_shapes"] = true;
  ExpectResumeEqualsWhole(config);
  config["local_density"] = {0.1};
  ExpectResumeEqualsWhole(config);
  config["pair_angles"] = {2};
  ExpectResumeEqualsWhole(config);
  config["jet_efps"] = true;
  ExpectResumeEqualsWhole(config);
  config["efp_mmd"] = {{"weight", 5}};
  ExpectResumeEqualsWhole(config);
}

// The MMD term's standardisation is the trainer's own, refitted at a resume.
TEST(CloudTrainerTest, ResumedRunEqualsUninterruptedRunWithEfpMmd) {
  json config = TinyConfig(40);
  config["efp_mmd"] = {{"weight", 5}, {"widths", {0.5, 2}}};
  ExpectResumeEqualsWhole(config);
  config["efp_mmd"]["edges"] = 4;
  ExpectResumeEqualsWhole(config);
  config["efp_mmd"]["shapes"] = true;
  ExpectResumeEqualsWhole(config);
  config["efp_mmd"]["whiten"] = true;
  ExpectResumeEqualsWhole(config);
}

// GeneratedMmd: MMD^2 between the reference jets and 300 jets sampled from
// `model`, in the space of their 8 standardised log EFPs (efps) and/or
// their standardised girth and pT_D (shapes), standardised as the truth's,
// and with `white` whitened with the truth's covariance.
double GeneratedMmd(const Model& model, const json& config_json, bool efps, bool shapes, bool white = false) {
  const CloudConfig config = *CloudConfig::FromJson(config_json);
  const JetSets truth = *ReadJetSets(Reference(), config);
  const JetSets fake = *ReadJetSets(*model.Sample(Table(), 300, 9, 0), config);
  // The sample's members are standardised by its own targets' scaling, which
  // its maps' columns undo; the features are then standardised as the truth's.
  const auto points = [&](const JetSets& jets, const JetSets& scaled_as) {
    const torch::Tensor mask = SizeMask(jets.sizes, jets.members.size(1));
    std::vector<torch::Tensor> columns;
    if (efps) {
      JetEfpMap map = *FitJetEfpMap(config, jets, "efp_mmd", 3);
      map.scaling = FitJetEfpMap(config, scaled_as, "efp_mmd", 3)->scaling;
      columns.push_back(JetEfps(jets.members, mask, map));
    }
    if (shapes) {
      JetFeatureMap map = *FitJetFeatureMap(config, jets, false, true, "efp_mmd.shapes");
      const JetFeatureMap truth_map = *FitJetFeatureMap(config, scaled_as, false, true, "efp_mmd.shapes");
      map.feature_mean = truth_map.feature_mean;
      map.feature_scale = truth_map.feature_scale;
      columns.push_back(JetFeatures(jets.members, mask, map));
    }
    return torch::cat(columns, 1).to(torch::kFloat64);
  };
  torch::Tensor fake_points = points(fake, truth), truth_points = points(truth, truth);
  if (white) {
    const Whitening w = *FitWhitening(truth_points, "efp_mmd.whiten");
    fake_points = Whiten(fake_points, w);
    truth_points = Whiten(truth_points, w);
  }
  return Mmd2Rows(fake_points, truth_points, MmdLossKernel::kGaussian, {1, 2, 4}).item<double>();
}

// efp_mmd adds to the generator's loss the MMD of the EFPs' joint
// distribution: weighted, the same short training (seed, data, networks)
// ends with jets whose EFPs are closer to the truth's; with shapes, the
// MMD of the EFPs with the girth and pT_D beside them comes closer, and the
// girth and pT_D much closer than with the EFPs alone; whitened, the EFPs
// come closer along their small-variance directions than with the plain
// term; the config records each.
TEST(CloudTrainerTest, EfpMmdBringsTheGeneratedEfpsCloser) {
  json config = TinyConfig(120);
  const std::unique_ptr<Model> without = Fitted(config);
  config["efp_mmd"] = {{"weight", 20}};
  const std::unique_ptr<Model> with = Fitted(config);
  EXPECT_EQ(with->Describe()["config"]["efp_mmd"], (json{{"weight", 20}, {"widths", {1, 2, 4}}, {"edges", 3}}));
  const double far = GeneratedMmd(*without, config, true, false), closer = GeneratedMmd(*with, config, true, false);
  EXPECT_LT(closer, 0.5 * far) << "MMD^2 without the term " << far << ", with " << closer;
  config["efp_mmd"]["shapes"] = true;
  const std::unique_ptr<Model> with_shapes = Fitted(config);
  EXPECT_EQ(with_shapes->Describe()["config"]["efp_mmd"]["shapes"], true);
  const double far_both = GeneratedMmd(*without, config, true, true);
  const double closer_both = GeneratedMmd(*with_shapes, config, true, true);
  EXPECT_LT(closer_both, 0.5 * far_both) << "MMD^2 with shapes: without the term " << far_both << ", with "
                                         << closer_both;
  // The girth and pT_D alone: the EFPs' term leaves them about as far as
  // no term (1.4 -> 1.2 when written), the shapes' term brings them close (0.18).
  const double shapes_efps = GeneratedMmd(*with, config, false, true);
  const double shapes_both = GeneratedMmd(*with_shapes, config, false, true);
  EXPECT_LT(shapes_both, 0.5 * shapes_efps) << "girth and pT_D MMD^2 with the EFPs' term " << shapes_efps
                                            << ", with the shapes beside them " << shapes_both;
  // Whitened: measured in the truth's whitened EFP space, the plain term
  // leaves the jets about half as far as no term (2.27 -> 1.25 when
  // written), the whitened one brings them close (0.22).
  config["efp_mmd"] = {{"weight", 20}, {"whiten", true}};
  const std::unique_ptr<Model> white = Fitted(config);
  EXPECT_EQ(white->Describe()["config"]["efp_mmd"]["whiten"], true);
  const double white_plain = GeneratedMmd(*with, config, true, false, true);
  const double white_white = GeneratedMmd(*white, config, true, false, true);
  EXPECT_LT(white_white, 0.5 * white_plain) << "whitened EFP MMD^2 with the plain term " << white_plain
                                            << ", with the whitened term " << white_white;
}

// The average is checkpointed with the weights it averages.
TEST(CloudTrainerTest, ResumedRunEqualsUninterruptedRunWithGeneratorAverage) {
  json config = TinyConfig(40);
  config["optimizer"]["generator_ema"] = 0.9;
  ExpectResumeEqualsWhole(config);
}

std::vector<int64_t> Sizes(const Table& t) {
  std::vector<int64_t> sizes;
  const int n = *t.ColumnIndex("n_constituents"), c = *t.ColumnIndex("constituent");
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    if (t.at(r, c) == 0) sizes.push_back(static_cast<int64_t>(t.at(r, n)));
  }
  return sizes;
}

double SampleMultiplicityW1(const Model& model) {
  const torch::Tensor truth = torch::tensor(Sizes(Reference()));
  const torch::Tensor fake = torch::tensor(Sizes(*model.Sample(Table(), 600, 77, 0)));
  return MultiplicityW1(fake, truth);
}

// generator_ema keeps the set generator's moving average and leaves the
// training itself, and the sizes stage, as they were: a decay so small that
// the average is the last weights gives the unaveraged model's jets, a
// decay of 0.9 other members for the same sizes.
TEST(CloudTrainerTest, GeneratorAverageReplacesTheSetStageOnly) {
  json config = TinyConfig(40);
  const Table last = *Fitted(config)->Sample(Table(), 200, 5, 0);
  config["optimizer"]["generator_ema"] = 1e-12;
  const std::unique_ptr<Model> almost_last = Fitted(config);
  EXPECT_EQ(almost_last->Describe()["config"]["optimizer"]["generator_ema"], 1e-12);
  const Table nearly = *almost_last->Sample(Table(), 200, 5, 0);
  ASSERT_EQ(nearly.num_rows(), last.num_rows());
  for (size_t i = 0; i < last.values().size(); ++i) ASSERT_NEAR(nearly.values()[i], last.values()[i], 1e-4) << i;
  config["optimizer"]["generator_ema"] = 0.9;
  const Table averaged = *Fitted(config)->Sample(Table(), 200, 5, 0);
  EXPECT_EQ(Sizes(averaged), Sizes(last));
  const int eta = *last.ColumnIndex("eta_rel");
  double moved = 0;
  for (int64_t r = 0; r < last.num_rows(); ++r) {
    moved = std::max(moved, std::abs(double{averaged.at(r, eta)} - last.at(r, eta)));
  }
  EXPECT_GT(moved, 1e-3) << "the averaged set stage makes other members";
}

TEST(CloudTrainerTest, ShortFitMovesMultiplicityTowardsTruth) {
  json config = TinyConfig(1);
  const double untrained = SampleMultiplicityW1(*Fitted(config));
  config["steps"] = 600;
  const std::unique_ptr<Model> trained = Fitted(config);
  const double after = SampleMultiplicityW1(*trained);
  EXPECT_LT(after, 0.5 * untrained) << "untrained W1 " << untrained << ", trained " << after;
  EXPECT_LT(after, 10.0);
}

}  // namespace
}  // namespace evgen
