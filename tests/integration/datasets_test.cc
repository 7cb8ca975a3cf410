// Datasets through a real evgend: upload, describe, export, delete; an upload
// that is cut off or cancelled leaves nothing behind.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
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

// An .npy's names travel as the upload option columns=: a names file that
// does not fit, or a name that option cannot carry, is refused by the
// client naming the names file, before anything is sent or stored.
TEST_F(DatasetsTest, NpyNamesFileIsCheckedBeforeUpload) {
  const std::string address = server_->address();
  const std::string file = *dir_ + "/named.npy";
  Table t({"pt_gev", "mass_gev"});
  t.AppendRow({1, 2});
  ASSERT_TRUE(WriteNpy(file, t).ok());
  const auto upload = [&](const std::string& names, const std::string& dataset) {
    EXPECT_TRUE(WriteFileAtomically(file + ".columns", names).ok());
    return RunCliCapture(address, {"--json", "datasets", "upload", file, "--name", dataset});
  };
  for (const auto& [names, message] : std::vector<std::pair<std::string, std::string>>{
           {"pt_gev\n\nmass_gev\n", ".columns: names[1]: empty column name"},
           {"pt,gev\nmass_gev\n", ".columns: names[0]: column 'pt,gev' holds a comma"},
           {"pt_gev\npt_gev\n", ".columns: names[1]: column 'pt_gev' appears twice"}}) {
    CliResult r = upload(names, "badnames");
    EXPECT_NE(r.code, 0) << names;
    EXPECT_NE(r.err.find(file + message), std::string::npos) << r.err;
  }
  CliResult r = upload("pt_gev\n", "badnames");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("names 1 columns, the array has 2"), std::string::npos) << r.err;
  EvgenClient client(address);
  EXPECT_EQ(client.DescribeDataset("badnames").status().code(), absl::StatusCode::kNotFound);
  // Spaces inside a name travel.
  r = upload("pt gev\nmass_gev\n", "spaced");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["columns"], (nlohmann::json{"pt gev", "mass_gev"}));
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
  EXPECT_NE(s.message().find(":3:2: column 'y': 'oops' is not a number"), std::string::npos) << s;
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

TEST_F(DatasetsTest, EveryReferenceSimulatorGeneratesThroughTheService) {
  EvgenClient client(server_->address());
  absl::StatusOr<v1::ListReferenceSimulatorsResponse> simulators = client.ListReferenceSimulators();
  ASSERT_TRUE(simulators.ok());
  ASSERT_EQ(simulators->simulators_size(), 7);
  for (const v1::ReferenceSimulator& sim : simulators->simulators()) {
    v1::GenerateReferenceRequest r;
    r.set_name("ref-" + sim.name());
    r.set_simulator(sim.name());
    r.set_n_events(500);
    r.set_seed(4);
    absl::StatusOr<v1::Dataset> d = client.GenerateReference(r);
    ASSERT_TRUE(d.ok()) << sim.name() << ": " << d.status();
    EXPECT_GE(d->rows(), 500) << sim.name();
    EXPECT_EQ(d->source(), "reference:" + sim.name());
  }
}

TEST_F(DatasetsTest, SqrtSFlagReachesTheSimulator) {
  CliResult r = RunCliCapture(server_->address(), {"--json", "datasets", "generate", "drell-yan", "-n", "2000",
                                                   "--sqrt-s", "7000", "-O", "cms_selection=1", "--name", "dy7"});
  ASSERT_EQ(r.code, 0) << r.err;
  // The CMS selection keeps 60 < M < 120 GeV.
  int checked = 0;
  const nlohmann::json dataset = nlohmann::json::parse(r.out);
  for (const nlohmann::json& s : dataset["summaries"]) {
    if (s["name"] != "M") continue;
    ++checked;
    EXPECT_GE(s["min"].get<double>(), 60.0);
    EXPECT_LE(s["max"].get<double>(), 120.0);
  }
  EXPECT_EQ(checked, 1);
  r = RunCliCapture(server_->address(), {"datasets", "generate", "ttbar-allhad", "-n", "10", "--sqrt-s", "300",
                                         "--name", "low"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("options.sqrt_s_gev"), std::string::npos) << r.err;
}

TEST_F(DatasetsTest, TtbarExportsToLheAndHepMC3ThatReadBack) {
  const std::string address = server_->address();
  ASSERT_EQ(RunCliCapture(address, {"datasets", "generate", "ttbar-allhad", "-n", "2000", "--name", "tt"}).code, 0);
  const std::string lhe = *dir_ + "/tt.lhe";
  const std::string hepmc = *dir_ + "/tt.hepmc3";
  const std::string npy = *dir_ + "/tt.npy";
  for (const std::string& file : {lhe, hepmc, npy}) {
    CliResult r = RunCliCapture(address, {"datasets", "export", "tt", "-o", file});
    ASSERT_EQ(r.code, 0) << file << ": " << r.err;
  }
  absl::StatusOr<Table> reference = ReadNpy(npy);
  ASSERT_TRUE(reference.ok());
  // The LHE file goes back in through an upload, selecting the six quarks in order.
  CliResult up = RunCliCapture(address, {"--json", "datasets", "upload", lhe, "--name", "tt-lhe", "-O",
                                         "pdg_ids=1,-2,-5,2,-1,5"});
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_EQ(nlohmann::json::parse(up.out)["rows"], 2000);
  up = RunCliCapture(address, {"--json", "datasets", "upload", hepmc, "--name", "tt-hepmc", "-O",
                               "pdg_ids=1,-2,-5,2,-1,5"});
  ASSERT_EQ(up.code, 0) << up.err;
  for (const std::string name : {"tt-lhe", "tt-hepmc"}) {
    const std::string back = *dir_ + "/" + name + ".npy";
    ASSERT_EQ(RunCliCapture(address, {"datasets", "export", name, "-o", back}).code, 0);
    absl::StatusOr<Table> table = ReadNpy(back);
    ASSERT_TRUE(table.ok());
    ASSERT_EQ(table->num_rows(), reference->num_rows()) << name;
    // p1 .. p6 four-momenta agree with the generated table to float precision.
    for (const std::string column : {"p1_e_gev", "p3_px_gev", "p6_pz_gev"}) {
      const int a = *reference->ColumnIndex(column), b = *table->ColumnIndex(column);
      for (int64_t r = 0; r < table->num_rows(); r += 97) {
        EXPECT_NEAR(table->at(r, b), reference->at(r, a), 1e-4 * (1 + std::abs(reference->at(r, a))))
            << name << " " << column << " row " << r;
      }
    }
  }
}

TEST_F(DatasetsTest, RealMadGraphLheUploadsWithTopsAtTheirMass) {
  const char* shared = std::getenv("EVGEN_SHARED_DATA");
  const std::string path = std::string(shared ? shared : "../shared/data") + "/mg5-ttbar-lhe/gg_tt_events.lhe.gz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data not present at " << path;
  CliResult up = RunCliCapture(server_->address(), {"--json", "datasets", "upload", path, "--name", "mg5",
                                                    "-O", "pdg_ids=6,-6", "-O", "include_mass=true"});
  ASSERT_EQ(up.code, 0) << up.err;
  nlohmann::json d = nlohmann::json::parse(up.out);
  EXPECT_EQ(d["rows"], 10000);
  bool found = false;
  for (const nlohmann::json& s : d["summaries"]) {
    if (s["name"] != "p1_m_gev") continue;
    found = true;
    EXPECT_NEAR(s["mean"].get<double>(), 173.0, 0.1);
  }
  EXPECT_TRUE(found) << d.dump();
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
