// Filters that keep secret rules quiet on things that are not secrets, and
// the redaction applied before any secret reaches a report.
#pragma once

#include <string>
#include <string_view>

namespace churnml::audit {

// Shannon entropy of the bytes of `s`, in bits per character (0 for "").
double ShannonEntropy(std::string_view s);

// True when `value` reads like documentation or a reference rather than a
// secret: stop words (example, changeme, dummy...), template or environment
// references (${X}, {{ x }}, os.environ, <value>), or a single repeated
// character.
bool LooksLikeNonSecret(std::string_view value);

// "AKIA****" style: at most the first four characters survive (none for
// values shorter than 12), followed by "****". Length is not revealed.
std::string RedactSecret(std::string_view value);

}  // namespace churnml::audit
