// `evgen sample -o` into every output format through a real evgend (built
// with the test-only toy family, whose Gaussian of the ttbar-allhad
// four-vector columns stands in for a four-vector GAN and samples fast):
// each file reads back through evgen's own readers with the statistics of
// the .npy sample of the same seed, the same request later writes the same
// bytes, and the client's peak memory does not grow with the rows written
// in any format.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "core/io/table_file.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

class SampleFormatsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-sample-formats"));
    auto server = EvgendProcess::StartBinary(EVGEN_EVGEND_TOY_PATH, *dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    CliResult r = Cli({"datasets", "generate", "ttbar-allhad", "-n", "2000", "--name", "tt"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string columns;
    for (int i = 1; i <= 6; ++i) {
      for (const char* c : {"e", "px", "py", "pz"}) {
        columns += std::string(columns.empty() ? "" : ", ") + "\"p" + std::to_string(i) + "_" + c + "_gev\"";
      }
    }
    r = Cli({"train", "toy-gaussian", "--dataset", "tt", "--name", "tt4", "--wait", "--config",
             "{\"target_columns\": [" + columns + "], \"steps\": 4}"});
    ASSERT_EQ(r.code, 0) << r.err;
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

std::string* SampleFormatsTest::dir_ = nullptr;
EvgendProcess* SampleFormatsTest::server_ = nullptr;

struct Moments {
  std::vector<double> mean, sd;
};

Moments ColumnMoments(const Table& t) {
  Moments m;
  for (int c = 0; c < t.num_columns(); ++c) {
    double sum = 0, sum2 = 0;
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      sum += t.at(r, c);
      sum2 += static_cast<double>(t.at(r, c)) * t.at(r, c);
    }
    const double mean = sum / t.num_rows();
    m.mean.push_back(mean);
    m.sd.push_back(std::sqrt(std::max(0.0, sum2 / t.num_rows() - mean * mean)));
  }
  return m;
}

TEST_F(SampleFormatsTest, EveryFormatReadsBackWithTheStatisticsOfTheNpySample) {
  const std::vector<std::string> base = {"sample", "20000", "--model", "tt4", "--seed", "5", "-o"};
  auto sample = [&](const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = base;
    args.push_back(*dir_ + "/" + name);
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = Cli(args);
    EXPECT_EQ(r.code, 0) << name << ": " << r.err;
    EXPECT_TRUE(absl::StrContains(r.out, "wrote 20000 rows to")) << r.out;
    return r;
  };
  sample("s.npy");
  absl::StatusOr<Table> npy = ReadTableFile(*dir_ + "/s.npy");
  ASSERT_TRUE(npy.ok()) << npy.status();
  ASSERT_EQ(npy->num_columns(), 24);
  const Moments expected = ColumnMoments(*npy);
  sample("s.csv");
  sample("s.h5");
  sample("s.lhe");
  sample("s.hepmc3");
  // --format names the format whatever the extension; -O passes writer options.
  sample("s.events", {"--format", "lhe", "-O", "beam_energies_gev=3500,3500", "-O", "scale_gev=172.5"});
  for (const auto& [name, format] : std::vector<std::pair<std::string, std::string>>{
           {"s.csv", ""}, {"s.h5", ""}, {"s.lhe", ""}, {"s.hepmc3", ""}, {"s.events", "lhe"}}) {
    SCOPED_TRACE(name);
    const std::string path = *dir_ + "/" + name;
    absl::StatusOr<Table> back =
        format.empty() ? ReadTableFile(path) : ReadTableFile(path, format, {});
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(back->columns(), npy->columns());
    ASSERT_EQ(back->num_rows(), 20000);
    const Moments got = ColumnMoments(*back);
    for (int c = 0; c < back->num_columns(); ++c) {
      EXPECT_NEAR(got.mean[c], expected.mean[c], 1e-6 * (1 + expected.sd[c])) << back->columns()[c];
      EXPECT_NEAR(got.sd[c], expected.sd[c], 1e-6 * (1 + expected.sd[c])) << back->columns()[c];
    }
  }
  ReadReport report;
  ASSERT_TRUE(ReadTableFile(*dir_ + "/s.events", "lhe", {}, &report).ok());
  EXPECT_EQ(report.write_options["beam_energies_gev"].substr(0, 4), "3500");
}

// Same seed, same file, byte for byte, in every format: nothing of the
// moment it was written (HDF5 would stamp its object headers with times
// of one-second resolution) goes into a sample file.
TEST_F(SampleFormatsTest, TheSameRequestLaterWritesTheSameBytes) {
  const std::vector<std::string> names = {"a.npy", "a.csv", "a.h5", "a.lhe", "a.hepmc3"};
  const auto sample_all = [&](const std::string& prefix) {
    for (const std::string& name : names) {
      CliResult r = Cli({"sample", "3000", "--model", "tt4", "--seed", "9", "-o", *dir_ + "/" + prefix + name});
      ASSERT_EQ(r.code, 0) << name << ": " << r.err;
    }
  };
  const auto bytes = [&](const std::string& name) {
    std::ifstream in(*dir_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  sample_all("first-");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  sample_all("second-");
  for (const std::string& name : names) {
    const std::string first = bytes("first-" + name);
    ASSERT_FALSE(first.empty()) << name;
    EXPECT_TRUE(first == bytes("second-" + name)) << name << " differs";
  }
}

TEST_F(SampleFormatsTest, OutputsThatCannotHoldTheSampleAreRefusedAndLeaveNoFile) {
  const std::string dir = *dir_ + "/refused";
  std::filesystem::create_directories(dir);
  CliResult r = Cli({"sample", "100", "--model", "tt4", "-o", dir + "/x.lhe", "-O", "pdg_ids=1,2,3,4,5,6"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "colour cannot be conserved")) << r.err;
  r = Cli({"sample", "100", "--model", "tt4", "-o", dir + "/x.out", "--format", "root"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "'root' is not one of")) << r.err;
  r = Cli({"sample", "100", "--model", "tt4", "-o", dir + "/x.csv", "-O", "pdg_ids=1"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "csv format takes no option 'pdg_ids'")) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}


TEST_F(SampleFormatsTest, ClientMemoryDoesNotGrowWithTheRowsInAnyFormat) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's shadow memory and quarantine make RSS meaningless";
#endif
  // A client that gathered the rows before writing them would need 96 bytes
  // (24 float32 columns) more per row: 72 MB more for 10^6 rows than for a
  // quarter of them, 22 MB for 300,000 text events. A quarter, not a few
  // rows, is the baseline so that both runs have filled the stream's
  // receive window (4 MiB, evgen_client.cc). The text event formats write
  // 1-2 kB per event, so they get fewer rows to keep the test short.
  struct Case {
    const char* name;
    int64_t rows;
  };
  for (const Case& c : {Case{"big.npy", 1'000'000}, Case{"big.csv", 600'000}, Case{"big.h5", 1'000'000},
                        Case{"big.lhe", 300'000}, Case{"big.hepmc3", 300'000}}) {
    SCOPED_TRACE(c.name);
    const std::string path = *dir_ + "/" + c.name;
    const long quarter = CliPeakRssMiB(server_->address(), {"sample", std::to_string(c.rows / 4), "--model", "tt4", "-o", path});
    const long all = CliPeakRssMiB(server_->address(), {"sample", std::to_string(c.rows), "--model", "tt4", "-o", path});
    ASSERT_GT(quarter, 0);
    ASSERT_GT(all, 0);
    EXPECT_LT(all - quarter, 12) << "client peak RSS " << all << " MiB for " << c.rows << " rows vs "
                                 << quarter << " MiB for " << c.rows / 4;
    EXPECT_GT(std::filesystem::file_size(path), static_cast<uintmax_t>(c.rows) * 24 * 4) << "every row is in";
    std::printf("[ client   ] %s: peak RSS %ld MiB for %lld rows, %ld MiB for %lld (file %.0f MB)\n", c.name, quarter,
                static_cast<long long>(c.rows / 4), all, static_cast<long long>(c.rows),
                static_cast<double>(std::filesystem::file_size(path)) / 1e6);
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace evgen::testing
