// Process metrics read from /proc at scrape time, the build-info gauge and
// the exporter's own scrape duration (names per docs/monitoring.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "monitoring/metrics_registry.h"

namespace churnml::monitoring {

// Adds a collector reporting, on every scrape:
//   churnml_process_cpu_seconds_total, churnml_process_resident_memory_bytes,
//   churnml_process_virtual_memory_bytes, churnml_process_open_fds,
//   churnml_process_max_fds, churnml_process_threads,
//   churnml_process_start_time_seconds, churnml_process_read_bytes_total,
//   churnml_process_written_bytes_total (/proc/self/io; left out when the
//   file cannot be read, as under some sandboxes), and
//   churnml_metrics_scrape_duration_seconds (the previous RenderText).
// A /proc file that cannot be read or parsed leaves its metrics out of that
// scrape. Call once per registry.
void RegisterProcessMetrics(MetricsRegistry& registry);

// churnml_build_info{version, commit} = 1, reported by a collector (so it
// reads 1 with instrumentation off too). Call once per registry.
void RegisterBuildInfo(MetricsRegistry& registry, std::string_view version,
                       std::string_view commit);
// The same with this binary's kVersion and kGitCommit (common/build_info.h).
void RegisterBuildInfo(MetricsRegistry& registry);

// Parsers for the /proc files, exposed for tests. Each returns
// InvalidArgument naming the file when the text does not have the fields.
struct ProcStat {
  uint64_t utime_ticks = 0;      // field 14
  uint64_t stime_ticks = 0;      // field 15
  uint64_t num_threads = 0;      // field 20
  uint64_t starttime_ticks = 0;  // field 22, clock ticks after boot
};
Result<ProcStat> ParseProcStat(std::string_view text);  // /proc/self/stat

struct ProcStatm {
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
};
Result<ProcStatm> ParseProcStatm(std::string_view text);  // /proc/self/statm

struct ProcIo {
  uint64_t rchar = 0;
  uint64_t wchar = 0;
};
Result<ProcIo> ParseProcIo(std::string_view text);  // /proc/self/io

// The "btime" line of /proc/stat: boot time in unix seconds.
Result<uint64_t> ParseBootTime(std::string_view text);

}  // namespace churnml::monitoring
