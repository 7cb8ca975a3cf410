// Tokens and roles through a real evgend started with --auth-tokens: no or
// an unknown token is UNAUTHENTICATED, too low a role PERMISSION_DENIED
// (the call changes nothing), each role can do what it should through the
// real CLI (--token and EVGEN_TOKEN), health checks stay open, mutating
// calls leave an audit line naming the caller, and no token is ever logged.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

constexpr char kReader[] = "r3ad3r-0123456789abcdef";
constexpr char kTrainer[] = "tra1n3r-0123456789abcdef";
constexpr char kAdmin[] = "adm1n-0123456789abcdef";

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-auth");
    std::ofstream(dir_ + "/tokens") << "# evgend tokens\n"
                                    << "reader analysis-a " << kReader << "\n"
                                    << "trainer training-bot " << kTrainer << "\n\n"
                                    << "admin ops " << kAdmin << "\n";
    log_ = dir_ + "/evgend.log";
    auto server = EvgendProcess::Start(dir_ + "/data", {"--auth-tokens", dir_ + "/tokens"}, log_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  CliResult As(const char* token, std::vector<std::string> args) {
    if (token != nullptr) args.insert(args.begin(), {"--token", token});
    return RunCliCapture(server_->address(), args);
  }

  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_, log_;
  std::unique_ptr<EvgendProcess> server_;
};

TEST_F(AuthTest, MissingOrUnknownTokensAreUnauthenticated) {
  CliResult none = As(nullptr, {"datasets", "list"});
  EXPECT_NE(none.code, 0);
  EXPECT_NE(none.err.find("UNAUTHENTICATED"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("EVGEN_TOKEN"), std::string::npos) << "the message says how to pass one";
  CliResult wrong = As("not-a-token-of-this-server", {"models", "list"});
  EXPECT_NE(wrong.err.find("UNAUTHENTICATED"), std::string::npos) << wrong.err;
  CliResult close = As("r3ad3r-0123456789abcdeX", {"models", "list"});  // one byte off
  EXPECT_NE(close.err.find("UNAUTHENTICATED"), std::string::npos) << close.err;
}

TEST_F(AuthTest, EachRoleDoesWhatItMayAndNoMore) {
  EXPECT_EQ(As(kReader, {"datasets", "list"}).code, 0);
  CliResult generate = As(kReader, {"datasets", "generate", "qcd-multijet", "-n", "2000", "--name", "qcd"});
  EXPECT_NE(generate.err.find("PERMISSION_DENIED"), std::string::npos) << generate.err;
  EXPECT_NE(generate.err.find("needs trainer"), std::string::npos) << generate.err;
  EXPECT_NE(As(kReader, {"datasets", "describe", "qcd"}).err.find("NOT_FOUND"), std::string::npos)
      << "a refused call stored nothing";

  ASSERT_EQ(As(kTrainer, {"datasets", "generate", "qcd-multijet", "-n", "2000", "--name", "qcd"}).code, 0);
  ASSERT_EQ(As(kTrainer, {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"}).code, 0);
  CliResult sample = As(kReader, {"sample", "500", "--model", "tpl", "--conditions-from", "qcd", "--region",
                                  "validation", "-o", dir_ + "/s.npy"});
  EXPECT_EQ(sample.code, 0) << sample.err;
  CliResult remove = As(kTrainer, {"models", "delete", "tpl"});
  EXPECT_NE(remove.err.find("PERMISSION_DENIED"), std::string::npos) << remove.err;
  EXPECT_EQ(As(kReader, {"models", "get", "tpl"}).code, 0) << "the model is still there";
  EXPECT_EQ(As(kAdmin, {"models", "delete", "tpl"}).code, 0);
  EXPECT_EQ(As(kAdmin, {"datasets", "delete", "qcd"}).code, 0);
}

TEST_F(AuthTest, TheTokenMayComeFromTheEnvironment) {
  ::setenv("EVGEN_TOKEN", kReader, 1);
  CliResult r = RunCliCapture(server_->address(), {"models", "list"});
  ::unsetenv("EVGEN_TOKEN");
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(AuthTest, HealthChecksStayOpen) {
  const CliResult r = RunCliCapture(server_->address(), {"health"});  // no token
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");
}

TEST_F(AuthTest, MutatingCallsAreAuditedWithoutTheToken) {
  ASSERT_EQ(As(kTrainer, {"datasets", "generate", "qcd-multijet", "-n", "1000", "--name", "q"}).code, 0);
  ASSERT_EQ(As(kAdmin, {"datasets", "delete", "q"}).code, 0);
  EXPECT_EQ(As(kReader, {"datasets", "list"}).code, 0);
  const std::string log = Log();
  EXPECT_NE(log.find(R"("audit":"GenerateReference")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("caller":"training-bot")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("audit":"DeleteDataset")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("caller":"ops")"), std::string::npos) << log;
  EXPECT_EQ(log.find(R"("audit":"ListDatasets")"), std::string::npos) << "reads are not audited";
  for (const char* token : {kReader, kTrainer, kAdmin}) EXPECT_EQ(log.find(token), std::string::npos);
}

TEST(AuthFileTest, MalformedTokenFilesStopTheServerNamingTheLine) {
  const std::string dir = MakeTempDir("evgen-auth-file");
  std::ofstream(dir + "/tokens") << "reader a 0123456789abcdef0123\nsuperuser b 0123456789abcdef9999\n";
  auto server = EvgendProcess::Start(dir + "/data", {"--auth-tokens", dir + "/tokens"}, dir + "/log");
  EXPECT_FALSE(server.ok());
  std::ifstream in(dir + "/log");
  std::stringstream log;
  log << in.rdbuf();
  EXPECT_NE(log.str().find("line 2: role 'superuser' is not one of reader, trainer, admin"), std::string::npos)
      << log.str();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
