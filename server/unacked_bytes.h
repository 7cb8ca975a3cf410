// unacked_bytes.h: how many bytes this host has written to TCP connections
// on a local port that the peers have not acknowledged yet, read from
// /proc/net/tcp and /proc/net/tcp6 (Linux).
//
// Why: when gRPC shuts down it closes a connection as soon as its last
// stream's status is handed to the kernel. If the client is slow to read,
// the end of a sample stream is still in the socket's send queue then; the
// client's next flow-control frame meets a closed socket, the kernel
// answers with a reset and drops the queue, and the client sees
// "Connection reset by peer" after most of its rows. The drain therefore
// waits until the peers hold every byte before it lets gRPC close.
//
// Example:
//   while (UnackedBytes(port).value_or(0) > 0 && before_deadline) sleep(...);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace evgen {

// UnackedBytes sums the send queues (tx_queue) of the connections whose
// local port is `port`, listening sockets aside. nullopt when /proc/net/tcp
// cannot be read (not Linux, or /proc not mounted): the caller then cannot
// wait on it.
std::optional<int64_t> UnackedBytes(int port);

// UnackedBytesIn parses one /proc/net/tcp-format table (exposed for tests).
int64_t UnackedBytesIn(const std::string& table, int port);

}  // namespace evgen
