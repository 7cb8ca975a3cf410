#include "core/store/model_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/models/model_registry.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshDir;

std::unique_ptr<Model> FittedTemplate() {
  Table t({"pt_gev", "eta", "mass_gev"});
  for (int i = 0; i < 2000; ++i) t.AppendRow({220.f + i, -1.f + 0.001f * i, 10.f + (i % 50)});
  std::unique_ptr<Model> m = *CreateModel("template", nlohmann::json::object());
  EXPECT_TRUE(m->Fit(t, FitContext{}).ok());
  return m;
}

TEST(ModelStoreTest, VersionsCountUpAndLoadGivesTheSameSamples) {
  const std::string dir = FreshDir("models");
  ModelStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  std::unique_ptr<Model> model = FittedTemplate();
  ModelRecord record;
  record.name = "tpl";
  record.dataset = "qcd";
  absl::StatusOr<ModelRecord> v1 = store.Put(record, *model, {"{\"step\":1}"});
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->kind, "template");
  EXPECT_EQ(store.Put(record, *model, {})->version, 2);
  EXPECT_TRUE(std::filesystem::exists(dir + "/tpl/1/train.jsonl"));

  ModelStore reopened(dir);
  EXPECT_EQ(reopened.GetRecord("tpl", 0)->version, 2);
  auto loaded = reopened.Load("tpl", 1);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  Table conditions({"pt_gev", "eta"});
  for (int i = 0; i < 100; ++i) conditions.AppendRow({300.f + i, 0.5f});
  EXPECT_EQ(loaded->second->SampleFor(conditions, 4, 0)->values(), model->SampleFor(conditions, 4, 0)->values());
  ASSERT_EQ(reopened.List().size(), 2u);

  absl::Status missing = reopened.GetRecord("tpl", 7).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("versions: 1, 2"), std::string::npos);
  EXPECT_EQ(reopened.GetRecord("other", 0).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(reopened.Delete("tpl", 1).ok());
  EXPECT_EQ(reopened.List().size(), 1u);
  ASSERT_TRUE(reopened.Delete("tpl", 0).ok());
  EXPECT_TRUE(reopened.List().empty());
  EXPECT_EQ(reopened.Delete("tpl", 0).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace evgen
