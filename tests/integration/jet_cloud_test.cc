// Jets as particle clouds through a real evgend and the real CLI (issue 17):
// a jet-cloud GAN trained on the jet-clouds reference, then jets sampled in
// a stream of several chunks. A set model's n counts jets, and the stream's
// rows are constituents, so this is where the plan's output-row count and
// chunk positions (sample_plan.h) meet the client's checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/io/table_file.h"
#include "core/random/counter_rng.h"
#include "nlohmann/json.hpp"
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

  // -o jets.h5 writes the JetNet layout; uploaded back, every sampled column
  // has the statistics of the .npy sample's, to the last digit.
  const std::string h5 = dir + "/jets.h5";
  CliResult c = cli({"sample", std::to_string(kJets), "--model", "clouds", "--seed", "4", "-o", h5, "-O", "is_top=1"});
  ASSERT_EQ(c.code, 0) << c.err;
  CliResult up_h5 = cli({"--json", "datasets", "upload", h5, "--name", "back-h5"});
  ASSERT_EQ(up_h5.code, 0) << up_h5.err;
  CliResult up_npy = cli({"--json", "datasets", "upload", npy, "--name", "back-npy"});
  ASSERT_EQ(up_npy.code, 0) << up_npy.err;
  const nlohmann::json from_h5 = nlohmann::json::parse(up_h5.out), from_npy = nlohmann::json::parse(up_npy.out);
  EXPECT_EQ(from_h5["source"], "upload:jets.h5");
  EXPECT_EQ(from_h5["rows"], from_npy["rows"]);
  auto summaries = [](const nlohmann::json& d) {
    std::map<std::string, nlohmann::json> out;
    for (const auto& s : d["summaries"]) out[s["name"]] = s;
    return out;
  };
  const auto h5_columns = summaries(from_h5), npy_columns = summaries(from_npy);
  for (const auto& [name, summary] : npy_columns) {
    ASSERT_TRUE(h5_columns.count(name)) << name;
    EXPECT_EQ(h5_columns.at(name), summary) << name;
  }
  EXPECT_EQ(h5_columns.at("is_top")["mean"], 1.0);
  EXPECT_GT(h5_columns.at("jet_mass_gev")["mean"].get<double>(), 0.0) << "from the constituents";
  server->reset();
  std::filesystem::remove_all(dir);
}

// PerJet is `column` at each jet's first constituent of a long table.
std::vector<float> PerJet(const Table& t, const std::string& column) {
  std::vector<float> out;
  const int c = *t.ColumnIndex(column), constituent = *t.ColumnIndex("constituent");
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    if (t.at(r, constituent) == 0) out.push_back(t.at(r, c));
  }
  return out;
}

// A conditional jet-cloud model: jet type and jet pT as conditions, taken per
// jet from a stored long table, copied into the sample and into the JetNet
// file's jet features.
TEST(JetCloudTest, ConditionedOnJetTypeAndPtThroughTheCli) {
  const std::string dir = MakeTempDir("evgen-jet-cloud-cond");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  auto cli = [&](const std::vector<std::string>& args) { return RunCliCapture((*server)->address(), args); };
  ASSERT_EQ(cli({"datasets", "generate", "jet-clouds", "-n", "300", "--seed", "1", "--name", "jets"}).code, 0);
  CliResult train = cli({"train", "jet-cloud-gan", "--dataset", "jets", "--name", "cond", "--config",
                         R"({"preset": "jet-cloud-gan-small", "steps": 4, "condition_columns": ["is_top", "jet_pt_gev"]})",
                         "--seed", "1", "--wait"});
  ASSERT_EQ(train.code, 0) << train.err << train.out;
  const std::string npy = dir + "/cond.npy", h5 = dir + "/cond.h5";
  for (const std::string& out : {npy, h5}) {
    CliResult s = cli({"sample", "300", "--model", "cond", "--conditions-from", "jets", "--seed", "2", "-o", out});
    ASSERT_EQ(s.code, 0) << s.err;
  }
  CliResult exported = cli({"datasets", "export", "jets", "-o", dir + "/truth.csv"});
  ASSERT_EQ(exported.code, 0) << exported.err;
  absl::StatusOr<Table> truth = ReadTableFile(dir + "/truth.csv");
  ASSERT_TRUE(truth.ok()) << truth.status();
  absl::StatusOr<Table> sample = ReadTableFile(npy), jetnet = ReadTableFile(h5);
  ASSERT_TRUE(sample.ok()) << sample.status();
  ASSERT_TRUE(jetnet.ok()) << jetnet.status();
  // Jet j of the sample carries the conditions of jet j of the dataset.
  for (const std::string column : {"is_top", "jet_pt_gev"}) {
    EXPECT_EQ(PerJet(*sample, column), PerJet(*truth, column)) << column;
    EXPECT_EQ(PerJet(*jetnet, column), PerJet(*truth, column)) << column << " in the JetNet file";
  }
  server->reset();
  std::filesystem::remove_all(dir);
}

// Jets from nothing in one call: a flow of each jet's pT and mass as the
// conditions model of the given-jet preset. The one-call sample is the
// two-call one (the flow's sample under the derived seed, then the cloud
// model given it) byte for byte, and says which flow version drew it.
TEST(JetCloudTest, ConditionsDrawnFromAFlowInOneCall) {
  const std::string dir = MakeTempDir("evgen-jet-cloud-two-stage");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  auto cli = [&](const std::vector<std::string>& args) { return RunCliCapture((*server)->address(), args); };
  ASSERT_EQ(cli({"datasets", "generate", "jet-clouds", "-n", "300", "--seed", "1", "-O", "top_fraction=1",
                 "--name", "jets"}).code, 0);
  ASSERT_EQ(cli({"datasets", "derive", "jets", "--where", "constituent == 0", "--name", "jet_rows"}).code, 0);
  CliResult flow = cli({"train", "flow-rqs", "--dataset", "jet_rows", "--name", "kin", "--config",
                        R"({"target_columns": ["jet_pt_gev", "jet_mass_gev"],
                            "transforms": [{"kind": "log", "columns": ["jet_pt_gev", "jet_mass_gev"]}],
                            "blocks": 2, "subnet": {"hidden": [16]}, "batch_size": 64, "steps": 30})",
                        "--seed", "1", "--wait"});
  ASSERT_EQ(flow.code, 0) << flow.err << flow.out;
  CliResult train = cli({"train", "jet-cloud-gan", "--dataset", "jets", "--name", "clouds", "--config",
                         R"({"preset": "jet-cloud-gan-given-small", "steps": 4})",
                         "--seed", "1", "--wait"});
  ASSERT_EQ(train.code, 0) << train.err << train.out;

  const std::string one_call = dir + "/one-call.npy", kin = dir + "/kin.npy", two_calls = dir + "/two-calls.npy";
  CliResult sampled = cli({"--json", "sample", "200", "--model", "clouds", "--conditions-model", "kin", "--seed", "2",
                           "-o", one_call});
  ASSERT_EQ(sampled.code, 0) << sampled.err;
  EXPECT_EQ(nlohmann::json::parse(sampled.out).value("conditions_model_version", 0), 1) << sampled.out;
  // The conditions model's seed as sampling_service.proto documents it.
  const std::string derived = std::to_string(DeriveSeed(2, 0x636f6e64));
  ASSERT_EQ(cli({"sample", "200", "--model", "kin", "--seed", derived, "-o", kin}).code, 0);
  CliResult given = cli({"sample", "200", "--model", "clouds", "--conditions", kin, "--seed", "2", "-o", two_calls});
  ASSERT_EQ(given.code, 0) << given.err;
  absl::StatusOr<Table> a = ReadTableFile(one_call), b = ReadTableFile(two_calls), k = ReadTableFile(kin);
  ASSERT_TRUE(a.ok() && b.ok() && k.ok());
  EXPECT_EQ(a->columns(), b->columns());
  EXPECT_EQ(a->values(), b->values());
  EXPECT_EQ(PerJet(*a, "jet_mass_gev"), k->Column(*k->ColumnIndex("jet_mass_gev")));
  EXPECT_EQ(PerJet(*a, "jet_pt_gev"), k->Column(*k->ColumnIndex("jet_pt_gev")));

  CliResult chained = cli({"sample", "10", "--model", "clouds", "--conditions-model", "clouds", "-o", one_call});
  EXPECT_NE(chained.code, 0);
  EXPECT_NE(chained.err.find("conditions_model: model 'clouds' is itself conditional (on jet_pt_gev, jet_mass_gev)"),
            std::string::npos)
      << chained.err;
  CliResult both = cli({"sample", "10", "--model", "clouds", "--conditions-model", "kin", "--conditions-from", "jets",
                        "-o", one_call});
  EXPECT_NE(both.code, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
  server->reset();
  std::filesystem::remove_all(dir);
}

// One model makes jets from nothing (jet-cloud-gan-jets-small: a jet stage
// draws each jet's pT and mass; here a shorter flow): trained in one job,
// sampled with no conditions, and its jets are the two-model route's byte
// for byte (the same flow trained alone on one row per jet, then
// --conditions-model).
TEST(JetCloudTest, JetsFromNothingInOneModel) {
  const std::string dir = MakeTempDir("evgen-jet-cloud-jet-stage");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  auto cli = [&](const std::vector<std::string>& args) { return RunCliCapture((*server)->address(), args); };
  ASSERT_EQ(cli({"datasets", "generate", "jet-clouds", "-n", "300", "--seed", "1", "-O", "top_fraction=1",
                 "--name", "jets"}).code, 0);
  const std::string flow_config = R"({"target_columns": ["jet_pt_gev", "jet_mass_gev"],
      "transforms": [{"kind": "log", "columns": ["jet_pt_gev", "jet_mass_gev"]}],
      "blocks": 2, "subnet": {"hidden": [16]}, "batch_size": 64, "steps": 30})";
  CliResult train = cli({"train", "jet-cloud-gan", "--dataset", "jets", "--name", "jetgen", "--config",
                         R"({"preset": "jet-cloud-gan-jets-small", "steps": 4, "jet_stage": {"kind": "flow-rqs",
                             "config": )" + flow_config + "}}",
                         "--seed", "1", "--wait"});
  ASSERT_EQ(train.code, 0) << train.err << train.out;
  CliResult got = cli({"--json", "models", "get", "jetgen"});
  ASSERT_EQ(got.code, 0) << got.err;
  const nlohmann::json model = nlohmann::json::parse(got.out);
  EXPECT_FALSE(model.contains("condition_columns") && !model["condition_columns"].empty()) << got.out;
  EXPECT_EQ(model["description_json"]["jet_stage"]["kind"], "flow-rqs") << got.out;

  // The stage's config merges over the preset's, key by key: the flow
  // trained alone takes the stage's whole config as the model reports it.
  const nlohmann::json stage_config = model["description_json"]["jet_stage"]["config"];
  EXPECT_EQ(stage_config["steps"], 30);
  EXPECT_EQ(stage_config["spline"]["bins"], 16) << "the preset's key kept";
  ASSERT_EQ(cli({"datasets", "derive", "jets", "--where", "constituent == 0", "--name", "jet_rows"}).code, 0);
  ASSERT_EQ(cli({"train", "flow-rqs", "--dataset", "jet_rows", "--name", "kin", "--config", stage_config.dump(),
                 "--seed", "1", "--wait"}).code, 0);
  ASSERT_EQ(cli({"train", "jet-cloud-gan", "--dataset", "jets", "--name", "given", "--config",
                 R"({"preset": "jet-cloud-gan-given-small", "steps": 4})", "--seed", "1", "--wait"}).code, 0);
  const std::string one = dir + "/one.npy", two = dir + "/two.npy";
  CliResult sampled = cli({"sample", "200", "--model", "jetgen", "--seed", "2", "-o", one});
  ASSERT_EQ(sampled.code, 0) << sampled.err;
  ASSERT_EQ(cli({"sample", "200", "--model", "given", "--conditions-model", "kin", "--seed", "2", "-o", two}).code, 0);
  absl::StatusOr<Table> a = ReadTableFile(one), b = ReadTableFile(two);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::vector<std::string>& columns = b->columns();
  absl::StatusOr<Table> b_jets = b->SelectColumns({columns.begin(), columns.end() - 2});
  ASSERT_TRUE(b_jets.ok());
  EXPECT_EQ(a->columns(), b_jets->columns());
  EXPECT_EQ(a->values(), b_jets->values());
  server->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
