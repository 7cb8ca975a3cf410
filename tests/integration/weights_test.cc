// Event weights are data (issue 12): a weighted upload keeps its weights in
// the store, so metrics against an unweighted copy give the same figures
// before and after evgend is killed and restarted, and describe says the
// dataset is weighted.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "client/evgen_client.h"
#include "core/io/atomic_file.h"
#include "tests/integration/evgend_process.h"
#include "tests/integration/restartable_server.h"

namespace evgen::testing {
namespace {

// LheWithWeights writes an e+e- (Z-like) sample whose event weights grow with
// the lepton energy, so weighted and unweighted means differ; `weighted`
// false writes the same events with weight 1 (IDWTUP 3).
std::string LheWithWeights(bool weighted) {
  std::string text = "<LesHouchesEvents version=\"1.0\">\n<init>\n";
  absl::StrAppend(&text, " 2212 2212 6.5e3 6.5e3 0 0 0 0 ", weighted ? 4 : 3, " 1\n",
                  " 1.0 0.1 1.0 1\n</init>\n");
  for (int i = 0; i < 3000; ++i) {
    const double pt = 20.0 + (i * 37 % 400) * 0.25;  // 20..120 GeV
    const double pz = ((i * 53 % 200) - 100) * 0.9;
    const double e = std::sqrt(pt * pt + pz * pz);
    const double w = weighted ? 0.05 + pt / 40.0 : 1.0;
    absl::StrAppend(&text, "<event>\n 4 1 ", absl::StrFormat("%.6e", w), " 91.19 0.0078 0.118\n");
    absl::StrAppend(&text, " 1 -1 0 0 501 0 0 0 ", absl::StrFormat("%.6f %.6f", pz + 45, pz + 45),
                    " 0 0 9\n -1 -1 0 0 0 501 0 0 ", absl::StrFormat("%.6f %.6f", -45.0, 45.0),
                    " 0 0 9\n");
    absl::StrAppend(&text, " 11 1 1 2 0 0 ", absl::StrFormat("%.6f 0 %.6f %.6f", pt, pz, e),
                    " 0 0 9\n -11 1 1 2 0 0 ", absl::StrFormat("%.6f 0 %.6f %.6f", -pt, -pz, e),
                    " 0 0 9\n</event>\n");
  }
  return text + "</LesHouchesEvents>\n";
}

class WeightsTest : public RestartableServerTest {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-weights");
    ASSERT_FALSE(dir_.empty());
    StartServer();
  }

  void Upload(const std::string& name, bool weighted) {
    const std::string file = dir_ + "/" + name + ".lhe";
    ASSERT_TRUE(WriteFileAtomically(file, LheWithWeights(weighted)).ok());
    v1::UploadHeader header;
    header.set_name(name);
    absl::StatusOr<v1::Dataset> uploaded = client_->UploadFile(file, header);
    ASSERT_TRUE(uploaded.ok()) << uploaded.status();
    EXPECT_EQ(uploaded->rows(), 3000);
    // Every LHE event carries XWGTUP, so both uploads are weighted.
    EXPECT_TRUE(uploaded->weighted());
    if (!weighted) {
      EXPECT_EQ(uploaded->weight_sum(), 3000);
    }
  }

  // Figures are the relative-mean-difference and KS values of the weighted
  // dataset against the unweighted one.
  std::map<std::string, double> Figures() {
    std::map<std::string, double> out;
    for (const char* metric : {"relative-mean-difference", "ks"}) {
      v1::CompareRequest r;
      r.mutable_reference()->mutable_dataset()->set_dataset("flat");
      r.mutable_candidate()->mutable_dataset()->set_dataset("weighted");
      r.add_metrics()->set_name(metric);
      r.set_seed(3);
      absl::StatusOr<v1::CompareResponse> response = client_->Compare(r);
      EXPECT_TRUE(response.ok()) << response.status();
      if (response.ok()) out[metric] = response->results(0).value();
    }
    return out;
  }
};

TEST_F(WeightsTest, MetricsAgainstAnUnweightedCopyAreTheSameAfterAKillAndRestart) {
  Upload("weighted", true);
  Upload("flat", false);
  const std::map<std::string, double> before = Figures();
  ASSERT_EQ(before.size(), 2u);
  // The weights must matter, or this test could not see them lost.
  EXPECT_GT(before.at("relative-mean-difference"), 0.05);
  EXPECT_GT(before.at("ks"), 0.05);

  EXPECT_EQ(server_->Stop(SIGKILL), -SIGKILL);
  StartServer();
  const std::map<std::string, double> after = Figures();
  EXPECT_EQ(after, before);
  for (const auto& [metric, value] : before) {
    std::cout << "weights figure: " << metric << " before " << value << " after "
              << (after.count(metric) ? after.at(metric) : -1) << "\n";
  }
  absl::StatusOr<v1::Dataset> described = client_->DescribeDataset("weighted");
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_TRUE(described->weighted());
  EXPECT_GT(described->weight_sum(), 0);
  EXPECT_EQ(client_->DescribeDataset("flat")->weight_sum(), 3000);
}

TEST_F(WeightsTest, UnweightingKeepsMeanOverMaxOfTheEventsAndTheirWeightedMeans) {
  Upload("weighted", true);
  // <w> / w_max of the weights LheWithWeights writes.
  double sum = 0, max = 0;
  for (int i = 0; i < 3000; ++i) {
    const double w = 0.05 + (20.0 + (i * 37 % 400) * 0.25) / 40.0;
    sum += w;
    max = std::max(max, w);
  }
  const double expected = sum / 3000 / max;
  const std::string out = dir_ + "/kept.csv";
  CliResult r = RunCliCapture(server_->address(), {"--json", "unweight", "weighted", "--seed", "4", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::cout << "unweight figure: " << j.dump() << " expected efficiency " << expected << "\n";
  EXPECT_NEAR(j["efficiency"].get<double>(), expected, 1e-5);
  EXPECT_EQ(j["input_rows"].get<int64_t>(), 3000);
  const double kept = j["kept_rows"].get<double>();
  EXPECT_NEAR(kept, expected * 3000, 5 * std::sqrt(3000 * expected * (1 - expected)));

  // The same seed keeps the same events; another seed others.
  const std::string again = dir_ + "/again.csv", other = dir_ + "/other.csv";
  ASSERT_EQ(RunCliCapture(server_->address(), {"unweight", "weighted", "--seed", "4", "-o", again}).code, 0);
  ASSERT_EQ(RunCliCapture(server_->address(), {"unweight", "weighted", "--seed", "5", "-o", other}).code, 0);
  EXPECT_EQ(*ReadFileToString(again), *ReadFileToString(out));
  EXPECT_NE(*ReadFileToString(other), *ReadFileToString(out));

  // The kept events, unweighted, have the weighted sample's means: the
  // relative mean difference of the lepton energies, which the weights
  // raise by about a sixth, stays within the statistical error.
  v1::UploadHeader header;
  header.set_name("kept");
  ASSERT_TRUE(client_->UploadFile(out, header).ok());
  absl::StatusOr<v1::Dataset> kept_info = client_->DescribeDataset("kept");
  ASSERT_TRUE(kept_info.ok());
  EXPECT_FALSE(kept_info->weighted());
  std::vector<std::string> energies;
  for (const std::string& c : kept_info->columns()) {
    if (c.size() > 6 && c.compare(c.size() - 6, 6, "_e_gev") == 0 && c.rfind("p2", 0) == 0) energies.push_back(c);
  }
  ASSERT_FALSE(energies.empty()) << "no lepton energy column among " << kept_info->columns_size();
  v1::CompareRequest cmp;
  cmp.mutable_reference()->mutable_dataset()->set_dataset("weighted");
  cmp.mutable_candidate()->mutable_dataset()->set_dataset("kept");
  for (const std::string& c : energies) {
    cmp.mutable_reference()->mutable_dataset()->add_columns(c);
    cmp.mutable_candidate()->mutable_dataset()->add_columns(c);
  }
  cmp.add_metrics()->set_name("relative-mean-difference");
  cmp.set_seed(3);
  absl::StatusOr<v1::CompareResponse> response = client_->Compare(cmp);
  ASSERT_TRUE(response.ok()) << response.status();
  std::cout << "unweight figure: relative mean difference of " << energies.front() << " against the weighted "
            << response->results(0).value() << "\n";
  EXPECT_LT(response->results(0).value(), 0.03);

  CliResult half = RunCliCapture(server_->address(),
                                 {"unweight", "weighted", "--log-target", "p2_e_gev", "-o", dir_ + "/bad.csv"});
  EXPECT_NE(half.code, 0);
  EXPECT_NE(half.err.find("log_proposal_column"), std::string::npos) << half.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/bad.csv"));
}

}  // namespace
}  // namespace evgen::testing
