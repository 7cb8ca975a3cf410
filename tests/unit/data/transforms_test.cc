#include "core/data/transforms.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/random/counter_rng.h"

namespace evgen {
namespace {

using Json = nlohmann::json;

Table Events(int n) {
  Table t({"p1_e_gev", "p1_px_gev", "p1_py_gev", "p1_pz_gev", "phi", "frac", "pt_gev"});
  for (int i = 0; i < n; ++i) {
    CounterRng rng(3, i);
    const double px = 50 * rng.Normal(), py = 50 * rng.Normal(), pz = 200 * rng.Normal();
    const double e = std::sqrt(px * px + py * py + pz * pz + 4.7 * 4.7);
    t.AppendRow({float(e), float(px), float(py), float(pz), float(3.14159 * (2 * rng.Uniform() - 1)),
                 float(rng.Uniform()), float(30 + 100 * rng.Uniform() * rng.Uniform())});
  }
  return t;
}

void ExpectNear(const Table& a, const Table& b, double relative) {
  ASSERT_EQ(a.columns(), b.columns());
  ASSERT_EQ(a.num_rows(), b.num_rows());
  for (int64_t r = 0; r < a.num_rows(); ++r) {
    for (int c = 0; c < a.num_columns(); ++c) {
      EXPECT_NEAR(a.at(r, c), b.at(r, c), relative * (1 + std::abs(a.at(r, c)))) << a.columns()[c] << " row " << r;
    }
  }
}

TEST(TransformsTest, EveryKindRoundTripsToPhysicalUnits) {
  const Table events = Events(2000);
  const Json spec = Json::parse(R"([
    {"kind": "on-shell", "particles": [{"prefix": "p1", "mass_gev": 4.7}]},
    {"kind": "periodic", "columns": ["phi"]},
    {"kind": "log", "columns": ["pt_gev"]},
    {"kind": "logit", "columns": ["frac"], "epsilon": 1e-7},
    {"kind": "standardize", "columns": ["p1_pz_gev"]},
    {"kind": "min-max", "columns": ["p1_px_gev", "p1_py_gev"], "low": -1, "high": 1}
  ])");
  absl::StatusOr<TransformChain> chain = TransformChain::FromJson(spec);
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_TRUE(chain->Fit(events).ok());
  absl::StatusOr<Table> model_space = chain->Forward(events);
  ASSERT_TRUE(model_space.ok()) << model_space.status();
  EXPECT_EQ(model_space->columns(), (std::vector<std::string>{"p1_px_gev", "p1_py_gev", "p1_pz_gev",
                                                                "phi_cos", "phi_sin", "frac", "pt_gev"}));
  // Scaled columns land where the transforms put them.
  double lo = 1e9, hi = -1e9, mean = 0;
  for (int64_t r = 0; r < model_space->num_rows(); ++r) {
    lo = std::min<double>(lo, model_space->at(r, 0));
    hi = std::max<double>(hi, model_space->at(r, 0));
    mean += model_space->at(r, 2) / model_space->num_rows();
  }
  EXPECT_NEAR(lo, -1, 1e-6);
  EXPECT_NEAR(hi, 1, 1e-6);
  EXPECT_NEAR(mean, 0, 1e-5);
  absl::StatusOr<Table> back = chain->Inverse(*model_space);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectNear(events, *back, 2e-5);

  // A fitted chain serialises with its parameters and restores exactly.
  absl::StatusOr<TransformChain> restored = TransformChain::FromJson(chain->ToJson());
  ASSERT_TRUE(restored.ok()) << restored.status();
  ExpectNear(*back, *restored->Inverse(*model_space), 0);
}

TEST(TransformsTest, OnShellPutsGeneratedParticlesOnTheirMassShell) {
  auto chain = *TransformChain::FromJson(
      Json::parse(R"([{"kind": "on-shell", "particles": [{"prefix": "p1", "mass_gev": 80.4}]}])"));
  Table events = Events(10);
  ASSERT_TRUE(chain.Fit(events).ok());
  Table generated({"p1_px_gev", "p1_py_gev", "p1_pz_gev", "phi", "frac", "pt_gev"});
  generated.AppendRow({30.f, -40.f, 0.f, 0.f, 0.5f, 40.f});
  Table physical = *chain.Inverse(generated);
  EXPECT_EQ(physical.columns()[0], "p1_e_gev");
  EXPECT_NEAR(physical.at(0, 0), std::sqrt(50.0 * 50.0 + 80.4 * 80.4), 1e-3);
}

TEST(TransformsTest, TailCutDropsTheFittedTailOnlyInTheForwardDirection) {
  Table t({"x"});
  for (int i = 1; i <= 1000; ++i) t.AppendRow({float(i)});
  auto chain = *TransformChain::FromJson(Json::parse(R"([{"kind": "tail-cut", "columns": ["x"], "percentile": 99}])"));
  ASSERT_TRUE(chain.Fit(t).ok());
  Table cut = *chain.Forward(t);
  EXPECT_EQ(cut.num_rows(), 991);
  Table wide({"x"});
  wide.AppendRow({5000.f});
  EXPECT_EQ(chain.Inverse(wide)->at(0, 0), 5000.f);
}

// A model passes its condition columns as `untouched`: a transform may cut
// rows on them but not change, rename or drop them.
TEST(TransformsTest, FitRefusesTransformsOfUntouchedColumns) {
  const Table events = Events(500);
  auto fit = [&events](const char* spec) {
    auto chain = *TransformChain::FromJson(Json::parse(spec));
    return chain.Fit(events, {"pt_gev"});
  };
  EXPECT_TRUE(fit(R"([{"kind": "log", "columns": ["frac"]},
                      {"kind": "tail-cut", "columns": ["pt_gev"], "percentile": 99}])").ok());
  const absl::Status changed = fit(R"([{"kind": "min-max", "columns": ["frac"]},
                                       {"kind": "log", "columns": ["frac", "pt_gev"], "offset": 1}])");
  EXPECT_EQ(changed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(changed.message()),
              testing::HasSubstr("transforms[1] (log) changes the condition column 'pt_gev'"));
  EXPECT_THAT(std::string(changed.message()), testing::HasSubstr("evgen datasets derive"));
  const absl::Status removed = fit(R"([{"kind": "periodic", "columns": ["pt_gev"]}])");
  EXPECT_THAT(std::string(removed.message()),
              testing::HasSubstr("transforms[0] (periodic) removes the condition column 'pt_gev'"));
}

TEST(TransformsTest, BadSpecsAndInputsNameTheProblem) {
  struct Case {
    std::string spec;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"kind": "box-cox", "columns": ["x"]})", "'box-cox' is not one of min-max, standardize"},
      {R"({"kind": "log"})", "columns must be a non-empty list"},
      {R"({"kind": "min-max", "columns": ["x"], "low": 1, "high": 0})", "high: must exceed low"},
      {R"({"kind": "logit", "columns": ["x"], "epsilon": 0.7})", "epsilon must be a number in (0, 0.5)"},
      {R"({"kind": "tail-cut", "columns": ["x"], "percentile": 120})", "percentile must be a number in (0, 100]"},
      {R"({"kind": "on-shell", "particles": [{"prefix": "p1"}]})", "mass_gev"},
      {R"([1])", "must be an object"},
  };
  for (const Case& c : cases) {
    absl::Status s = MakeTransform(Json::parse(c.spec)).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.spec;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
  }
  Table t({"x"});
  t.AppendRow({-3.f});
  auto log = *TransformChain::FromJson(Json::parse(R"([{"kind": "log", "columns": ["x"]}])"));
  absl::Status s = log.Forward(t).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("column 'x' row 0"), std::string::npos) << s.message();
  auto missing = *TransformChain::FromJson(Json::parse(R"([{"kind": "standardize", "columns": ["y"]}])"));
  EXPECT_EQ(missing.Fit(t).code(), absl::StatusCode::kInvalidArgument);
  auto unfitted = *TransformChain::FromJson(Json::parse(R"([{"kind": "standardize", "columns": ["x"]}])"));
  EXPECT_EQ(unfitted.Forward(t).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace evgen

namespace evgen {
namespace {

// A chain's log-Jacobian against central finite differences of Forward,
// column by column (each transform here maps columns one to one).
TEST(TransformsTest, ChainLogJacobianMatchesFiniteDifferences) {
  Table train({"a", "b", "c", "d"});
  for (int r = 0; r < 200; ++r) {
    CounterRng rng(3, r);
    train.AppendRow({static_cast<float>(1 + rng.Uniform() * 5), static_cast<float>(0.05 + 0.9 * rng.Uniform()),
                     static_cast<float>(rng.Normal() * 3), static_cast<float>(20 + rng.Uniform() * 200)});
  }
  auto chain = TransformChain::FromJson(nlohmann::json::parse(R"([
      {"kind": "log", "columns": ["a"], "offset": 0.5},
      {"kind": "logit", "columns": ["b"]},
      {"kind": "min-max", "columns": ["c"], "low": -1, "high": 1},
      {"kind": "tail-cut", "columns": ["c"], "percentile": 90},
      {"kind": "power", "columns": ["d"], "lambda": 0.3, "offset": 2},
      {"kind": "standardize", "columns": ["a", "b", "c", "d"]}])"));
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_TRUE(chain->Fit(train).ok());
  std::vector<double> log_det;
  auto mapped = chain->ForwardWithLogAbsDet(train, &log_det);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  ASSERT_EQ(mapped->num_rows(), train.num_rows());  // the tail cut keeps every row here
  for (int64_t r = 0; r < 20; ++r) {
    double expected = 0;
    for (int c = 0; c < 4; ++c) {
      const double x = train.at(r, c), h = 1e-3 * std::max(1e-2, std::abs(x));
      Table plus({"a", "b", "c", "d"}), minus({"a", "b", "c", "d"});
      std::vector<float> row(train.row(r), train.row(r) + 4);
      row[c] = static_cast<float>(x + h);
      plus.AppendRow(row.data());
      row[c] = static_cast<float>(x - h);
      minus.AppendRow(row.data());
      std::vector<double> unused;
      const double dy = chain->ForwardWithLogAbsDet(plus, &unused)->at(0, c) -
                        chain->ForwardWithLogAbsDet(minus, &unused)->at(0, c);
      expected += std::log(std::abs(dy / (static_cast<float>(x + h) - static_cast<float>(x - h))));
    }
    EXPECT_NEAR(log_det[r], expected, 2e-3) << "row " << r;
  }
}

// Box-Cox: the log's limit at small lambda, a shift at lambda = 1, and a
// sample below -1 / lambda (which no x maps to) goes to the domain's edge.
TEST(TransformsTest, PowerIsBoxCoxAndInvertsToTheDomain) {
  Table t({"x"});
  for (float x : {0.5f, 3.0f, 40.0f, 900.0f}) t.AppendRow(&x);
  for (double lambda : {1e-4, 0.25, 1.0}) {
    auto chain = TransformChain::FromJson(Json::array({{{"kind", "power"}, {"columns", {"x"}}, {"lambda", lambda}}}));
    ASSERT_TRUE(chain.ok()) << chain.status();
    absl::StatusOr<Table> y = chain->Forward(t);
    ASSERT_TRUE(y.ok()) << y.status();
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      const double x = t.at(r, 0);
      const double expected = lambda < 1e-3 ? std::log(x) : (std::pow(x, lambda) - 1) / lambda;
      EXPECT_NEAR(y->at(r, 0), expected, 1e-3 * (1 + std::abs(expected))) << "lambda " << lambda << " x " << x;
    }
    absl::StatusOr<Table> back = chain->Inverse(*y);
    ASSERT_TRUE(back.ok()) << back.status();
    for (int64_t r = 0; r < t.num_rows(); ++r) EXPECT_NEAR(back->at(r, 0), t.at(r, 0), 1e-4 * t.at(r, 0));
  }
  auto chain = TransformChain::FromJson(Json::parse(R"([{"kind": "power", "columns": ["x"], "lambda": 0.5, "offset": 1}])"));
  ASSERT_TRUE(chain.ok());
  Table below({"x"});
  const float y = -2.5f;  // below -1 / lambda = -2
  below.AppendRow(&y);
  EXPECT_EQ(chain->Inverse(below)->at(0, 0), -1.0f);
  absl::Status bad = TransformChain::FromJson(Json::parse(R"([{"kind": "power", "columns": ["x"], "lambda": 0}])")).status();
  EXPECT_THAT(std::string(bad.message()), testing::HasSubstr("lambda"));
  EXPECT_THAT(std::string(bad.message()), testing::HasSubstr("(0, 1]"));
  Table negative({"x"});
  const float minus_one = -1.0f;
  negative.AppendRow(&minus_one);
  EXPECT_FALSE(chain->Forward(negative).ok());
}

// inverse-softplus: ln(x / scale) near 0, x / scale far above, no
// overflow at either end, inverse back to x, slope against differences.
TEST(TransformsTest, InverseSoftplusIsTheLogNearZeroAndLinearAbove) {
  Table t({"x"});
  for (float x : {1e-6f, 0.01f, 3.0f, 40.0f, 900.0f, 1e5f}) t.AppendRow(&x);
  auto chain =
      TransformChain::FromJson(Json::parse(R"([{"kind": "inverse-softplus", "columns": ["x"], "scale": 10}])"));
  ASSERT_TRUE(chain.ok()) << chain.status();
  std::vector<double> log_det;
  absl::StatusOr<Table> y = chain->ForwardWithLogAbsDet(t, &log_det);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_NEAR(y->at(0, 0), std::log(1e-7), 1e-5);
  EXPECT_NEAR(y->at(2, 0), std::log(std::exp(0.3) - 1), 1e-6);
  EXPECT_NEAR(y->at(4, 0), 90.0, 1e-4);
  EXPECT_NEAR(y->at(5, 0), 1e4, 1e-2);
  for (int64_t r = 1; r < 5; ++r) {
    const double x = t.at(r, 0), h = 1e-3 * x;
    const double slope = (std::log(std::expm1((x + h) / 10)) - std::log(std::expm1((x - h) / 10))) / (2 * h);
    EXPECT_NEAR(log_det[r], std::log(slope), 1e-5) << "x " << x;
  }
  absl::StatusOr<Table> back = chain->Inverse(*y);
  ASSERT_TRUE(back.ok()) << back.status();
  for (int64_t r = 0; r < t.num_rows(); ++r) EXPECT_NEAR(back->at(r, 0), t.at(r, 0), 1e-5 * t.at(r, 0)) << r;
  Table far({"x"});
  for (float v : {-800.f, 800.f}) far.AppendRow(&v);
  absl::StatusOr<Table> edges = chain->Inverse(far);
  ASSERT_TRUE(edges.ok());
  EXPECT_GE(edges->at(0, 0), 0.f);
  EXPECT_NEAR(edges->at(1, 0), 8000.f, 1e-2);
  Table zero({"x"});
  const float z = 0.f;
  zero.AppendRow(&z);
  absl::Status s = chain->Forward(zero).status();
  EXPECT_THAT(std::string(s.message()), testing::HasSubstr("is not above 0"));
  absl::Status bad =
      TransformChain::FromJson(Json::parse(R"([{"kind": "inverse-softplus", "columns": ["x"], "scale": 0}])"))
          .status();
  EXPECT_THAT(std::string(bad.message()), testing::HasSubstr("scale"));
}

TEST(TransformsTest, LogJacobianRefusesTransformsWithoutADensity) {
  Table t({"phi", "x"});
  t.AppendRow({0.5f, 0.f});
  t.AppendRow({1.5f, 1.f});
  auto periodic = TransformChain::FromJson(nlohmann::json::parse(R"([{"kind": "periodic", "columns": ["phi"]}])"));
  ASSERT_TRUE(periodic.ok() && periodic->Fit(t).ok());
  std::vector<double> log_det;
  auto r = periodic->ForwardWithLogAbsDet(t, &log_det);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("periodic"), std::string::npos) << r.status();
  auto logit = TransformChain::FromJson(nlohmann::json::parse(R"([{"kind": "logit", "columns": ["x"]}])"));
  ASSERT_TRUE(logit.ok() && logit->Fit(t).ok());
  r = logit->ForwardWithLogAbsDet(t, &log_det);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("column 'x' row 0"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace evgen
