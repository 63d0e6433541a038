// Language detection by file name, extension and shebang, so each rule runs
// only where it means something.
#pragma once

#include <cstdint>
#include <string_view>

namespace churnml::audit {

enum class Language : uint8_t {
  kOther = 0,  // any text file: secrets rules still apply
  kPython,
  kCpp,  // C and C++
  kShell,
  kJavaScript,  // and TypeScript
  kYaml,
  kDockerfile,
  kEnv,     // .env files
  kConfig,  // ini, toml, cfg, conf, properties, json
  kRequirements,
  kHtml,  // HTML and Jinja templates
  kCMake,
};
inline constexpr int kLanguageCount = 12;

using LanguageSet = uint32_t;
constexpr LanguageSet LanguageBit(Language l) { return 1u << static_cast<uint32_t>(l); }
inline constexpr LanguageSet kAllLanguages = 0xffffffffu;

// "python", "cpp", ...
std::string_view LanguageName(Language l);

// Detects from the file name (basename), then the extension, then the
// shebang in `head` (the first bytes of the file). Never fails: kOther.
Language DetectLanguage(std::string_view relative_path, std::string_view head);

}  // namespace churnml::audit
