#include "core/models/nn/noise.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/physics/constants.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

using physics::kPi;

::testing::AssertionResult HasText(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

at::Generator CpuGenerator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

NoiseSpec Spec(const std::string& kind, double alpha, int64_t dim) {
  NoiseSpec spec;
  spec.kind = kind;
  spec.alpha = alpha;
  spec.dim = dim;
  return spec;
}

struct Moments {
  double mean = 0, variance = 0, third = 0;  // third central moment
};

Moments MomentsOf(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) {
    m.variance += (x - m.mean) * (x - m.mean);
    m.third += std::pow(x - m.mean, 3);
  }
  m.variance /= static_cast<double>(v.size());
  m.third /= static_cast<double>(v.size());
  return m;
}

std::vector<double> Values(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kFloat64).contiguous().reshape({-1});
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// ExpectSkewNormalAlpha5 checks Azzalini's moments: mean delta sqrt(2/pi),
// variance 1 - 2 delta^2 / pi, and a positive third moment (the long high
// tail), none of which the normal has.
void ExpectSkewNormalAlpha5(const std::vector<double>& v) {
  const double delta = 5 / std::sqrt(26.0);
  const Moments m = MomentsOf(v);
  EXPECT_NEAR(m.mean, delta * std::sqrt(2 / kPi), 0.01);
  EXPECT_NEAR(m.variance, 1 - 2 * delta * delta / kPi, 0.01);
  EXPECT_GT(m.third / std::pow(m.variance, 1.5), 0.6);  // skewness ~0.85 at alpha 5
}

TEST(NoiseTest, DrawNoiseSkewNormalHasAzzaliniMoments) {
  at::Generator generator = CpuGenerator(7);
  const torch::Tensor z = DrawNoise(Spec("skew-normal", 5, 4), 50000, generator);
  ASSERT_EQ(z.sizes(), (std::vector<int64_t>{50000, 4}));
  ExpectSkewNormalAlpha5(Values(z));
}

TEST(NoiseTest, BlockNoiseSkewNormalHasAzzaliniMoments) {
  ExpectSkewNormalAlpha5(Values(BlockNoise(Spec("skew-normal", 5, 4), 3, 0, 50000)));
}

TEST(NoiseTest, BlockNoiseNormalAndUniformMoments) {
  const Moments normal = MomentsOf(Values(BlockNoise(Spec("normal", 0, 8), 8, 1000, 25000)));
  EXPECT_NEAR(normal.mean, 0, 0.01);
  EXPECT_NEAR(normal.variance, 1, 0.02);
  EXPECT_NEAR(normal.third, 0, 0.05);
  const torch::Tensor u = BlockNoise(Spec("uniform", 0, 8), 8, 0, 25000);
  EXPECT_GT(u.min().item<float>(), 0.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(MomentsOf(Values(u)).mean, 0.5, 0.005);
  EXPECT_NEAR(MomentsOf(Values(u)).variance, 1.0 / 12, 0.002);
}

TEST(NoiseTest, NormalAndUniformMoments) {
  at::Generator generator = CpuGenerator(8);
  const Moments normal = MomentsOf(Values(DrawNoise(Spec("normal", 0, 8), 25000, generator)));
  EXPECT_NEAR(normal.mean, 0, 0.01);
  EXPECT_NEAR(normal.variance, 1, 0.02);
  const torch::Tensor u = DrawNoise(Spec("uniform", 0, 8), 25000, generator);
  EXPECT_GE(u.min().item<float>(), 0.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(MomentsOf(Values(u)).variance, 1.0 / 12, 0.002);
  // alpha = 0 is the standard normal: no skew.
  const Moments skew0 = MomentsOf(Values(DrawNoise(Spec("skew-normal", 0, 8), 25000, generator)));
  EXPECT_NEAR(skew0.mean, 0, 0.01);
  EXPECT_NEAR(skew0.third, 0, 0.05);
}

TEST(NoiseTest, DrawNoiseIsReproducibleFromTheGeneratorSeed) {
  for (const char* kind : {"normal", "uniform", "skew-normal"}) {
    const NoiseSpec spec = Spec(kind, 5, 3);
    at::Generator a = CpuGenerator(42);
    at::Generator b = CpuGenerator(42);
    at::Generator c = CpuGenerator(43);
    const torch::Tensor za = DrawNoise(spec, 10, a);
    EXPECT_EQ(za.dtype(), torch::kFloat32);
    EXPECT_TRUE(za.device().is_cpu());
    torch::randn({100});  // LibTorch's global generator must not matter
    EXPECT_TRUE(torch::equal(za, DrawNoise(spec, 10, b))) << kind;
    EXPECT_FALSE(torch::equal(za, DrawNoise(spec, 10, c))) << kind;
    EXPECT_FALSE(torch::equal(za, DrawNoise(spec, 10, a))) << kind << ": the generator advances";
  }
}

TEST(NoiseTest, BlockNoiseRowsDependOnlyOnKeyAndAbsoluteRow) {
  for (const char* kind : {"normal", "uniform", "skew-normal"}) {
    const NoiseSpec spec = Spec(kind, 5, 3);  // odd dim: rows straddle hash boundaries
    const torch::Tensor whole = BlockNoise(spec, 11, 100, 40);
    // Rows 117..129 drawn alone, from an odd start, equal the same rows drawn
    // within the block.
    EXPECT_TRUE(torch::equal(BlockNoise(spec, 11, 117, 13), whole.slice(0, 17, 30))) << kind;
    EXPECT_FALSE(torch::equal(BlockNoise(spec, 12, 117, 13), whole.slice(0, 17, 30))) << kind;
    EXPECT_FALSE(torch::equal(BlockNoise(spec, 11, 118, 13), whole.slice(0, 17, 30))) << kind;
    EXPECT_TRUE(torch::isfinite(whole).all().item<bool>()) << kind;
  }
}

TEST(NoiseSpecTest, DefaultsAndRoundTrip) {
  absl::StatusOr<NoiseSpec> defaults = NoiseSpec::FromJson(nlohmann::json::object(), "noise");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->kind, "normal");
  EXPECT_EQ(defaults->dim, 8);
  const nlohmann::json j = {{"kind", "skew-normal"}, {"alpha", 5.0}, {"dim", 4096}};
  absl::StatusOr<NoiseSpec> spec = NoiseSpec::FromJson(j, "noise");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "skew-normal");
  EXPECT_EQ(spec->alpha, 5.0);
  EXPECT_EQ(spec->dim, 4096);
  EXPECT_EQ(spec->ToJson(), j);
}

TEST(NoiseSpecTest, ErrorsNameTheFieldAndTheAllowedValues) {
  struct Case {
    nlohmann::json j;
    std::string name;
    std::string allowed;
  };
  const std::vector<Case> cases = {
      {{{"sigma", 1}}, "latent.sigma", "alpha"},
      {{{"kind", "gaussian"}}, "latent.kind", "skew-normal"},
      {{{"kind", 1}}, "latent.kind", "uniform"},
      {{{"alpha", "5"}}, "latent.alpha", "finite"},
      {{{"alpha", std::numeric_limits<double>::infinity()}}, "latent.alpha", "finite"},
      {{{"dim", 0}}, "latent.dim", "[1, 4096]"},
      {{{"dim", 4097}}, "latent.dim", "[1, 4096]"},
      {{{"dim", -3}}, "latent.dim", "[1, 4096]"},
      {{{"dim", 8.5}}, "latent.dim", "integer"},
      {{{"dim", "8"}}, "latent.dim", "integer"},
      {{{"dim", true}}, "latent.dim", "integer"},
      {nlohmann::json("normal"), "latent", "object"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<NoiseSpec> spec;
    ASSERT_NO_THROW(spec = NoiseSpec::FromJson(c.j, "latent")) << c.j.dump();
    ASSERT_FALSE(spec.ok()) << c.j.dump();
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << c.j.dump();
    EXPECT_TRUE(HasText(std::string(spec.status().message()), c.name));
    EXPECT_TRUE(HasText(std::string(spec.status().message()), c.allowed));
  }
}

}  // namespace
}  // namespace evgen
