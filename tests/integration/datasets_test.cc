// Datasets through a real evgend: upload, describe, export, delete; an upload
// that is cut off or cancelled leaves nothing behind.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "client/evgen_client.h"
#include "core/io/atomic_file.h"
#include "core/io/csv.h"
#include "core/io/npy.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

class DatasetsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-datasets"));
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "3000",
                                                 "--name", "qcd"}).code, 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static bool UploadsDirIsEmpty() {
    return std::filesystem::is_empty(*dir_ + "/data/uploads");
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* DatasetsTest::dir_ = nullptr;
EvgendProcess* DatasetsTest::server_ = nullptr;

TEST_F(DatasetsTest, ExportThenUploadRoundTripsAndDescribeHasQuantiles) {
  const std::string address = server_->address();
  for (const std::string ext : {".npy", ".csv"}) {
    const std::string file = *dir_ + "/validation" + ext;
    CliResult exported = RunCliCapture(address, {"datasets", "export", "qcd", "--region", "validation",
                                                 "--columns", "pt_gev,eta,mass_gev", "-o", file});
    ASSERT_EQ(exported.code, 0) << exported.err;
    const std::string name = "back" + ext.substr(1);
    CliResult uploaded = RunCliCapture(address, {"--json", "datasets", "upload", file, "--name", name});
    ASSERT_EQ(uploaded.code, 0) << uploaded.err;
    nlohmann::json d = nlohmann::json::parse(uploaded.out);
    EXPECT_EQ(d["columns"], (nlohmann::json{"pt_gev", "eta", "mass_gev"})) << ext;
    EXPECT_EQ(d["source"], "upload:validation" + ext);
    ASSERT_EQ(d["summaries"][2]["quantiles"].size(), 7u);
    const double median = d["summaries"][2]["quantiles"][3];
    EXPECT_GT(median, 10.0);
    EXPECT_LT(median, d["summaries"][2]["max"].get<double>());
  }
  // Both uploads hold exactly the exported validation rows.
  EvgenClient client(address);
  absl::StatusOr<v1::Dataset> original = client.DescribeDataset("qcd");
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(client.DescribeDataset("backnpy")->rows(), original->region_rows().at("validation"));
  EXPECT_EQ(client.DescribeDataset("backcsv")->rows(), original->region_rows().at("validation"));
  EXPECT_TRUE(UploadsDirIsEmpty());
}

TEST_F(DatasetsTest, CutOffUploadLeavesNoDataset) {
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::DatasetService::NewStub(channel);
  grpc::ClientContext context;
  v1::Dataset response;
  auto writer = stub->UploadDataset(&context, &response);
  v1::UploadDatasetRequest message;
  message.mutable_header()->set_name("partial");
  message.mutable_header()->set_file_name("x.csv");
  message.mutable_header()->set_total_bytes(1000);
  ASSERT_TRUE(writer->Write(message));
  message.set_data("a,b\n1,2\n");
  ASSERT_TRUE(writer->Write(message));
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(status.error_message().find("8 of 1000 bytes"), std::string::npos) << status.error_message();
  EvgenClient client(server_->address());
  EXPECT_EQ(client.DescribeDataset("partial").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(UploadsDirIsEmpty());
}

TEST_F(DatasetsTest, CancelledUploadLeavesNoDataset) {
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::DatasetService::NewStub(channel);
  grpc::ClientContext context;
  v1::Dataset response;
  auto writer = stub->UploadDataset(&context, &response);
  v1::UploadDatasetRequest message;
  message.mutable_header()->set_name("cancelled");
  message.mutable_header()->set_total_bytes(8);
  ASSERT_TRUE(writer->Write(message));
  message.set_data("a,b\n");
  ASSERT_TRUE(writer->Write(message));
  context.TryCancel();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EvgenClient client(server_->address());
  EXPECT_EQ(client.DescribeDataset("cancelled").status().code(), absl::StatusCode::kNotFound);
  for (int i = 0; i < 100 && !UploadsDirIsEmpty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(UploadsDirIsEmpty());
}

TEST_F(DatasetsTest, BadUploadsAreRefusedWithTheFieldNamed) {
  EvgenClient client(server_->address());
  const std::string good = *dir_ + "/good.csv";
  ASSERT_TRUE(WriteFileAtomically(good, "x,y\n1,2\n3,4\n").ok());
  const std::string bad = *dir_ + "/bad.csv";
  ASSERT_TRUE(WriteFileAtomically(bad, "x,y\n1,2\n3,oops\n").ok());

  v1::UploadHeader header;
  header.set_name("bad");
  absl::Status s = client.UploadFile(bad, header).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(":3: column 'y': 'oops' is not a number"), std::string::npos) << s;
  EXPECT_EQ(client.DescribeDataset("bad").status().code(), absl::StatusCode::kNotFound);

  header.set_format("root");
  s = client.UploadFile(good, header).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("format: 'root'"), std::string::npos) << s;

  header.set_format("");
  header.set_name("../etc");
  EXPECT_EQ(client.UploadFile(good, header).status().code(), absl::StatusCode::kInvalidArgument);

  header.set_name("qcd");
  EXPECT_EQ(client.UploadFile(good, header).status().code(), absl::StatusCode::kAlreadyExists);

  header.set_name("opts");
  (*header.mutable_options())["pdg_ids"] = "6";
  s = client.UploadFile(good, header).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("pdg_ids"), std::string::npos) << s;
  EXPECT_TRUE(UploadsDirIsEmpty());
}

TEST_F(DatasetsTest, ExportOfUnknownDatasetOrColumnIsRefused) {
  CliResult r = RunCliCapture(server_->address(), {"datasets", "export", "nope", "-o", *dir_ + "/n.npy"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("NOT_FOUND"), std::string::npos) << r.err;
  r = RunCliCapture(server_->address(), {"datasets", "export", "qcd", "--columns", "pt_gev,charm", "-o",
                                         *dir_ + "/n.npy"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("charm"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/n.npy"));
}

TEST_F(DatasetsTest, DeleteRemovesTheDataset) {
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "100",
                                               "--name", "doomed"}).code, 0);
  CliResult r = RunCliCapture(server_->address(), {"datasets", "delete", "doomed"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/data/datasets/doomed"));
  EXPECT_EQ(RunCliCapture(server_->address(), {"datasets", "delete", "doomed"}).code, 1);
}

}  // namespace
}  // namespace evgen::testing
