#include "core/models/model_registry.h"

#include <gtest/gtest.h>

#include "core/sampling/sample_rows.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

TEST(ModelRegistryTest, CreatesKnownKindsAndNamesTheAllowedOnes) {
  EXPECT_EQ(ModelKinds(), (std::vector<std::string>{"cinn", "flow-affine", "flow-rqs", "gan", "jet-cloud-gan", "lsgan",
                                                    "rjs-gan", "template", "wgan-clip", "wgan-gp", "wgan-u1"}));
  absl::StatusOr<std::unique_ptr<Model>> m = CreateModel("template", nlohmann::json::object());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->kind(), "template");
  absl::Status s = CreateModel("vae", {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "kind: unknown model kind 'vae'; allowed: cinn, flow-affine, flow-rqs, gan, jet-cloud-gan, lsgan, rjs-gan, "
            "template, wgan-clip, wgan-gp, wgan-u1");
  EXPECT_EQ(CreateModel("template", {{"mass_bins", -3}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

Table Jets(int n) {
  Table t({"pt_gev", "eta", "mass_gev", "n_track"});
  for (int i = 0; i < n; ++i) {
    t.AppendRow({250.f + (i % 500), -1.5f + 0.001f * (i % 3000), 20.f + (i % 40), float(10 + i % 30)});
  }
  return t;
}

TEST(SampleRowsTest, SlicesConcatenateToTheWholeSampleAndKeepColumns) {
  std::unique_ptr<Model> model = *CreateModel("template", nlohmann::json::object());
  ASSERT_TRUE(model->Fit(Jets(5000), FitContext{}).ok());
  const Table conditions = *ArrangeConditions(*model, Jets(300), {"n_track"}, "conditions");
  EXPECT_EQ(conditions.columns(), (std::vector<std::string>{"pt_gev", "eta", "n_track"}));
  // 1000 rows from 300 conditions: rows are reused cyclically.
  const Table whole = *SampleRows(*model, conditions, 0, 1000, 9);
  EXPECT_EQ(whole.columns(), (std::vector<std::string>{"pt_gev", "eta", "mass_gev", "n_track"}));
  Table pieces = *SampleRows(*model, conditions, 0, 123, 9);
  ASSERT_TRUE(pieces.Append(*SampleRows(*model, conditions, 123, 1000, 9)).ok());
  EXPECT_EQ(pieces.values(), whole.values());
  EXPECT_EQ(whole.at(700, 0), conditions.at(100, 0));
  EXPECT_EQ(whole.at(700, 3), conditions.at(100, 2));
  absl::Status s = ArrangeConditions(*model, Jets(3), {"phi"}, "conditions_from").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("keep_columns: 'phi'"), std::string::npos);
  EXPECT_EQ(ArrangeConditions(*model, Jets(3), {"mass_gev"}, "c").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
