#include "cli/command.h"

#include <cstdio>

namespace churnml::cli {

int ReportError(const Status& status) {
  std::fprintf(stderr, "churnml: error: %s\n", status.message().c_str());
  return kExitError;
}

void Say(const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); }

}  // namespace churnml::cli
