// TLS through a real evgend and the real CLI, with a throwaway CA and
// certificates made by openssl: a client that trusts the CA gets through,
// plaintext and a client trusting another CA do not; with --tls-client-ca a
// client needs a certificate that CA signed (mutual TLS).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

// Openssl runs one openssl command line in `dir`; false when it failed.
bool Openssl(const std::string& dir, const std::string& args) {
  const std::string command = "cd '" + dir + "' && openssl " + args + " > openssl.log 2>&1";
  return std::system(command.c_str()) == 0;
}

// MakeCa writes NAME.key and NAME.crt, a self-signed CA.
bool MakeCa(const std::string& dir, const std::string& name) {
  return Openssl(dir, "req -x509 -newkey rsa:2048 -nodes -keyout " + name + ".key -out " + name +
                          ".crt -days 1 -subj /CN=" + name);
}

// MakeCert writes NAME.key and NAME.crt signed by CA, valid for 127.0.0.1.
bool MakeCert(const std::string& dir, const std::string& name, const std::string& ca) {
  std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  return Openssl(dir, "req -newkey rsa:2048 -nodes -keyout " + name + ".key -out " + name + ".csr -subj /CN=" +
                          name) &&
         Openssl(dir, "x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -CAcreateserial -out " +
                          name + ".crt -days 1 -extfile san.ext");
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-tls");
    ASSERT_TRUE(MakeCa(dir_, "ca"));
    ASSERT_TRUE(MakeCa(dir_, "other-ca"));
    ASSERT_TRUE(MakeCert(dir_, "server", "ca"));
    ASSERT_TRUE(MakeCert(dir_, "client", "ca"));
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer(bool mutual) {
    std::vector<std::string> args = {"--tls-cert", dir_ + "/server.crt", "--tls-key", dir_ + "/server.key"};
    if (mutual) args.insert(args.end(), {"--tls-client-ca", dir_ + "/ca.crt"});
    auto server = EvgendProcess::Start(dir_ + "/data", args, dir_ + "/evgend.log");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  CliResult Cli(std::vector<std::string> tls_args) {
    tls_args.insert(tls_args.end(), {"--timeout", "10", "datasets", "list"});
    return RunCliCapture(server_->address(), tls_args);
  }

  std::string dir_;
  std::unique_ptr<EvgendProcess> server_;
};

TEST_F(TlsTest, OnlyAClientTrustingTheServersCaGetsThrough) {
  StartServer(/*mutual=*/false);
  CliResult trusted = Cli({"--tls-ca", dir_ + "/ca.crt"});
  EXPECT_EQ(trusted.code, 0) << trusted.err;
  EXPECT_NE(Cli({}).code, 0) << "plaintext must not reach a TLS port";
  EXPECT_NE(Cli({"--tls-ca", dir_ + "/other-ca.crt"}).code, 0) << "a certificate of another CA must fail";
  CliResult missing = Cli({"--tls-ca", dir_ + "/nope.crt"});
  EXPECT_NE(missing.err.find("--tls-ca: cannot read"), std::string::npos) << missing.err;
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateOfTheCa) {
  StartServer(/*mutual=*/true);
  EXPECT_NE(Cli({"--tls-ca", dir_ + "/ca.crt"}).code, 0) << "no client certificate";
  CliResult with_cert =
      Cli({"--tls-ca", dir_ + "/ca.crt", "--tls-cert", dir_ + "/client.crt", "--tls-key", dir_ + "/client.key"});
  EXPECT_EQ(with_cert.code, 0) << with_cert.err;
  CliResult half = Cli({"--tls-ca", dir_ + "/ca.crt", "--tls-cert", dir_ + "/client.crt"});
  EXPECT_NE(half.err.find("give both or neither"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace evgen::testing
