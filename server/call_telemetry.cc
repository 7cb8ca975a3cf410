#include "server/call_telemetry.h"

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "core/telemetry/metrics.h"

namespace evgen {
namespace {

using grpc::experimental::InterceptionHookPoints;
using telemetry::Counter;
using telemetry::Family;
using telemetry::Gauge;
using telemetry::Histogram;

struct CallFamilies {
  Family<Counter>& requests = telemetry::DefaultRegistry().AddCounter(
      "evgen_grpc_requests_total", "gRPC calls handled, by service, method and status code.");
  // 1 ms to about 9 minutes: unary calls and long sample streams alike.
  Family<Histogram>& duration = telemetry::DefaultRegistry().AddHistogram(
      "evgen_grpc_request_duration_seconds", "Time from a gRPC call's arrival to its status, in seconds.",
      telemetry::ExponentialBuckets(0.001, 2.5, 15));
  Gauge& in_flight = telemetry::DefaultRegistry()
                         .AddGauge("evgen_grpc_calls_in_flight",
                                   "evgen calls that have arrived and not ended (health checks and reflection aside).")
                         .Add({});
};

CallFamilies& Families() {
  static CallFamilies* families = new CallFamilies();
  return *families;
}

class CallTelemetry final : public grpc::experimental::Interceptor {
 public:
  explicit CallTelemetry(const char* full_method) : start_(std::chrono::steady_clock::now()) {
    // "/evgen.v1.SamplingService/Sample" -> service, method.
    const std::string name = full_method == nullptr ? "" : full_method;
    const size_t slash = name.rfind('/');
    service_ = slash == std::string::npos || slash == 0 ? "unknown" : name.substr(1, slash - 1);
    method_ = slash == std::string::npos ? name : name.substr(slash + 1);
    // Health watches last as long as their client likes; the drain must not
    // wait for them (gRPC ends them itself at shutdown).
    counted_ = service_.rfind("evgen.", 0) == 0;
    if (counted_) Families().in_flight.Increment();
  }
  ~CallTelemetry() override {
    if (counted_) Families().in_flight.Decrement();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const auto code = static_cast<absl::StatusCode>(methods->GetSendStatus().error_code());
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      Families().requests.Add({{"service", service_}, {"method", method_}, {"code", absl::StatusCodeToString(code)}})
          .Increment();
      Families().duration.Add({{"service", service_}, {"method", method_}}).Observe(seconds);
    }
    methods->Proceed();
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::string service_, method_;
  bool counted_ = false;
};

class CallTelemetryFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CallTelemetry(info->method());
  }
};

}  // namespace

int64_t EvgenCallsInFlight() { return static_cast<int64_t>(Families().in_flight.value()); }

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallTelemetryFactory() {
  Families();  // the families exist (empty) before the first call
  return std::make_unique<CallTelemetryFactory>();
}

}  // namespace evgen
