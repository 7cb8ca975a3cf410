// restartable_server.h: RestartableServerTest, a fixture for tests that stop
// evgend (cleanly or with SIGKILL) and start it again on the same data
// directory: dir_ is that directory, StartServer() (re)starts evgend on it
// with a fresh client, TearDown() stops it and removes the directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "client/evgen_client.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {

class RestartableServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    client_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer() {
    absl::StatusOr<std::unique_ptr<EvgendProcess>> server = EvgendProcess::Start(dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    client_ = std::make_unique<EvgenClient>(server_->address());
  }

  std::string dir_;
  std::unique_ptr<EvgendProcess> server_;
  std::unique_ptr<EvgenClient> client_;
};

}  // namespace evgen::testing
