#include "audit/language.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace churnml::audit {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct ExtensionEntry {
  std::string_view ext;
  Language language;
};

constexpr std::array<ExtensionEntry, 36> kExtensions{{
    {".py", Language::kPython},      {".pyw", Language::kPython},
    {".pyi", Language::kPython},     {".c", Language::kCpp},
    {".cc", Language::kCpp},         {".cpp", Language::kCpp},
    {".cxx", Language::kCpp},        {".h", Language::kCpp},
    {".hh", Language::kCpp},         {".hpp", Language::kCpp},
    {".hxx", Language::kCpp},        {".sh", Language::kShell},
    {".bash", Language::kShell},     {".zsh", Language::kShell},
    {".js", Language::kJavaScript},  {".mjs", Language::kJavaScript},
    {".cjs", Language::kJavaScript}, {".jsx", Language::kJavaScript},
    {".ts", Language::kJavaScript},  {".tsx", Language::kJavaScript},
    {".yaml", Language::kYaml},      {".yml", Language::kYaml},
    {".env", Language::kEnv},        {".ini", Language::kConfig},
    {".toml", Language::kConfig},    {".cfg", Language::kConfig},
    {".conf", Language::kConfig},    {".properties", Language::kConfig},
    {".json", Language::kConfig},    {".html", Language::kHtml},
    {".htm", Language::kHtml},       {".jinja", Language::kHtml},
    {".jinja2", Language::kHtml},    {".j2", Language::kHtml},
    {".cmake", Language::kCMake},    {".dockerfile", Language::kDockerfile},
}};

}  // namespace

std::string_view LanguageName(Language l) {
  switch (l) {
    case Language::kOther:
      return "text";
    case Language::kPython:
      return "python";
    case Language::kCpp:
      return "cpp";
    case Language::kShell:
      return "shell";
    case Language::kJavaScript:
      return "javascript";
    case Language::kYaml:
      return "yaml";
    case Language::kDockerfile:
      return "dockerfile";
    case Language::kEnv:
      return "env";
    case Language::kConfig:
      return "config";
    case Language::kRequirements:
      return "requirements";
    case Language::kHtml:
      return "html";
    case Language::kCMake:
      return "cmake";
  }
  return "text";
}

Language DetectLanguage(std::string_view relative_path, std::string_view head) {
  size_t slash = relative_path.rfind('/');
  std::string base =
      Lower(slash == std::string_view::npos ? relative_path : relative_path.substr(slash + 1));
  if (base == "dockerfile" || StartsWith(base, "dockerfile.") || StartsWith(base, "containerfile"))
    return Language::kDockerfile;
  if (base == ".env" || StartsWith(base, ".env.")) return Language::kEnv;
  if (base == "cmakelists.txt") return Language::kCMake;
  if (StartsWith(base, "requirements") && base.size() > 4 &&
      base.compare(base.size() - 4, 4, ".txt") == 0)
    return Language::kRequirements;
  size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) {
    std::string_view ext = std::string_view(base).substr(dot);
    for (const auto& e : kExtensions) {
      if (e.ext == ext) return e.language;
    }
  }
  if (StartsWith(head, "#!")) {
    std::string_view first = head.substr(0, head.find('\n'));
    if (first.find("python") != std::string_view::npos) return Language::kPython;
    if (first.find("node") != std::string_view::npos) return Language::kJavaScript;
    if (first.find("sh") != std::string_view::npos) return Language::kShell;
  }
  return Language::kOther;
}

}  // namespace churnml::audit
