// SIGKILL of a real evgend in the middle of work loses nothing (issue 11):
// killed while a GAN trains, while an upload is half sent and while a
// reference sample is being stored, a restarted server on the same data
// directory shows exactly the datasets and models it had, byte for byte
// (SHA-256 of every file, hidden ones included), no staging leftovers, the
// training job interrupted and resumable with no model published, and the
// names of the killed upload and generation free to use.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/evgen_client.h"
#include "core/io/atomic_file.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"
#include "tests/integration/restartable_server.h"
#include "tests/integration/job_polling.h"
#include "tests/integration/store_digest.h"

namespace evgen::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TEST(StoreDigestTest, Sha256MatchesTheFips180Examples) {
  EXPECT_EQ(Sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits the first block's padding.
  EXPECT_EQ(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// StagingEntries lists the hidden staging files or directories in `dir`.
std::vector<std::string> StagingEntries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, ".staging-")) out.push_back(name);
  }
  return out;
}

// StagedBytes sums the sizes of the files in `dir`'s staging entries (an
// upload's staging file, or what a store wrote into its staging directory).
int64_t StagedBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (const std::string& name : StagingEntries(dir)) {
    const fs::path entry = fs::path(dir) / name;
    if (fs::is_regular_file(entry, ec)) {
      total += static_cast<int64_t>(fs::file_size(entry, ec));
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(entry, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      std::error_code size_ec;
      const auto size = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
      if (!size_ec) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

// PollUntil checks `done` every millisecond until it holds, `give_up` holds
// or `limit` passed; true when `done` held.
bool PollUntil(const std::function<bool()>& done, const std::function<bool()>& give_up,
               std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline && !give_up()) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// StoreView is what a user and the disk show of the stores.
struct StoreView {
  StoreDigest datasets;  // files under <data-dir>/datasets
  StoreDigest models;    // files under <data-dir>/models
  std::vector<std::string> dataset_names;
  std::vector<std::string> model_versions;  // "name/version"
};

class CrashTest : public RestartableServerTest {
 protected:
  // SetUp fills a store with a generated dataset and a trained template
  // model and takes its view: what every kill must leave as it was.
  void SetUp() override {
    dir_ = MakeTempDir("evgen-crash");
    ASSERT_FALSE(dir_.empty());
    StartServer();
    CliResult generated = RunCliCapture(
        address(), {"datasets", "generate", "qcd-multijet", "-n", "20000", "--name", "qcd"});
    ASSERT_EQ(generated.code, 0) << generated.err;
    CliResult trained =
        RunCliCapture(address(), {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"});
    ASSERT_EQ(trained.code, 0) << trained.err;
    before_ = View();
    ASSERT_FALSE(before_.datasets.empty());
    ASSERT_FALSE(before_.models.empty());
    ASSERT_EQ(before_.dataset_names, std::vector<std::string>{"qcd"});
    ASSERT_EQ(before_.model_versions, std::vector<std::string>{"tpl/1"});
  }

  void Kill() { EXPECT_EQ(server_->Stop(SIGKILL), -SIGKILL); }

  std::string address() const { return server_->address(); }

  StoreView View() {
    StoreView view;
    view.datasets = DigestTree(dir_ + "/datasets");
    view.models = DigestTree(dir_ + "/models");
    absl::StatusOr<v1::ListDatasetsResponse> datasets = client_->ListDatasets();
    EXPECT_TRUE(datasets.ok()) << datasets.status();
    if (datasets.ok()) {
      for (const v1::Dataset& d : datasets->datasets()) view.dataset_names.push_back(d.name());
    }
    absl::StatusOr<v1::ListModelsResponse> models = client_->ListModels("");
    EXPECT_TRUE(models.ok()) << models.status();
    if (models.ok()) {
      for (const v1::Model& m : models->models()) {
        view.model_versions.push_back(absl::StrCat(m.name(), "/", m.version()));
      }
    }
    std::sort(view.dataset_names.begin(), view.dataset_names.end());
    std::sort(view.model_versions.begin(), view.model_versions.end());
    return view;
  }

  // ExpectStoreAsBefore checks, after a restart, that the stores are what
  // SetUp left: the same files with the same bytes and nothing more (a
  // partial dataset, model or staging directory would add files), the same
  // listings, and no staged upload left.
  void ExpectStoreAsBefore() {
    const StoreView now = View();
    EXPECT_EQ(now.datasets, before_.datasets);
    EXPECT_EQ(now.models, before_.models);
    EXPECT_EQ(now.dataset_names, before_.dataset_names);
    EXPECT_EQ(now.model_versions, before_.model_versions);
    EXPECT_TRUE(fs::is_empty(dir_ + "/uploads"));
  }

  StoreView before_;
};

TEST_F(CrashTest, KilledDuringGanTrainingTheJobIsInterruptedAndNoModelIsPublished) {
  // The small jet-mass preset trains 6,000 steps; a checkpoint every 50 makes
  // the job resumable long before the kill.
  CliResult submitted =
      RunCliCapture(address(), {"--json", "train", "gan", "--preset", "jetmass-gan-small", "--dataset",
                                "qcd", "--name", "gan", "--config", R"({"checkpoint_every": 50})"});
  ASSERT_EQ(submitted.code, 0) << submitted.err;
  const std::string id = nlohmann::json::parse(submitted.out).value("id", "");
  ASSERT_FALSE(id.empty()) << submitted.out;
  const v1::Job running = WaitForJob(
      *client_, id, [](const v1::Job& j) { return JobEnded(j) || j.progress().step() >= 150; });
  ASSERT_EQ(running.state(), v1::JOB_STATE_RUNNING) << "the job must still run; make it longer";

  Kill();
  StartServer();
  ExpectStoreAsBefore();
  absl::StatusOr<v1::Job> interrupted = client_->GetJob(id);
  ASSERT_TRUE(interrupted.ok()) << interrupted.status();
  EXPECT_EQ(interrupted->state(), v1::JOB_STATE_INTERRUPTED);
  EXPECT_EQ(interrupted->model_version(), 0);
  EXPECT_EQ(client_->GetModel("gan", 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(fs::exists(dir_ + "/checkpoints/" + id + "/fit.ckpt"));

  // Resumable: it queues again under its id (cancelled here to save time;
  // resume_test follows a resumed job to its model).
  absl::StatusOr<v1::Job> resumed = client_->ResumeJob(id);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_FALSE(JobEnded(*resumed)) << v1::JobState_Name(resumed->state());
  ASSERT_TRUE(client_->CancelJob(id).ok());
  EXPECT_EQ(WaitForJob(*client_, id, JobEnded, std::chrono::seconds(10)).state(),
            v1::JOB_STATE_CANCELLED);
}

TEST_F(CrashTest, KilledMidUploadNothingIsStoredAndTheNameStaysFree) {
  // About 6 MiB of CSV, sent half through a raw stream so the kill lands
  // while the server holds a partly written staging file.
  std::string csv = "x,y,z\n";
  constexpr int kRows = 300000;
  for (int i = 0; i < kRows; ++i) absl::StrAppend(&csv, i, ",", i * 0.25, ",", 1e6 - i, "\n");
  const std::string file = dir_ + "/big.csv";
  ASSERT_TRUE(WriteFileAtomically(file, csv).ok());
  const int64_t half = static_cast<int64_t>(csv.size() / 2);

  auto stub = v1::DatasetService::NewStub(
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::Dataset response;
  auto writer = stub->UploadDataset(&context, &response);
  v1::UploadDatasetRequest message;
  message.mutable_header()->set_name("uploaded");
  message.mutable_header()->set_file_name("big.csv");
  message.mutable_header()->set_total_bytes(static_cast<int64_t>(csv.size()));
  ASSERT_TRUE(writer->Write(message));
  constexpr int64_t kChunk = 1 << 20;
  for (int64_t sent = 0; sent < half; sent += kChunk) {
    message.set_data(csv.substr(sent, std::min(kChunk, half - sent)));
    ASSERT_TRUE(writer->Write(message));
  }
  // The server's stdio buffer may still hold its last few KiB.
  const std::string uploads = dir_ + "/uploads";
  ASSERT_TRUE(PollUntil([&] { return StagedBytes(uploads) >= half - (64 << 10); },
                        [] { return false; }, std::chrono::seconds(20)))
      << "the server staged " << StagedBytes(uploads) << " of " << half << " bytes";

  Kill();
  EXPECT_FALSE(writer->Finish().ok());
  EXPECT_EQ(StagingEntries(uploads).size(), 1u) << "the kill leaves the staged half on disk";
  StartServer();
  ExpectStoreAsBefore();
  EXPECT_EQ(client_->DescribeDataset("uploaded").status().code(), absl::StatusCode::kNotFound);

  v1::UploadHeader header;
  header.set_name("uploaded");
  absl::StatusOr<v1::Dataset> uploaded = client_->UploadFile(file, header);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  EXPECT_EQ(uploaded->rows(), kRows);
  EXPECT_TRUE(fs::is_empty(uploads));
}

TEST_F(CrashTest, KilledWhileStoringAReferenceSampleNothingIsStoredAndTheNameStaysFree) {
  v1::GenerateReferenceRequest request;
  request.set_name("big");
  request.set_simulator("qcd-multijet");
  request.set_n_events(2'000'000);
  request.set_seed(5);
  std::atomic<bool> returned{false};
  absl::StatusOr<v1::Dataset> result;
  std::thread call([&, target = address()] {
    EvgenClient client(target);
    result = client.GenerateReference(request);
    returned = true;
  });
  // Kill once the store has begun writing the table into its staging
  // directory: the moment a partial dataset exists on disk.
  const std::string datasets = dir_ + "/datasets";
  const bool staging = PollUntil([&] { return StagedBytes(datasets) > 0; },
                                 [&] { return returned.load(); }, std::chrono::seconds(60));
  if (staging) Kill();
  call.join();
  ASSERT_TRUE(staging) << "GenerateReference ended before it was killed: " << result.status();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(StagingEntries(datasets).size(), 1u) << "the kill leaves the staging directory on disk";

  StartServer();
  ExpectStoreAsBefore();
  EXPECT_EQ(client_->DescribeDataset("big").status().code(), absl::StatusCode::kNotFound);
  request.set_n_events(1000);
  absl::StatusOr<v1::Dataset> again = client_->GenerateReference(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_GT(again->rows(), 0);
}

}  // namespace
}  // namespace evgen::testing
