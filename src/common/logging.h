// Logging setup for the executable's edge. Libraries return errors instead of
// logging them; the CLI and servers log once, with the ids that matter.
#pragma once

#include <string_view>

#include "common/status.h"

namespace churnml {

// Sends spdlog's default logger to stderr at `level` ("debug", "info",
// "warn", "error", "off"). InvalidArgument lists the valid levels.
Status InitLogging(std::string_view level);

}  // namespace churnml
