#include "cli/command.h"

#include <cstdio>

namespace churnml::cli {

int ReportError(const Status& status) {
  // One line whatever the message holds (an exception's text, a library's).
  std::string line = status.message();
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "churnml: error: %s\n", line.c_str());
  return kExitError;
}

void Say(const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); }

}  // namespace churnml::cli
