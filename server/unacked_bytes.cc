#include "server/unacked_bytes.h"

#include <fstream>
#include <sstream>

namespace evgen {
namespace {

constexpr const char* kListen = "0A";  // TCP_LISTEN in /proc/net/tcp's st column

// Port of an "ADDRESS:PORT" field, both hexadecimal; -1 when malformed.
int PortOf(const std::string& endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return -1;
  try {
    return std::stoi(endpoint.substr(colon + 1), nullptr, 16);
  } catch (...) {
    return -1;
  }
}

// tx_queue of a "TX:RX" field (hexadecimal); 0 when malformed.
int64_t SendQueueOf(const std::string& queues) {
  try {
    return std::stoll(queues.substr(0, queues.find(':')), nullptr, 16);
  } catch (...) {
    return 0;
  }
}

}  // namespace

int64_t UnackedBytesIn(const std::string& table, int port) {
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);  // the header
  int64_t total = 0;
  while (std::getline(lines, line)) {
    // sl local_address rem_address st tx_queue:rx_queue ...
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
    if (state == kListen || PortOf(local) != port) continue;
    total += SendQueueOf(queues);
  }
  return total;
}

std::optional<int64_t> UnackedBytes(int port) {
  int64_t total = 0;
  bool any = false;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(path);
    if (!in) continue;
    std::stringstream table;
    table << in.rdbuf();
    total += UnackedBytesIn(table.str(), port);
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace evgen
