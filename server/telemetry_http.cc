#include "server/telemetry_http.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/telemetry/metrics.h"

namespace evgen {

TelemetryHttpServer::TelemetryHttpServer() = default;

TelemetryHttpServer::~TelemetryHttpServer() { Stop(); }

absl::Status TelemetryHttpServer::Start(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen: '", address, "' is not host:port (e.g. 127.0.0.1:9464)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  http_ = std::make_unique<httplib::Server>();
  http_->Get("/metrics", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(telemetry::DefaultRegistry().Serialize(), "text/plain; version=0.0.4; charset=utf-8");
  });
  port_ = port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    port_ = 0;
    return absl::UnavailableError(absl::StrCat("--metrics-listen: cannot listen on ", address));
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return absl::OkStatus();
}

void TelemetryHttpServer::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace evgen
