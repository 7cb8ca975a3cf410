// Bad input answers with a precise gRPC status, and the server stays up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "client/evgen_client.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/evgend_process.h"
#include "wire/table_codec.h"

namespace evgen::testing {
namespace {

constexpr int64_t kMaxSampleRows = 500'000;

class ErrorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-errors"));
    auto server = EvgendProcess::Start(*dir_ + "/data", {"--max-sample-rows", std::to_string(kMaxSampleRows)});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "5000",
                                                 "--name", "qcd"}).code, 0);
    ASSERT_EQ(RunCliCapture(server_->address(),
                            {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"}).code, 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  void TearDown() override {
    // After every bad request the server still answers.
    ASSERT_TRUE(server_->running());
    EvgenClient client(server_->address());
    EXPECT_TRUE(client.ListDatasets().ok());
  }

  static v1::SampleRequest ValidSample() {
    v1::SampleRequest r;
    r.set_model("tpl");
    r.set_n(100);
    r.set_seed(1);
    r.mutable_conditions_from()->set_dataset("qcd");
    r.mutable_conditions_from()->set_region("validation");
    return r;
  }

  static absl::Status SampleStatus(const v1::SampleRequest& r) {
    EvgenClient client(server_->address());
    return client.Sample(r, [](const v1::SampleChunk&) { return absl::OkStatus(); });
  }

  static v1::SubmitTrainingRequest ValidTraining() {
    v1::SubmitTrainingRequest r;
    r.set_model_name("tpl2");
    r.set_kind("template");
    r.mutable_training_data()->set_dataset("qcd");
    return r;
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* ErrorsTest::dir_ = nullptr;
EvgendProcess* ErrorsTest::server_ = nullptr;

TEST_F(ErrorsTest, ValidSampleSucceeds) { EXPECT_TRUE(SampleStatus(ValidSample()).ok()); }

TEST_F(ErrorsTest, UnknownModelIsNotFound) {
  v1::SampleRequest r = ValidSample();
  r.set_model("no-such-model");
  absl::Status s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no-such-model"), std::string::npos) << s;
}

TEST_F(ErrorsTest, UnknownDatasetIsNotFound) {
  EvgenClient client(server_->address());
  v1::SubmitTrainingRequest t = ValidTraining();
  t.mutable_training_data()->set_dataset("nope");
  absl::StatusOr<v1::Job> job = client.SubmitTraining(t);
  EXPECT_EQ(job.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(job.status().message().find("nope"), std::string::npos);
  v1::SampleRequest r = ValidSample();
  r.mutable_conditions_from()->set_dataset("nope");
  EXPECT_EQ(SampleStatus(r).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client.DescribeDataset("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ErrorsTest, SampleCountOutOfRangeIsInvalidArgument) {
  for (int64_t n : {int64_t{0}, int64_t{-5}, kMaxSampleRows + 1}) {
    v1::SampleRequest r = ValidSample();
    r.set_n(n);
    absl::Status s = SampleStatus(r);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_NE(s.message().find("n: must be in [1, 500000]"), std::string::npos) << s;
  }
}

TEST_F(ErrorsTest, ConditionsWithWrongColumnsAreInvalidArgument) {
  v1::SampleRequest r = ValidSample();
  Table wrong({"pt_gev", "phi"});
  wrong.AppendRow({300.f, 0.1f});
  EncodeTable(wrong, r.mutable_conditions_table());
  absl::Status s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("conditions_table: missing column(s) [eta]"), std::string::npos) << s;
}

TEST_F(ErrorsTest, MalformedConditionsBytesAreInvalidArgument) {
  v1::SampleRequest r = ValidSample();
  v1::TableChunk* chunk = r.mutable_conditions_table();
  chunk->add_columns("pt_gev");
  chunk->add_columns("eta");
  chunk->set_rows(3);
  chunk->set_values(std::string(7, '\0'));
  absl::Status s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("conditions_table.values"), std::string::npos) << s;
}

TEST_F(ErrorsTest, UnknownModelKindIsInvalidArgument) {
  EvgenClient client(server_->address());
  v1::SubmitTrainingRequest t = ValidTraining();
  t.set_kind("diffusion-transformer");
  absl::Status s = client.SubmitTraining(t).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("kind: unknown model kind 'diffusion-transformer'; allowed: cinn, flow-affine, "
                             "flow-rqs, gan, jet-cloud-gan, lsgan, rjs-gan, template, wgan-clip, wgan-gp, wgan-u1"),
            std::string::npos) << s;
}

TEST_F(ErrorsTest, BadTrainingFieldsAreInvalidArgumentNamingTheField) {
  EvgenClient client(server_->address());
  struct Case {
    std::function<void(v1::SubmitTrainingRequest&)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](auto& t) { t.set_config_json("{\"mass_bins\": 1}"); }, "mass_bins"},
      {[](auto& t) { t.set_config_json("[1,2]"); }, "config_json"},
      {[](auto& t) { t.set_config_json("{\"colour\": 3}"); }, "colour"},
      {[](auto& t) { t.set_model_name("../escape"); }, "model_name"},
      {[](auto& t) { t.mutable_training_data()->set_region("signalish"); }, "signalish"},
      {[](auto& t) { t.add_condition_columns("n_track"); }, "condition_columns"},
      {[](auto& t) { t.set_device("tpu"); }, "device"},
  };
  for (const Case& c : cases) {
    v1::SubmitTrainingRequest t = ValidTraining();
    c.mutate(t);
    absl::Status s = client.SubmitTraining(t).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.expected << ": " << s;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s;
  }
}

TEST_F(ErrorsTest, BadReferenceRequestsAreInvalidArgument) {
  EvgenClient client(server_->address());
  v1::GenerateReferenceRequest r;
  r.set_name("x");
  r.set_simulator("qcd-multijet");
  r.set_n_events(0);
  EXPECT_EQ(client.GenerateReference(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.set_n_events(10);
  r.set_simulator("pythia");
  absl::Status s = client.GenerateReference(r).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("qcd-multijet"), std::string::npos) << "should list the allowed simulators";
  r.set_simulator("qcd-multijet");
  r.set_name("qcd");
  EXPECT_EQ(client.GenerateReference(r).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ErrorsTest, UnknownMetricIsInvalidArgument) {
  CliResult r = RunCliCapture(server_->address(), {"metrics", "compare", "qcd", "qcd", "-m", "vibes"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("INVALID_ARGUMENT"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("separation-power"), std::string::npos) << r.err;
}

// Invalid GAN configs are refused at submission with the field named, before
// any job is queued.
TEST_F(ErrorsTest, InvalidGanConfigsAreInvalidArgumentNamingTheField) {
  EvgenClient client(server_->address());
  const std::string columns =
      R"("condition_columns": ["pt_gev", "eta", "n_track"], "target_columns": ["mass_gev"])";
  struct Case {
    std::string kind, config;
    std::vector<std::string> request_conditions;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"gan-xl", "{" + columns + "}", {}, "kind: unknown model kind 'gan-xl'"},
      {"wgan-gp", "{" + columns + R"(, "loss": {"lambda": -10}})", {}, "config.loss.lambda"},
      {"rjs-gan", "{" + columns + R"(, "lambda_g": -1})", {}, "config.lambda_g"},
      {"wgan-clip", "{" + columns + R"(, "loss": {"clip": 0}})", {}, "config.loss.clip"},
      {"gan", "{" + columns + "}", {"pt_gev", "eta"}, "condition_columns"},
      {"gan", R"({"condition_columns": ["pt_gev", "rapidity"], "target_columns": ["mass_gev"]})", {},
       "no column 'rapidity'"},
      {"gan", R"({"preset": "ttbar-mmd-gan-small"})", {}, "config.preset"},
      {"lsgan", "{" + columns + R"(, "optimizer": {"name": "sgd"}})", {}, "config.optimizer.name"},
      {"gan", R"({"condition_columns": ["pt_gev"]})", {}, "config.target_columns"},
  };
  for (const Case& c : cases) {
    v1::SubmitTrainingRequest t = ValidTraining();
    t.set_kind(c.kind);
    t.set_config_json(c.config);
    for (const std::string& col : c.request_conditions) t.add_condition_columns(col);
    absl::Status s = client.SubmitTraining(t).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.expected << ": " << s;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s;
  }
}

TEST_F(ErrorsTest, HealthServiceReportsServingForTheServerAndEachService) {
  for (const std::string service : {"", "evgen.v1.DatasetService", "evgen.v1.TrainingService",
                                    "evgen.v1.ModelService", "evgen.v1.SamplingService",
                                    "evgen.v1.MetricsService"}) {
    EvgenClient client(server_->address());
    absl::StatusOr<std::string> status = client.Health(service);
    ASSERT_TRUE(status.ok()) << service << ": " << status.status();
    EXPECT_EQ(*status, "SERVING") << service;
  }
  EvgenClient client(server_->address());
  EXPECT_TRUE(absl::IsNotFound(client.Health("evgen.v1.NoSuchService").status()));
}

TEST_F(ErrorsTest, UnknownOrMissingDeviceIsRefused) {
  v1::SampleRequest r = ValidSample();
  r.set_device("tpu");
  absl::Status s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("device: 'tpu' is not one of auto, cpu, cuda"), std::string::npos) << s;
  r.set_device("cpu");
  EXPECT_TRUE(SampleStatus(r).ok());
  // CI machines have no GPU; where one is present "cuda" is simply valid.
  r.set_device("cuda");
  s = SampleStatus(r);
  if (!s.ok()) {
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_NE(s.message().find("no CUDA device"), std::string::npos) << s;
  }
}

TEST_F(ErrorsTest, HugeNamesAreRefusedWithAShortMessage) {
  EvgenClient client(server_->address());
  const std::string huge(10000, 'x');
  v1::GenerateReferenceRequest g;
  g.set_name(huge);
  g.set_simulator("qcd-multijet");
  g.set_n_events(10);
  absl::Status s = client.GenerateReference(g).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s.message().substr(0, 200);
  EXPECT_LT(s.message().size(), 400u);
  EXPECT_NE(s.message().find("(10000 characters)"), std::string::npos) << s;
  g.set_name("fine");
  g.set_simulator(huge);
  s = client.GenerateReference(g).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 600u) << s.message().substr(0, 200);
  v1::SampleRequest r = ValidSample();
  r.set_model(huge);
  s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 400u);
  // Messages that quote many user values (here: the columns the conditions
  // have) are cut below gRPC's header limit.
  r = ValidSample();
  std::vector<std::string> columns;
  for (int i = 0; i < 200; ++i) columns.push_back(std::string(100, 'k') + std::to_string(i));
  Table wide(columns);
  wide.AppendRow(std::vector<float>(200, 1.f).data());
  EncodeTable(wide, r.mutable_conditions_table());
  s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s.message().substr(0, 200);
  EXPECT_NE(s.message().find("(message cut at 2048 of "), std::string::npos) << s.message().substr(0, 200);
  EXPECT_LE(s.message().size(), 2200u);
}

// The peer's crafted .npy: shape (1, 2^62 + 1) made rows * columns * 4 wrap
// around and the reader allocate 2^62 floats; the exception killed evgend.
TEST_F(ErrorsTest, CraftedNpyShapeIsInvalidArgumentAndNamesTheUsersFile) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4611686018427387905), }";
  dict.append(118 - dict.size() - 1, ' ');
  dict.push_back('\n');
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(dict.size()) + '\0' + dict;
  // Four data bytes: the wrapped-around byte count (2^62 + 1) * 4 = 4 matched
  // them, so the old reader went on to allocate.
  bytes.append(4, '\0');
  const std::string path = *dir_ + "/crafted.npy";
  std::ofstream(path, std::ios::binary) << bytes;
  EvgenClient client(server_->address());
  v1::UploadHeader header;
  header.set_name("crafted");
  absl::Status s = client.UploadFile(path, header).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("crafted.npy"), std::string::npos) << s;
  EXPECT_EQ(s.message().find("staging"), std::string::npos) << "a server path leaked: " << s;
  EXPECT_EQ(s.message().find(*dir_), std::string::npos) << "a server path leaked: " << s;
  EXPECT_EQ(client.DescribeDataset("crafted").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ErrorsTest, OverflowingChunkRowCountIsInvalidArgument) {
  v1::SampleRequest r = ValidSample();
  v1::TableChunk* chunk = r.mutable_conditions_table();
  chunk->add_columns("pt_gev");
  chunk->set_rows(int64_t{1} << 62);
  absl::Status s = SampleStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("conditions_table"), std::string::npos) << s;
  v1::CompareRequest c;
  chunk = c.mutable_candidate()->mutable_inline_table();
  chunk->add_columns("a");
  chunk->add_columns("b");
  chunk->set_rows(int64_t{1} << 62);
  *c.mutable_reference() = c.candidate();
  c.add_metrics()->set_name("ks");
  EvgenClient client(server_->address());
  s = client.Compare(c).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

// HDF5 and HepMC uploads are parsed by evgen-parse-table in a child
// process: the inputs in fuzz/unfixed crash libhdf5 (out-of-bounds reads, a
// NULL copy, a 4 GiB allocation) or libHepMC3 itself (none at present: the
// pre-scan refuses every libHepMC3 crash found so far).
TEST_F(ErrorsTest, HdfFilesThatCrashLibhdf5FailTheirUploadNotTheServer) {
  EvgenClient client(server_->address());
  int tried = 0;
  for (const std::string format : {"hdf5", "jetnet", "hepmc3"}) {
    const std::string dir = std::string(EVGEN_SOURCE_DIR) + "/fuzz/unfixed/" + format;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      SCOPED_TRACE(entry.path().string());
      v1::UploadHeader header;
      header.set_name("crash-" + std::to_string(tried++));
      header.set_format(format);
      absl::StatusOr<v1::Dataset> uploaded = client.UploadFile(entry.path().string(), header);
      ASSERT_TRUE(server_->running());
      if (uploaded.ok()) {
        // Without a sanitizer some of these read garbage quietly; what was
        // stored must then be a whole table.
        EXPECT_GT(uploaded->rows(), 0);
        ASSERT_TRUE(client.DeleteDataset(header.name()).ok());
        continue;
      }
      const absl::Status& s = uploaded.status();
      EXPECT_TRUE(s.code() == absl::StatusCode::kInvalidArgument ||
                  s.code() == absl::StatusCode::kResourceExhausted) << s;
      EXPECT_NE(s.message().find(entry.path().filename().string()), std::string::npos) << s;
      EXPECT_EQ(s.message().find("staging"), std::string::npos) << "a server path leaked: " << s;
      EXPECT_EQ(client.DescribeDataset(header.name()).status().code(), absl::StatusCode::kNotFound);
    }
  }
  EXPECT_GE(tried, 4);
}

TEST_F(ErrorsTest, HdfUploadRoundTripsThroughTheParserProcess) {
  const std::string path = *dir_ + "/qcd.h5";
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "export", "qcd", "-o", path}).code, 0);
  EvgenClient client(server_->address());
  v1::UploadHeader header;
  header.set_name("qcd-h5");
  absl::StatusOr<v1::Dataset> uploaded = client.UploadFile(path, header);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  absl::StatusOr<v1::Dataset> original = client.DescribeDataset("qcd");
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(uploaded->rows(), original->rows());
  EXPECT_EQ(uploaded->columns_size(), original->columns_size());
  // The helper's scratch files are gone.
  for (const auto& entry : std::filesystem::directory_iterator(*dir_ + "/data/uploads")) {
    ADD_FAILURE() << "left behind: " << entry.path();
  }
}

// HepMC uploads go through the helper too (libHepMC3 crashed on fuzzed
// files); a valid listing is stored, a refused one names the file and line.
TEST_F(ErrorsTest, HepMCUploadsAreParsedInTheHelperProcess) {
  EvgenClient client(server_->address());
  v1::UploadHeader header;
  header.set_name("tt-hepmc");
  absl::StatusOr<v1::Dataset> uploaded =
      client.UploadFile(std::string(EVGEN_SOURCE_DIR) + "/fuzz/corpus/hepmc3/ttbar_v3.hepmc", header);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  EXPECT_GT(uploaded->rows(), 0);
  header.set_name("ff-hepmc");
  header.set_format("hepmc3");
  absl::Status s = client
                       .UploadFile(std::string(EVGEN_SOURCE_DIR) +
                                       "/fuzz/regressions/hepmc3/record_after_form_feeds.hepmc", header)
                       .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("record_after_form_feeds.hepmc:6: a record starts with whitespace"),
            std::string::npos) << s;
}

TEST_F(ErrorsTest, DuplicateColumnNamesAreRefused) {
  const std::string path = *dir_ + "/dup.csv";
  std::ofstream(path) << "pt,eta,pt\n1,2,3\n4,5,6\n";
  EvgenClient client(server_->address());
  v1::UploadHeader header;
  header.set_name("dup");
  absl::Status s = client.UploadFile(path, header).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("pt"), std::string::npos) << s;
  EXPECT_NE(s.message().find("dup.csv"), std::string::npos) << s;
}

}  // namespace
}  // namespace evgen::testing
