#include "core/store/model_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

#include "core/models/model_family.h"
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

// Gate holds GatedModel::ForInference until a test opens it, so a copy's
// check can be kept in flight.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, open = false;
  int copies = 0;
};
Gate& TheGate() {
  static Gate gate;
  return gate;
}

class GatedModel final : public Model {
 public:
  std::string kind() const override { return "gated"; }
  const std::vector<std::string>& condition_columns() const override { return none_; }
  const std::vector<std::string>& target_columns() const override { return targets_; }
  absl::Status Fit(const Table&, const FitContext&) override { return absl::OkStatus(); }
  absl::StatusOr<Table> Sample(const Table&, int64_t, uint64_t, int64_t) const override { return Table({"x"}); }
  absl::StatusOr<std::unique_ptr<Model>> ForInference(const InferenceTarget&) const override {
    Gate& gate = TheGate();
    std::unique_lock<std::mutex> lock(gate.mu);
    ++gate.copies;
    gate.entered = true;
    gate.cv.notify_all();
    gate.cv.wait_for(lock, std::chrono::seconds(30), [&] { return gate.open; });
    return std::unique_ptr<Model>(std::make_unique<GatedModel>());
  }
  nlohmann::json Describe() const override { return nlohmann::json::object(); }
  absl::Status Save(const std::string& dir) const override {
    std::ofstream(dir + "/gated") << 1;
    return absl::OkStatus();
  }
  absl::Status Load(const std::string&) override { return absl::OkStatus(); }

 private:
  std::vector<std::string> none_, targets_ = {"x"};
};

class GatedFamily final : public ModelFamily {
 public:
  std::string name() const override { return "gated"; }
  std::vector<std::string> kinds() const override { return {"gated"}; }
  absl::StatusOr<nlohmann::json> ResolveConfig(const std::string&, const nlohmann::json& config) const override {
    return config;
  }
  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string&, const nlohmann::json&) const override {
    return std::unique_ptr<Model>(std::make_unique<GatedModel>());
  }
};

const bool kGatedRegistered = RegisterModelFamily(std::make_unique<GatedFamily>());

TEST(ModelStoreTest, ACopyIsCheckedWithoutTheLockAndNotCachedAfterADelete) {
  ASSERT_TRUE(kGatedRegistered);
  const std::string dir = FreshDir("models-gated");
  ModelStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  ModelRecord record;
  record.name = "slow";
  record.kind = "gated";
  ASSERT_TRUE(store.Put(record, GatedModel(), {}).ok());
  record.name = "tpl";
  record.kind = "template";
  ASSERT_TRUE(store.Put(record, *FittedTemplate(), {}).ok());

  InferenceTarget bf16;
  bf16.precision = "bf16";
  Gate& gate = TheGate();
  auto first = std::async(std::launch::async, [&] { return store.LoadFor("slow", 0, bf16); });
  {
    std::unique_lock<std::mutex> lock(gate.mu);
    ASSERT_TRUE(gate.cv.wait_for(lock, std::chrono::seconds(10), [&] { return gate.entered; }));
  }
  // While the copy's check runs, other models load and a delete goes through.
  auto others = std::async(std::launch::async, [&] { return store.Load("tpl", 0).ok() && store.Delete("slow", 0).ok(); });
  const std::future_status waited = others.wait_for(std::chrono::seconds(10));
  {
    std::lock_guard<std::mutex> lock(gate.mu);
    gate.open = true;
    gate.cv.notify_all();
  }
  EXPECT_EQ(waited, std::future_status::ready) << "the copy's check held the store's lock";
  EXPECT_TRUE(others.get());
  auto copy = first.get();
  ASSERT_TRUE(copy.ok()) << copy.status();  // asked before the delete: served

  // A new model under the freed name and version gets its own copy, not the deleted one's.
  record.name = "slow";
  record.kind = "gated";
  ASSERT_EQ(store.Put(record, GatedModel(), {})->version, 1);
  auto again = store.LoadFor("slow", 0, bf16);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->second, copy->second);
  EXPECT_EQ(gate.copies, 2);
  EXPECT_EQ(store.LoadFor("slow", 0, bf16)->second, again->second) << "the new copy is cached";
}

}  // namespace
}  // namespace evgen
