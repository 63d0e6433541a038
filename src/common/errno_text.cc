#include "common/errno_text.h"

#include <string.h>

namespace churnml {
namespace {

// strerror_r has two signatures: GNU's returns the message (maybe a static
// string, maybe `buffer`); XSI's returns 0 and fills `buffer`.
[[maybe_unused]] const char* MessageOf(const char* gnu_result, const char* /*buffer*/) {
  return gnu_result;
}
[[maybe_unused]] const char* MessageOf(int xsi_result, const char* buffer) {
  return xsi_result == 0 ? buffer : nullptr;
}

}  // namespace

std::string ErrnoText(int err) {
  char buffer[256] = {};
  const char* message = MessageOf(::strerror_r(err, buffer, sizeof(buffer)), buffer);
  if (message == nullptr || *message == '\0') return "Unknown error " + std::to_string(err);
  return message;
}

}  // namespace churnml
