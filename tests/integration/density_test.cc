// Densities through a real evgend: a flow trained as a job answers
// `evgen density` and the client's streamed Density call with finite log p,
// the same for any chunking and run; a GAN is refused with
// FAILED_PRECONDITION, bad events with INVALID_ARGUMENT naming the column
// and the stream's row.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/evgen_client.h"
#include "core/io/atomic_file.h"
#include "core/io/table_file.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

class DensityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-density"));
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(Cli({"datasets", "generate", "qcd-multijet", "-n", "3000", "--seed", "2", "--name", "qcd"}).code, 0);
    CliResult flow = Cli({"train", "flow-rqs", "--dataset", "qcd", "--region", "control", "--name", "qf", "--config",
                          R"({"preset": "qcd-multijet-flow-small", "steps": 60})", "--seed", "3", "--wait"});
    ASSERT_EQ(flow.code, 0) << flow.err << flow.out;
    CliResult gan = Cli({"train", "gan", "--dataset", "qcd", "--region", "control", "--name", "jm", "--config",
                         R"({"preset": "jetmass-gan-small", "steps": 5})", "--seed", "3", "--wait"});
    ASSERT_EQ(gan.code, 0) << gan.err << gan.out;
    ASSERT_EQ(Cli({"datasets", "export", "qcd", "--region", "validation", "-o", *dir_ + "/jets.csv"}).code, 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static CliResult Cli(const std::vector<std::string>& args) { return RunCliCapture(server_->address(), args); }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* DensityTest::dir_ = nullptr;
EvgendProcess* DensityTest::server_ = nullptr;

TEST_F(DensityTest, TheCliWritesEveryEventWithItsLogDensityTheSameEachRun) {
  const std::string out = *dir_ + "/log_p.csv", again = *dir_ + "/log_p_again.csv";
  CliResult r = Cli({"density", *dir_ + "/jets.csv", "--model", "qf", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  std::cout << "density figure: " << r.out;
  ASSERT_EQ(Cli({"density", *dir_ + "/jets.csv", "--model", "qf", "-o", again}).code, 0);
  EXPECT_EQ(*ReadFileToString(out), *ReadFileToString(again));
  absl::StatusOr<Table> jets = ReadTableFile(*dir_ + "/jets.csv");
  absl::StatusOr<Table> with = ReadTableFile(out);
  ASSERT_TRUE(jets.ok() && with.ok());
  ASSERT_EQ(with->num_rows(), jets->num_rows());
  const int column = *with->ColumnIndex("log_density");
  for (int64_t i = 0; i < with->num_rows(); ++i) ASSERT_TRUE(std::isfinite(with->at(i, column))) << "row " << i;
}

TEST_F(DensityTest, ChunkingDoesNotChangeTheDensities) {
  absl::StatusOr<Table> jets = ReadTableFile(*dir_ + "/jets.csv");
  ASSERT_TRUE(jets.ok());
  EvgenClient client(server_->address());
  absl::StatusOr<std::vector<double>> whole = client.Density("qf", 0, *jets);
  absl::StatusOr<std::vector<double>> pieces = client.Density("qf", 0, *jets, 97);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  ASSERT_EQ(whole->size(), static_cast<size_t>(jets->num_rows()));
  ASSERT_EQ(pieces->size(), whole->size());
  double mean = 0;
  for (size_t i = 0; i < whole->size(); ++i) {
    // Passes are cut where the chunks are, so BLAS may sum in another order.
    EXPECT_NEAR((*pieces)[i], (*whole)[i], 1e-5 * (1 + std::abs((*whole)[i]))) << "row " << i;
    mean += (*whole)[i] / static_cast<double>(whole->size());
  }
  std::cout << "density figure: mean log p of " << whole->size() << " validation jets " << mean << "\n";
}

// A sample with its densities: the column equals what the density call
// gives for the same events, and the events equal the plain sample's.
TEST_F(DensityTest, SamplesCarryTheirLogDensityWhenAsked) {
  const std::string plain = *dir_ + "/plain.csv", with = *dir_ + "/with.csv", again = *dir_ + "/again.csv";
  ASSERT_EQ(Cli({"sample", "5000", "--model", "qf", "--seed", "8", "-o", plain}).code, 0);
  CliResult r = Cli({"sample", "5000", "--model", "qf", "--seed", "8", "--with-log-density", "-o", with});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(Cli({"density", plain, "--model", "qf", "-o", again}).code, 0);
  absl::StatusOr<Table> sampled = ReadTableFile(with);
  absl::StatusOr<Table> evaluated = ReadTableFile(again);
  ASSERT_TRUE(sampled.ok() && evaluated.ok());
  ASSERT_EQ(sampled->columns(), evaluated->columns());
  ASSERT_EQ(sampled->num_rows(), 5000);
  const int log_p = *sampled->ColumnIndex("log_density");
  for (int64_t i = 0; i < sampled->num_rows(); ++i) {
    for (int c = 0; c < log_p; ++c) ASSERT_EQ(sampled->at(i, c), evaluated->at(i, c)) << "row " << i;
    // The sampler evaluates 4096-row passes aligned to the sample's rows,
    // the density call to the file's: BLAS may sum in another order.
    ASSERT_NEAR(sampled->at(i, log_p), evaluated->at(i, log_p), 1e-4 * (1 + std::abs(evaluated->at(i, log_p))))
        << "row " << i;
  }

  CliResult gan = Cli({"sample", "100", "--model", "jm", "--conditions-from", "qcd", "--seed", "8",
                       "--with-log-density", "-o", *dir_ + "/gan.csv"});
  EXPECT_NE(gan.code, 0);
  EXPECT_NE(gan.err.find("FAILED_PRECONDITION"), std::string::npos) << gan.err;
  EXPECT_NE(gan.err.find("no density"), std::string::npos) << gan.err;
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/gan.csv"));
}

// A million events of 32 columns (122 MiB of float32; the flow reads 3, the
// others ride along as in a real file) stream through the density call
// while the server's resident memory grows by less than half of them: it
// holds a chunk at a time, not the stream.
TEST_F(DensityTest, AMillionEventsStreamWithBoundedServerMemory) {
  absl::StatusOr<Table> jets = ReadTableFile(*dir_ + "/jets.csv");
  ASSERT_TRUE(jets.ok());
  absl::StatusOr<Table> three = jets->SelectColumns({"pt_gev", "eta", "mass_gev"});
  ASSERT_TRUE(three.ok());
  constexpr int64_t kEvents = 1'000'000;
  constexpr int kColumns = 32;
  std::vector<std::string> columns = three->columns();
  for (int k = 3; k < kColumns; ++k) columns.push_back(absl::StrCat("other_", k));
  Table many(columns);
  many.Reserve(kEvents);
  std::vector<float> row(kColumns);
  for (int64_t r = 0; r < kEvents; ++r) {
    std::copy(three->row(r % three->num_rows()), three->row(r % three->num_rows()) + 3, row.begin());
    for (int k = 3; k < kColumns; ++k) row[k] = static_cast<float>(r % 1000 + k);
    many.AppendRow(row.data());
  }
  const int64_t event_bytes = kEvents * kColumns * static_cast<int64_t>(sizeof(float));

  EvgenClient client(server_->address());
  ASSERT_TRUE(client.Density("qf", 0, *three).ok());  // the model loaded, BLAS warmed up
  const pid_t pid = server_->pid();
  const int64_t start = ProcessStatusBytes(pid, "VmRSS:");
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{start};
  std::thread watch([&] {
    while (!done) {
      peak = std::max<int64_t>(peak, ProcessStatusBytes(pid, "VmRSS:"));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  absl::StatusOr<std::vector<double>> log_p = client.Density("qf", 0, many, 16384);
  done = true;
  watch.join();
  ASSERT_TRUE(log_p.ok()) << log_p.status();
  ASSERT_EQ(static_cast<int64_t>(log_p->size()), kEvents);
  for (int64_t i = 0; i < kEvents; i += 9973) ASSERT_TRUE(std::isfinite((*log_p)[i])) << "row " << i;
  const int64_t growth = peak - start;
  std::cout << "density figure: server RSS grew " << growth / (1 << 20) << " MiB while streaming "
            << event_bytes / (1 << 20) << " MiB of events\n";
  EXPECT_LT(growth, event_bytes / 2);
}

TEST_F(DensityTest, GansAndBadEventsAreRefusedWithTheirReason) {
  absl::StatusOr<Table> jets = ReadTableFile(*dir_ + "/jets.csv");
  ASSERT_TRUE(jets.ok());
  EvgenClient client(server_->address());
  absl::StatusOr<std::vector<double>> gan = client.Density("jm", 0, *jets);
  ASSERT_FALSE(gan.ok());
  EXPECT_EQ(gan.status().code(), absl::StatusCode::kFailedPrecondition) << gan.status();
  EXPECT_NE(gan.status().message().find("no density"), std::string::npos) << gan.status();

  Table broken = *jets;
  broken.at(150, *broken.ColumnIndex("eta")) = std::numeric_limits<float>::quiet_NaN();
  absl::StatusOr<std::vector<double>> nan = client.Density("qf", 0, broken, 100);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().code(), absl::StatusCode::kInvalidArgument) << nan.status();
  EXPECT_NE(nan.status().message().find("eta"), std::string::npos) << nan.status();
  EXPECT_NE(nan.status().message().find("row 150"), std::string::npos) << nan.status().message();

  absl::StatusOr<Table> no_mass = jets->SelectColumns({"pt_gev", "eta"});
  ASSERT_TRUE(no_mass.ok());
  absl::StatusOr<std::vector<double>> missing = client.Density("qf", 0, *no_mass);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("mass_gev"), std::string::npos) << missing.status();

  absl::StatusOr<std::vector<double>> unknown = client.Density("no-such-model", 0, *jets);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();
}

}  // namespace
}  // namespace evgen::testing
