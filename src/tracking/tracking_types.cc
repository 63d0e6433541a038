#include "tracking/tracking_types.h"

#include <cctype>

#include "common/strings.h"

namespace churnml::tracking {

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "FAILED";
}

Result<RunStatus> ParseRunStatus(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (RunStatus s :
       {RunStatus::kRunning, RunStatus::kFinished, RunStatus::kFailed, RunStatus::kKilled}) {
    if (upper == RunStatusName(s)) return s;
  }
  return InvalidArgumentError("unknown run status \"" + Abbreviate(name) +
                              "\": use RUNNING, FINISHED, FAILED or KILLED");
}

}  // namespace churnml::tracking
