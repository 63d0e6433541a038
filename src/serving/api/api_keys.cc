#include "serving/api/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "common/strings.h"

namespace churnml::serving {

namespace {

bool Sha256(std::string_view text, std::array<uint8_t, 32>* digest) {
  unsigned int size = 0;
  return EVP_Digest(text.data(), text.size(), digest->data(), &size, EVP_sha256(), nullptr) == 1 &&
         size == digest->size();
}

std::string HexPrefix(const std::array<uint8_t, 32>& digest, size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes; ++i) {
    s.push_back(kHex[digest[i] >> 4]);
    s.push_back(kHex[digest[i] & 15]);
  }
  return s;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsTokenChar(char c) { return c > ' ' && c < 0x7f; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() > kMaxBasicCredentialsChars || text.size() % 4 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t padding = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (padding == 1 && text[i + 2] == '=') return false;  // "x=y=" is not padding
    uint32_t bits = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int v = k >= 4 - padding ? 0 : value(text[i + k]);
      if (v < 0) return false;
      bits = bits << 6 | static_cast<uint32_t>(v);
    }
    out->push_back(static_cast<char>(bits >> 16));
    if (padding < 2) out->push_back(static_cast<char>(bits >> 8 & 0xff));
    if (padding < 1) out->push_back(static_cast<char>(bits & 0xff));
  }
  return true;
}

std::string_view AuthStatusName(AuthStatus status) {
  switch (status) {
    case AuthStatus::kOk:
      return "ok";
    case AuthStatus::kMissing:
      return "missing";
    case AuthStatus::kMalformed:
      return "malformed";
    case AuthStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

Status ApiKeySet::Add(std::string_view key, const std::string& where) {
  if (key.size() < kMinApiKeyLength) {
    return InvalidArgumentError(where + ": API key is " + std::to_string(key.size()) +
                                " characters, at least " + std::to_string(kMinApiKeyLength) +
                                " are required");
  }
  for (char c : key) {
    if (!IsTokenChar(c)) {
      return InvalidArgumentError(where +
                                  ": API key contains a blank or control character (keys are "
                                  "visible ASCII without spaces)");
    }
  }
  Digest digest{};
  if (!Sha256(key, &digest)) return InternalError(where + ": SHA-256 failed");
  for (size_t i = 0; i < digests_.size(); ++i) {
    if (digests_[i] == digest) {
      return InvalidArgumentError(where + ": duplicate API key (same as " + sources_[i] + ")");
    }
  }
  digests_.push_back(digest);
  key_ids_.push_back(HexPrefix(digest, 4));
  sources_.push_back(where);
  return Status::Ok();
}

Result<ApiKeySet> ApiKeySet::Load(const ApiKeySources& sources) {
  ApiKeySet set;
  if (!sources.file.empty()) {
    std::ifstream in(sources.file, std::ios::binary);
    if (!in) return IOError("cannot read API key file " + sources.file);
    struct stat st {};
    if (::stat(sources.file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
      set.warnings_.push_back("API key file " + sources.file +
                              " is readable by group or others (mode " + mode +
                              "); restrict it with chmod 600");
      spdlog::warn("{}", set.warnings_.back());
    }
    std::string line;
    int64_t line_no = 0;
    const size_t before = set.size();
    while (std::getline(in, line)) {
      ++line_no;
      const std::string_view key = TrimBlanks(line);
      if (key.empty() || key.front() == '#') continue;
      CHURNML_RETURN_IF_ERROR(set.Add(key, sources.file + ":" + std::to_string(line_no)));
    }
    if (in.bad()) return IOError("error reading API key file " + sources.file);
    if (set.size() == before) {
      return InvalidArgumentError("API key file " + sources.file + " holds no key");
    }
  }
  if (!sources.keys.empty()) {
    const size_t before = set.size();
    size_t item = 0;
    for (std::string_view part : Split(sources.keys, ',')) {
      ++item;
      const std::string_view key = TrimBlanks(part);
      if (key.empty()) continue;
      CHURNML_RETURN_IF_ERROR(set.Add(key, sources.keys_name + " item " + std::to_string(item)));
    }
    if (set.size() == before) return InvalidArgumentError(sources.keys_name + " holds no key");
  }
  return set;
}

AuthOutcome ApiKeySet::Authenticate(std::string_view authorization_header) const {
  AuthOutcome outcome;
  const std::string_view header = TrimBlanks(authorization_header);
  if (header.empty()) return outcome;  // kMissing
  outcome.status = AuthStatus::kMalformed;
  const size_t space = header.find_first_of(" \t");
  if (space == std::string_view::npos) return outcome;
  const std::string_view scheme = header.substr(0, space);
  const std::string_view credentials = TrimBlanks(header.substr(space + 1));
  std::string basic;  // the decoded "user:password" of a Basic header
  std::string_view token;
  if (EqualsIgnoreCase(scheme, "Bearer")) {
    token = credentials;
  } else if (EqualsIgnoreCase(scheme, "Basic")) {
    if (!DecodeBase64(credentials, &basic)) return outcome;
    const size_t colon = basic.find(':');
    if (colon == std::string::npos) return outcome;
    token = std::string_view(basic).substr(colon + 1);  // the user name is not checked
  } else {
    return outcome;
  }
  if (token.empty()) return outcome;
  for (char c : token) {
    if (!IsTokenChar(c)) return outcome;
  }
  outcome.status = AuthStatus::kInvalid;
  Digest digest{};
  if (!Sha256(token, &digest)) return outcome;
  // Every digest is compared, match or not, so the time taken does not
  // depend on which key (if any) matched.
  size_t matched = 0;
  size_t index = 0;
  for (size_t i = 0; i < digests_.size(); ++i) {
    const size_t equal =
        static_cast<size_t>(CRYPTO_memcmp(digests_[i].data(), digest.data(), digest.size()) == 0);
    const size_t mask = size_t{0} - equal;  // all ones when equal
    index = (index & ~mask) | (i & mask);
    matched |= equal;
  }
  if (matched == 0) return outcome;
  outcome.status = AuthStatus::kOk;
  outcome.key_index = index;
  outcome.key_id = key_ids_[index];
  return outcome;
}

}  // namespace churnml::serving
