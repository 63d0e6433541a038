#include "monitoring/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/build_info.h"
#include "common/strings.h"

namespace churnml::monitoring {
namespace {

std::optional<std::string> ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

// Whitespace-separated fields.
std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

std::optional<uint64_t> ParseCount(std::string_view s) {
  std::optional<int64_t> v = ParseInt(s);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

size_t CountOpenFds() {
  std::error_code ec;
  size_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return count;
}

void CollectProcess(const MetricsRegistry& registry, CollectorSink& sink) {
  static const double kTicksPerSecond = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double kPageSize = static_cast<double>(sysconf(_SC_PAGESIZE));

  if (std::optional<std::string> text = ReadSmallFile("/proc/self/stat")) {
    if (Result<ProcStat> stat = ParseProcStat(*text); stat.ok()) {
      sink.AddCounter("churnml_process_cpu_seconds_total",
                      "User and system CPU time spent, in seconds.", {},
                      static_cast<double>(stat->utime_ticks + stat->stime_ticks) / kTicksPerSecond);
      sink.AddGauge("churnml_process_threads", "Threads in the process.", {},
                    static_cast<double>(stat->num_threads));
      std::optional<std::string> proc_stat = ReadSmallFile("/proc/stat");
      Result<uint64_t> boot =
          proc_stat ? ParseBootTime(*proc_stat) : Result<uint64_t>(IOError("/proc/stat"));
      if (boot.ok()) {
        sink.AddGauge("churnml_process_start_time_seconds",
                      "Start time of the process since the unix epoch, in seconds.", {},
                      static_cast<double>(*boot) +
                          static_cast<double>(stat->starttime_ticks) / kTicksPerSecond);
      }
    }
  }
  if (std::optional<std::string> text = ReadSmallFile("/proc/self/statm")) {
    if (Result<ProcStatm> statm = ParseProcStatm(*text); statm.ok()) {
      sink.AddGauge("churnml_process_resident_memory_bytes", "Resident memory size, in bytes.", {},
                    static_cast<double>(statm->resident_pages) * kPageSize);
      sink.AddGauge("churnml_process_virtual_memory_bytes", "Virtual memory size, in bytes.", {},
                    static_cast<double>(statm->size_pages) * kPageSize);
    }
  }
  sink.AddGauge("churnml_process_open_fds", "Open file descriptors.", {},
                static_cast<double>(CountOpenFds()));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    sink.AddGauge("churnml_process_max_fds", "Soft limit on open file descriptors.", {},
                  static_cast<double>(limit.rlim_cur));
  }
  if (std::optional<std::string> text = ReadSmallFile("/proc/self/io")) {
    if (Result<ProcIo> io = ParseProcIo(*text); io.ok()) {
      sink.AddCounter("churnml_process_read_bytes_total",
                      "Bytes read by the process (rchar), including from the page cache.", {},
                      static_cast<double>(io->rchar));
      sink.AddCounter("churnml_process_written_bytes_total",
                      "Bytes written by the process (wchar), including to the page cache.", {},
                      static_cast<double>(io->wchar));
    }
  }
  sink.AddGauge("churnml_metrics_scrape_duration_seconds",
                "How long rendering the previous /metrics scrape took, in seconds.", {},
                registry.scrape_duration_seconds());
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  // The command name (field 2) is in parentheses and may hold spaces and
  // parentheses itself: the fields after it start after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) {
    return InvalidArgumentError("/proc/self/stat: no \")\" after the command name");
  }
  std::vector<std::string_view> f = Fields(text.substr(close + 1));
  // f[0] is field 3 (state), so field n is f[n - 3].
  if (f.size() < 20) {
    return InvalidArgumentError("/proc/self/stat: " + std::to_string(f.size() + 2) +
                                " fields, expected at least 22");
  }
  std::optional<uint64_t> utime = ParseCount(f[14 - 3]);
  std::optional<uint64_t> stime = ParseCount(f[15 - 3]);
  std::optional<uint64_t> threads = ParseCount(f[20 - 3]);
  std::optional<uint64_t> start = ParseCount(f[22 - 3]);
  if (!utime || !stime || !threads || !start) {
    return InvalidArgumentError(
        "/proc/self/stat: utime, stime, num_threads or starttime is not a count");
  }
  return ProcStat{*utime, *stime, *threads, *start};
}

Result<ProcStatm> ParseProcStatm(std::string_view text) {
  std::vector<std::string_view> f = Fields(text);
  std::optional<uint64_t> size = f.size() >= 2 ? ParseCount(f[0]) : std::nullopt;
  std::optional<uint64_t> resident = f.size() >= 2 ? ParseCount(f[1]) : std::nullopt;
  if (!size || !resident) {
    return InvalidArgumentError("/proc/self/statm: expected size and resident page counts");
  }
  return ProcStatm{*size, *resident};
}

Result<ProcIo> ParseProcIo(std::string_view text) {
  std::optional<uint64_t> rchar;
  std::optional<uint64_t> wchar;
  for (std::string_view line : Split(text, '\n')) {
    if (line.starts_with("rchar:")) rchar = ParseCount(line.substr(6));
    if (line.starts_with("wchar:")) wchar = ParseCount(line.substr(6));
  }
  if (!rchar || !wchar) return InvalidArgumentError("/proc/self/io: no rchar or wchar line");
  return ProcIo{*rchar, *wchar};
}

Result<uint64_t> ParseBootTime(std::string_view text) {
  for (std::string_view line : Split(text, '\n')) {
    if (line.starts_with("btime ")) {
      if (std::optional<uint64_t> v = ParseCount(line.substr(6))) return *v;
    }
  }
  return InvalidArgumentError("/proc/stat: no \"btime\" line");
}

void RegisterProcessMetrics(MetricsRegistry& registry) {
  registry.AddCollector([&registry](CollectorSink& sink) { CollectProcess(registry, sink); });
}

void RegisterBuildInfo(MetricsRegistry& registry, std::string_view version,
                       std::string_view commit) {
  // A collector rather than a gauge, so it reads 1 under Instrumentation::kOff too.
  registry.AddCollector(
      [version = std::string(version), commit = std::string(commit)](CollectorSink& sink) {
        sink.AddGauge("churnml_build_info",
                      "Always 1; the labels say which build of churnml is running.",
                      {{"version", version}, {"commit", commit}}, 1);
      });
}

void RegisterBuildInfo(MetricsRegistry& registry) {
  RegisterBuildInfo(registry, kVersion, kGitCommit);
}

}  // namespace churnml::monitoring
