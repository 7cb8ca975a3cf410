// Event weights are data (issue 12): a weighted upload keeps its weights in
// the store, so metrics against an unweighted copy give the same figures
// before and after evgend is killed and restarted, and describe says the
// dataset is weighted.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

}  // namespace
}  // namespace evgen::testing
