#include "tracking/model_reference.h"

#include <charconv>
#include <filesystem>
#include <system_error>

#include "tracking/names.h"

namespace churnml::tracking {

ModelReference ParseModelReference(std::string_view ref) {
  ModelReference r;
  if (ref.empty()) return r;
  std::error_code ec;
  if (std::filesystem::is_directory(std::filesystem::path(ref), ec)) {
    r.kind = ModelReference::Kind::kDirectory;
    return r;
  }
  if (const size_t at = ref.rfind('@'); at != std::string_view::npos) {
    r.kind = ModelReference::Kind::kAlias;
    r.model = std::string(ref.substr(0, at));
    r.alias = std::string(ref.substr(at + 1));
    return r;
  }
  const size_t slash = ref.rfind('/');
  if (slash == std::string_view::npos) return r;
  const std::string_view model = ref.substr(0, slash);
  const std::string_view digits = ref.substr(slash + 1);
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos ||
      !ValidateName("model name", model).ok()) {
    return r;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), r.version);
  r.kind = ModelReference::Kind::kVersion;
  r.model = std::string(model);
  return r;
}

}  // namespace churnml::tracking
