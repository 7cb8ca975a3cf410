// Jets as particle clouds through a real evgend and the real CLI (issue 17):
// a jet-cloud GAN trained on the jet-clouds reference, then jets sampled in
// a stream of several chunks. A set model's n counts jets, and the stream's
// rows are constituents, so this is where the plan's output-row count and
// chunk positions (sample_plan.h) meet the client's checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/io/table_file.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

TEST(JetCloudTest, SampledJetsStreamWholeAndReproduce) {
  const std::string dir = MakeTempDir("evgen-jet-cloud");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  auto cli = [&](const std::vector<std::string>& args) { return RunCliCapture((*server)->address(), args); };
  CliResult g = cli({"datasets", "generate", "jet-clouds", "-n", "400", "--seed", "1", "-O", "top_fraction=1",
                     "--name", "jets"});
  ASSERT_EQ(g.code, 0) << g.err;
  CliResult train = cli({"train", "jet-cloud-gan", "--dataset", "jets", "--name", "clouds", "--config",
                         R"({"preset": "jet-cloud-gan-small", "steps": 10})", "--seed", "1", "--wait"});
  ASSERT_EQ(train.code, 0) << train.err << train.out;

  // 1,500 jets of up to 100 constituents are several 1 MiB chunks.
  constexpr int kJets = 1500;
  const std::string npy = dir + "/jets.npy", csv = dir + "/jets.csv";
  CliResult a = cli({"sample", std::to_string(kJets), "--model", "clouds", "--seed", "4", "-o", npy});
  ASSERT_EQ(a.code, 0) << a.err;
  CliResult b = cli({"sample", std::to_string(kJets), "--model", "clouds", "--seed", "4", "-o", csv});
  ASSERT_EQ(b.code, 0) << b.err;
  absl::StatusOr<Table> jets = ReadTableFile(npy);
  ASSERT_TRUE(jets.ok()) << jets.status();
  ASSERT_GT(jets->num_rows() * jets->num_columns() * 4, 2 << 20) << "the sample fits one chunk";
  const int jet = *jets->ColumnIndex("jet"), constituent = *jets->ColumnIndex("constituent"),
            size = *jets->ColumnIndex("n_constituents");
  // Every jet whole, in order, with as many rows as it says.
  int64_t row = 0;
  for (int j = 0; j < kJets; ++j) {
    ASSERT_LT(row, jets->num_rows()) << "jet " << j << " missing";
    const int64_t n = static_cast<int64_t>(jets->at(row, size));
    ASSERT_GE(n, 1);
    for (int64_t i = 0; i < n; ++i, ++row) {
      ASSERT_EQ(jets->at(row, jet), static_cast<float>(j)) << "row " << row;
      ASSERT_EQ(jets->at(row, constituent), static_cast<float>(i)) << "row " << row;
    }
  }
  EXPECT_EQ(row, jets->num_rows());
  absl::StatusOr<Table> again = ReadTableFile(csv);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->columns(), jets->columns());
  EXPECT_EQ(again->values(), jets->values()) << "same seed, same jets, whatever the format";
  server->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
