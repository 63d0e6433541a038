// The message of an errno value, for error Status text.
#pragma once

#include <string>

namespace churnml {

// "No such file or directory" for ENOENT; "Unknown error N" for a value the C
// library does not know. Thread-safe, unlike std::strerror, which may return
// a buffer shared between threads (clang-tidy concurrency-mt-unsafe).
std::string ErrnoText(int err);

}  // namespace churnml
