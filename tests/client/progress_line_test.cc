#include <gtest/gtest.h>

#include <sstream>

#include "absl/strings/match.h"
#include "client/cli/output.h"

namespace evgen::cli {
namespace {

TEST(TransferProgressLineTest, TerminalRedrawsEventsDoneTotalAndRate) {
  std::ostringstream out;
  TransferProgressLine line(out, /*terminal=*/true, "sample", TransferProgressLine::Unit::kEvents);
  line.Update(250, 1000);
  line.Update(1000, 1000);  // the end is always drawn
  line.Done();
  const std::string text = out.str();
  EXPECT_TRUE(absl::StartsWith(text, "\rsample [")) << text;
  EXPECT_TRUE(absl::StrContains(text, " 25% 250/1000 events, ")) << text;
  EXPECT_TRUE(absl::StrContains(text, "100% 1000/1000 events, ")) << text;
  EXPECT_TRUE(absl::StrContains(text, " events/s")) << text;
  EXPECT_TRUE(absl::EndsWith(text, "\n")) << text;
}

TEST(TransferProgressLineTest, LogsStayQuietForAQuickTransfer) {
  std::ostringstream out;
  TransferProgressLine line(out, /*terminal=*/false, "upload", TransferProgressLine::Unit::kBytes);
  line.Update(1 << 20, 2 << 20);
  line.Update(2 << 20, 2 << 20);
  line.Done();
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace evgen::cli
