#include "tracking/names.h"

#include <algorithm>
#include <cctype>
#include <random>

namespace churnml::tracking {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Status ValidateName(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 128 &&
            std::isalnum(static_cast<unsigned char>(name.front())) != 0;
  for (char c : name) ok = ok && IsNameChar(c);
  if (!ok) {
    return InvalidArgumentError(std::string(what) + " " + Quoted(name) +
                                " is invalid: use 1-128 letters, digits, '_', '.' or '-', "
                                "starting with a letter or digit");
  }
  return Status::Ok();
}

Status ValidateAlias(std::string_view alias) {
  CHURNML_RETURN_IF_ERROR(ValidateName("alias", alias));
  bool all_digits = true;
  for (char c : alias) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    return InvalidArgumentError("alias " + Quoted(alias) +
                                " is invalid: an alias cannot be a number (it reads as a version)");
  }
  if (alias == "latest") {
    return InvalidArgumentError("alias \"latest\" is reserved: NAME@latest is the newest version");
  }
  return Status::Ok();
}

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
         c == '/' || c == ':';
}

Status ValidateKey(std::string_view what, std::string_view key) {
  bool ok = !key.empty() && key.size() <= 250;
  for (char c : key) ok = ok && IsKeyChar(c);
  if (!ok) {
    return InvalidArgumentError(
        std::string(what) + " " + Quoted(key) +
        " is invalid: use 1-250 letters, digits, '_', '.', '-', '/' or ':'");
  }
  return Status::Ok();
}

Status ValidateRunId(std::string_view run_id) {
  bool ok = run_id.size() == 32;
  for (char c : run_id)
    ok = ok && (std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return InvalidArgumentError("run id " + Quoted(run_id) + " is invalid: expected 32 hex digits");
  }
  return Status::Ok();
}

std::string NewRunId() {
  // A fresh random_device per id: a seeded engine would repeat ids in forked children.
  std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t bits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 16 == 0) bits = (static_cast<uint64_t>(device()) << 32) | device();
    id[i] = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

Status ValidateRunIdPrefix(std::string_view prefix) {
  bool ok = prefix.size() >= kMinRunIdPrefix && prefix.size() <= 32;
  for (char c : prefix) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return InvalidArgumentError(
        "run id " + Quoted(prefix) + " is invalid: give the 32 hex digits " +
        "or a unique prefix of at least " + std::to_string(kMinRunIdPrefix));
  }
  return Status::Ok();
}

}  // namespace churnml::tracking
