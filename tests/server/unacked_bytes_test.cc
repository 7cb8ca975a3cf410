// UnackedBytesIn reads the send queues of one port's connections from a
// /proc/net/tcp table; the shutdown drain waits on it.
#include "server/unacked_bytes.h"

#include <gtest/gtest.h>

namespace evgen {
namespace {

// Port 50051 is C383 in hexadecimal.
constexpr const char* kTable =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:C383 00000000:0000 0A 00000000:00000010 00:00000000 00000000  1000        0 1 1\n"
    "   1: 0100007F:C383 0100007F:D2F0 01 00010000:00000000 00:00000000 00000000  1000        0 2 1\n"
    "   2: 0100007F:C383 0100007F:D2F2 08 00000200:00000000 00:00000000 00000000  1000        0 3 1\n"
    "   3: 0100007F:D2F0 0100007F:C383 01 00000400:00000000 00:00000000 00000000  1000        0 4 1\n";

TEST(UnackedBytesTest, SumsTheSendQueuesOfThePortsConnections) {
  // 0x10000 + 0x200: the listening socket and the client end (local port
  // D2F0) do not count.
  EXPECT_EQ(UnackedBytesIn(kTable, 50051), 0x10000 + 0x200);
}

TEST(UnackedBytesTest, OtherPortsAndMalformedLinesCountNothing) {
  EXPECT_EQ(UnackedBytesIn(kTable, 1234), 0);
  EXPECT_EQ(UnackedBytesIn("header\n garbage\n 1: nocolon x 01 zz:zz\n", 50051), 0);
  EXPECT_EQ(UnackedBytesIn("", 50051), 0);
}

TEST(UnackedBytesTest, ReadsThisHostsTables) {
  // Port 1 has no connections here; the point is that /proc is readable.
  const std::optional<int64_t> bytes = UnackedBytes(1);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, 0);
}

}  // namespace
}  // namespace evgen
