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

// DirBytes is what the store counts for one loaded model: its saved files.
int64_t DirBytes(const std::string& dir) {
  int64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += static_cast<int64_t>(entry.file_size());
  }
  return bytes;
}

TEST(ModelStoreTest, TheCacheKeepsTheRecentlyUsedModelsWithinItsBytesAndForgetsDeletedOnes) {
  const std::string dir = FreshDir("models-cache");
  {
    ModelStore writer(dir);
    ASSERT_TRUE(writer.Init().ok());
    std::unique_ptr<Model> model = FittedTemplate();
    ModelRecord record;
    record.name = "tpl";
    for (int v = 1; v <= 2; ++v) ASSERT_TRUE(writer.Put(record, *model, {}).ok());
  }
  const int64_t one = DirBytes(dir + "/tpl/1");
  ASSERT_GT(one, 0);
  // Room for one model and a half: loading a second evicts the first.
  ModelStore store(dir, ModelStoreConfig{one + one / 2});
  ASSERT_TRUE(store.Init().ok());
  std::shared_ptr<const Model> first = store.Load("tpl", 1)->second;
  EXPECT_EQ(store.Load("tpl", 1)->second, first) << "a cached model is shared, not loaded again";
  std::shared_ptr<const Model> second = store.Load("tpl", 2)->second;
  EXPECT_NE(second, first);
  EXPECT_EQ(store.Load("tpl", 2)->second, second);
  EXPECT_NE(store.Load("tpl", 1)->second, first) << "version 1 was evicted by version 2";

  // "latest" follows a new version, and a deleted version is not served
  // from the cache.
  {
    ModelStore writer(dir);
    ModelRecord record;
    record.name = "tpl";
    ASSERT_TRUE(writer.Put(record, *FittedTemplate(), {}).ok());
  }
  auto latest = store.Load("tpl", 0);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->first.version, 3);
  ASSERT_TRUE(store.Delete("tpl", 3).ok());
  EXPECT_EQ(store.Load("tpl", 3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Load("tpl", 0)->first.version, 2);

  // A cache of 0 bytes keeps nothing and still serves every load.
  ModelStore uncached(dir, ModelStoreConfig{0});
  ASSERT_TRUE(uncached.Init().ok());
  std::shared_ptr<const Model> a = uncached.Load("tpl", 1)->second;
  ASSERT_NE(a, nullptr);
  EXPECT_NE(uncached.Load("tpl", 1)->second, a);
}

// LoadFor caches a model's copy for another precision beside it, shares it
// between loads, drops it with a deleted model, and passes on the refusal of
// a family that samples in float32 only.
TEST(ModelStoreTest, LoadForCachesTheReducedPrecisionCopyBesideTheModel) {
  const std::string dir = FreshDir("models-precision");
  ModelStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  Table t({"c", "y"});
  for (int i = 0; i < 500; ++i) t.AppendRow({0.002f * i, 0.004f * i + 0.1f * (i % 7)});
  const nlohmann::json config = {{"condition_columns", {"c"}}, {"target_columns", {"y"}},
                                  {"generator", {{"hidden", {16}}}}, {"discriminator", {{"hidden", {16}}}},
                                  {"steps", 5}, {"batch_size", 64}};
  auto gan = CreateModel("gan", config);
  ASSERT_TRUE(gan.ok()) << gan.status();
  ASSERT_TRUE((*gan)->Fit(t, FitContext{}).ok());
  ModelRecord record;
  record.name = "g";
  record.kind = "gan";
  record.config = config;
  ASSERT_TRUE(store.Put(record, **gan, {}).ok());
  record.name = "tpl";
  record.kind = "template";
  record.config = nlohmann::json::object();
  ASSERT_TRUE(store.Put(record, *FittedTemplate(), {}).ok());

  InferenceTarget bf16;
  bf16.precision = "bf16";
  bf16.tolerance = 1e-9;  // the store's own tolerance applies, not the caller's
  auto copy = store.LoadFor("g", 0, bf16);
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_NE(copy->second, store.Load("g", 0)->second);
  EXPECT_EQ(store.LoadFor("g", 0, bf16)->second, copy->second) << "the copy is cached";
  EXPECT_EQ(copy->second->Describe()["inference"]["check"]["tolerance"], 0.01);
  ASSERT_TRUE(store.Delete("g", 0).ok());
  EXPECT_EQ(store.LoadFor("g", 0, bf16).status().code(), absl::StatusCode::kNotFound);

  auto refused = store.LoadFor("tpl", 0, bf16);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(refused.status().message().find("template models sample in fp32"), std::string::npos)
      << refused.status();
  EXPECT_EQ(store.LoadFor("tpl", 0, bf16).status(), refused.status());
}

}  // namespace
}  // namespace evgen
