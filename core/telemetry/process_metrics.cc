#include "core/telemetry/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dlfcn.h>

namespace evgen::telemetry {
namespace {

// StatFields returns /proc/self/stat's fields after the command name (which
// may hold spaces), so field 3 of proc(5) is index 0.
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> fields;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 2));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

double ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double CpuSeconds() {
  const std::vector<std::string> f = StatFields();
  if (f.size() < 13) return 0;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime + stime
}

double StartTimeSeconds() {
  const std::vector<std::string> f = StatFields();
  std::ifstream uptime_in("/proc/uptime");
  double uptime = 0;
  uptime_in >> uptime;
  if (f.size() < 20) return 0;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double started_after_boot = std::stod(f[19]) / ticks;
  const double boot = static_cast<double>(::time(nullptr)) - uptime;
  return boot + started_after_boot;
}

double OpenFds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// Nvml reads GPU memory through NVIDIA's management library, opened at run
// time: the CPU build links no CUDA library, and a GPU node's driver brings
// libnvidia-ml. Without it (no GPU, no driver) there is no GPU series.
class Nvml {
 public:
  Nvml() {
    handle_ = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) return;
    init_ = reinterpret_cast<int (*)()>(::dlsym(handle_, "nvmlInit_v2"));
    count_ = reinterpret_cast<int (*)(unsigned*)>(::dlsym(handle_, "nvmlDeviceGetCount_v2"));
    device_ = reinterpret_cast<int (*)(unsigned, void**)>(::dlsym(handle_, "nvmlDeviceGetHandleByIndex_v2"));
    memory_ = reinterpret_cast<int (*)(void*, Memory*)>(::dlsym(handle_, "nvmlDeviceGetMemoryInfo"));
    ok_ = init_ != nullptr && count_ != nullptr && device_ != nullptr && memory_ != nullptr && init_() == 0;
  }
  bool ok() const { return ok_; }
  // UsedBytes returns the used memory of each device.
  std::vector<double> UsedBytes() const {
    std::vector<double> used;
    unsigned n = 0;
    if (!ok_ || count_(&n) != 0) return used;
    for (unsigned i = 0; i < n; ++i) {
      void* device = nullptr;
      Memory m{};
      if (device_(i, &device) == 0 && memory_(device, &m) == 0) used.push_back(static_cast<double>(m.used));
    }
    return used;
  }

 private:
  struct Memory {  // nvmlMemory_t
    unsigned long long total, free, used;
  };
  void* handle_ = nullptr;
  int (*init_)() = nullptr;
  int (*count_)(unsigned*) = nullptr;
  int (*device_)(unsigned, void**) = nullptr;
  int (*memory_)(void*, Memory*) = nullptr;
  bool ok_ = false;
};

double MaxFds() {
  rlimit limit{};
  return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur) : 0;
}

}  // namespace

void AddProcessMetrics(Registry& registry) {
  Gauge& rss = registry.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.").Add({});
  Counter& cpu =
      registry.AddCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").Add({});
  Gauge& fds = registry.AddGauge("process_open_fds", "Number of open file descriptors.").Add({});
  Gauge& max_fds = registry.AddGauge("process_max_fds", "Maximum number of open file descriptors.").Add({});
  // The start time never changes: read once, not at every scrape.
  registry.AddGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
      .Add({})
      .Set(StartTimeSeconds());
  static const Nvml* nvml = new Nvml();  // opened once, kept for the process
  Family<Gauge>* gpu = nullptr;
  if (nvml->ok()) gpu = &registry.AddGauge("evgen_gpu_memory_used_bytes", "GPU memory in use, per device (NVML).");
  registry.AddCollector([&rss, &cpu, &fds, &max_fds, gpu] {
    rss.Set(ResidentBytes());
    cpu.Increment(CpuSeconds() - cpu.value());  // the counter follows the kernel's
    fds.Set(OpenFds());
    max_fds.Set(MaxFds());
    if (gpu == nullptr) return;
    const std::vector<double> used = nvml->UsedBytes();
    for (size_t d = 0; d < used.size(); ++d) gpu->Add({{"device", std::to_string(d)}}).Set(used[d]);
  });
}

}  // namespace evgen::telemetry
