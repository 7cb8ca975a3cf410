#include "core/jobs/training_job.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshDir;
using nlohmann::json;

Table Jets(int n) {
  Table t({"pt_gev", "eta", "n_track", "mass_gev", "region"});
  for (int i = 0; i < n; ++i) {
    t.AppendRow({220.f + i, -1.f + 2.f * i / n, static_cast<float>(10 + i % 30), 10.f + (i % 50),
                 static_cast<float>(1 + i % 2)});
  }
  return t;
}

// FakeJob is a job context that records the progress reports.
class FakeJob final : public JobContext {
 public:
  explicit FakeJob(std::string checkpoint_dir) : dir_(std::move(checkpoint_dir)) {}
  const std::string& id() const override { return id_; }
  const std::string& checkpoint_dir() const override { return dir_; }
  void Report(const TrainingProgress& p, double, double) override { steps.push_back(p.step); }
  bool cancelled() const override { return false; }
  std::vector<int64_t> steps;

 private:
  std::string id_ = "job-1";
  std::string dir_;
};

class TrainingJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("training-job");
    datasets_ = std::make_unique<DatasetStore>(dir_ + "/datasets");
    models_ = std::make_unique<ModelStore>(dir_ + "/models");
    ASSERT_TRUE(datasets_->Init().ok());
    ASSERT_TRUE(models_->Init().ok());
    ASSERT_TRUE(datasets_->Put("jets", Jets(3000), "test", 1).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TrainingRequest Request(const std::string& kind) const {
    TrainingRequest r;
    r.model_name = "m";
    r.kind = kind;
    r.dataset = "jets";
    r.seed = 3;
    return r;
  }

  std::string dir_;
  std::unique_ptr<DatasetStore> datasets_;
  std::unique_ptr<ModelStore> models_;
};

TEST_F(TrainingJobTest, RequestRoundTripsThroughJson) {
  TrainingRequest r = Request("wgan-gp");
  r.region = "control";
  r.condition_columns = {"pt_gev"};
  r.target_columns = {"mass_gev"};
  r.config = {{"steps", 5}};
  r.seed = 18446744073709551615ull;
  absl::StatusOr<TrainingRequest> back = TrainingRequest::FromJson(r.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), r.ToJson());
}

TEST_F(TrainingJobTest, MalformedRecordsNameTheField) {
  json j = Request("template").ToJson();
  j.erase("kind");
  EXPECT_EQ(TrainingRequest::FromJson(j).status().message(), "training request.kind is required");
  j = Request("template").ToJson();
  j["seed"] = -1;
  EXPECT_EQ(TrainingRequest::FromJson(j).status().message(),
            "training request.seed must be an unsigned integer, got -1");
  j = Request("template").ToJson();
  j["config"] = "x";
  EXPECT_EQ(TrainingRequest::FromJson(j).status().message(), "training request.config must be a JSON object, got \"x\"");
  EXPECT_EQ(TrainingRequest::FromJson(json::array()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TrainingJobTest, ValidationFillsTheRegionAndRefusesBadRequests) {
  TrainingRequest r = Request("template");
  ASSERT_TRUE(ValidateTrainingRequest(r, *datasets_).ok());
  EXPECT_EQ(r.region, "control") << "a jet table with regions trains on its control region";

  TrainingRequest unknown = Request("diffusion");
  EXPECT_NE(ValidateTrainingRequest(unknown, *datasets_).message().find("unknown model kind 'diffusion'"),
            std::string::npos);
  TrainingRequest columns = Request("template");
  columns.condition_columns = {"eta"};
  EXPECT_NE(ValidateTrainingRequest(columns, *datasets_).message().find("do not match the template model's"),
            std::string::npos);
  TrainingRequest missing = Request("template");
  missing.dataset = "nope";
  EXPECT_EQ(ValidateTrainingRequest(missing, *datasets_).code(), absl::StatusCode::kNotFound);
}

TEST_F(TrainingJobTest, RequestColumnsAreShorthandForAConfigThatNamesColumns) {
  TrainingRequest r = Request("gan");
  r.condition_columns = {"pt_gev", "eta"};
  r.target_columns = {"mass_gev"};
  ASSERT_TRUE(ValidateTrainingRequest(r, *datasets_).ok());
  EXPECT_EQ(r.config["condition_columns"], json({"pt_gev", "eta"}));
  EXPECT_EQ(r.config["target_columns"], json({"mass_gev"}));
  TrainingRequest absent = Request("gan");
  absent.target_columns = {"no_such_column"};
  EXPECT_NE(ValidateTrainingRequest(absent, *datasets_).message().find("has no column 'no_such_column'"),
            std::string::npos);
}

TEST_F(TrainingJobTest, RunTrainingSavesAVersionWithItsLog) {
  TrainingRequest r = Request("gan");
  r.condition_columns = {"pt_gev", "eta"};
  r.target_columns = {"mass_gev"};
  r.config = {{"steps", 30}, {"checkpoint_every", 10}, {"batch_size", 64},
              {"validation", {{"every", 10}}},
              {"generator", {{"hidden", {8}}}}, {"discriminator", {{"hidden", {8}}}}};
  ASSERT_TRUE(ValidateTrainingRequest(r, *datasets_).ok());
  const std::string checkpoints = dir_ + "/checkpoints";
  std::filesystem::create_directories(checkpoints);
  FakeJob job(checkpoints);
  absl::StatusOr<json> result = RunTraining(r, *datasets_, *models_, job);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ((*result)["version"], 1);
  EXPECT_FALSE(job.steps.empty());
  EXPECT_EQ(job.steps.back(), 30);
  absl::StatusOr<ModelRecord> record = models_->GetRecord("m", 1);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->job_id, "job-1");
  EXPECT_EQ(record->region, "control");
  // The GAN reports the rows it trained on, the control region less the
  // 10% it held out for validation.
  EXPECT_NEAR(record->metrics["training_rows"].get<double>(), 1350, 60);
  EXPECT_TRUE(std::filesystem::exists(checkpoints + "/fit.ckpt"));
  EXPECT_TRUE(std::filesystem::exists(checkpoints + "/train.jsonl")) << "the log is kept beside checkpoints";
}

}  // namespace
}  // namespace evgen
