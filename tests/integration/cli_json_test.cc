// Every CLI command's --json output is one JSON document a script can use:
// 64-bit integers are numbers and metric details are nested JSON, not JSON
// inside a string (issue 12); and the CLI's own mistakes are named plainly.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/io/atomic_file.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

class CliJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-cli-json");
    ASSERT_FALSE(dir_.empty());
    absl::StatusOr<std::unique_ptr<EvgendProcess>> server = EvgendProcess::Start(dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  nlohmann::json Json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    CliResult r = RunCliCapture(server_->address(), args);
    EXPECT_EQ(r.code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.out;
    return j;
  }

  std::string dir_;
  std::unique_ptr<EvgendProcess> server_;
};

TEST_F(CliJsonTest, IntegersAreNumbersAndDetailsAreObjects) {
  nlohmann::json d = Json({"datasets", "generate", "drell-yan", "-n", "500", "--name", "dy"});
  EXPECT_TRUE(d["rows"].is_number_integer()) << d["rows"];
  EXPECT_EQ(d["rows"], 500);
  EXPECT_TRUE(d["created_unix"].is_number_integer());
  nlohmann::json c = Json({"metrics", "compare", "dy", "dy", "-m", "ks"});
  EXPECT_EQ(c["reference_rows"], 500);
  ASSERT_EQ(c["results"].size(), 1u);
  EXPECT_TRUE(c["results"][0]["details_json"].is_object()) << c["results"][0]["details_json"];
  EXPECT_EQ(Json({"datasets", "export", "dy", "-o", dir_ + "/dy.csv"})["exported"], "dy");
  EXPECT_EQ(Json({"datasets", "delete", "dy"})["deleted_dataset"], "dy");
}

TEST_F(CliJsonTest, MissingLocalFileAndEmptyUploadAreNamed) {
  ASSERT_EQ(RunCliCapture(server_->address(),
                          {"datasets", "generate", "drell-yan", "-n", "100", "--name", "dy"})
                .code,
            0);
  CliResult r = RunCliCapture(server_->address(),
                              {"metrics", "compare", dir_ + "/missing.csv", "dy", "-m", "ks"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("missing.csv': no such local file"), std::string::npos) << r.err;
  const std::string empty = dir_ + "/empty.csv";
  ASSERT_TRUE(WriteFileAtomically(empty, "").ok());
  r = RunCliCapture(server_->address(), {"datasets", "upload", empty, "--name", "e"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("empty.csv: empty file"), std::string::npos) << r.err;
}

// Event numbers above 2^24 and text labels come back exactly from CSV and
// HDF5 exports; an export to a float32 format says it changes them rather
// than doing so silently.
TEST_F(CliJsonTest, ExactIntegersRoundTripThroughCsvAndHdf5AndFloat32ExportsWarn) {
  const std::string csv = dir_ + "/events.csv";
  const std::string text = "Run,Event,Type,pt\n1,1099511627776,EB,10\n1,1099511627777,EE,20\n";
  ASSERT_TRUE(WriteFileAtomically(csv, text).ok());
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "upload", csv, "--name", "ev"}).code, 0);
  nlohmann::json d = Json({"datasets", "describe", "ev"});
  EXPECT_EQ(d["int64_columns"], nlohmann::json::array({"Event"}));
  EXPECT_EQ(d["category_labels"], nlohmann::json::array({"EB", "EE"}));
  const std::string back = dir_ + "/back.csv";
  CliResult r = RunCliCapture(server_->address(), {"datasets", "export", "ev", "-o", back});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(*ReadFileToString(back), text);
  r = RunCliCapture(server_->address(), {"datasets", "export", "ev", "-o", dir_ + "/back.npy"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: Event hold exact integers"), std::string::npos) << r.err;
  // HDF5 holds them too (an int64 dataset), through the upload's helper process.
  const std::string h5 = dir_ + "/back.h5";
  r = RunCliCapture(server_->address(), {"datasets", "export", "ev", "-o", h5});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "upload", h5, "--name", "ev-h5"}).code, 0);
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "export", "ev-h5", "-o", dir_ + "/h5.csv"}).code, 0);
  EXPECT_EQ(*ReadFileToString(dir_ + "/h5.csv"), text);
}

}  // namespace
}  // namespace evgen::testing
