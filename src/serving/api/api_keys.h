// API keys for `Authorization: Bearer <key>`, or `Authorization: Basic
// base64(user:key)` for browsers (which cannot send a Bearer header on a
// page navigation or an EventSource; the user name is not checked).
//
// Keys come from a file (one per line; blank lines and lines starting
// with # are skipped; surrounding blanks are trimmed) and/or a
// comma-separated string (CHURNML_API_KEYS, read by the CLI). Every key
// must be at least 32 characters of visible ASCII; a shorter or otherwise
// bad key fails the load with InvalidArgument naming "file:line" (or
// "CHURNML_API_KEYS item N") but never the key itself, so the server
// refuses to start. Only SHA-256 digests are kept in memory.
//
// Thread safety: immutable after Load; Authenticate is safe on any number
// of threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::serving {

inline constexpr size_t kMinApiKeyLength = 32;
// Longest base64 credentials of a Basic header accepted, in characters.
inline constexpr size_t kMaxBasicCredentialsChars = 1024;

// Strict RFC 4648 base64 (with '=' padding, no line breaks, at most
// kMaxBasicCredentialsChars characters) into `out`; false on anything else.
bool DecodeBase64(std::string_view text, std::string* out);

struct ApiKeySources {
  std::string file;                            // path of the key file; "" = none
  std::string keys;                            // comma-separated keys; "" = none
  std::string keys_name = "CHURNML_API_KEYS";  // how errors name `keys`
};

enum class AuthStatus {
  kOk,
  kMissing,    // no Authorization header (or an empty one)
  kMalformed,  // not "Bearer <token>" nor "Basic <base64 of user:token>"
  kInvalid,    // a well-formed token that matches no key
};

// "ok", "missing", "malformed", "invalid" (for logs and metrics labels).
std::string_view AuthStatusName(AuthStatus status);

struct AuthOutcome {
  AuthStatus status = AuthStatus::kMissing;
  // With kOk: which key matched, as its position in load order and as a
  // short non-secret id (first 8 hex digits of its SHA-256), for rate
  // limiting and logs. Otherwise 0 and "".
  size_t key_index = 0;
  std::string_view key_id;  // points into the ApiKeySet

  bool ok() const { return status == AuthStatus::kOk; }
};

class ApiKeySet {
 public:
  ApiKeySet() = default;  // no keys: every Authenticate fails with kInvalid or earlier

  // Loads every key of `sources`. Errors (InvalidArgument): a key shorter
  // than kMinApiKeyLength, a key with a blank or control character, the
  // same key twice, a source that is given but holds no key; IOError when
  // the file cannot be read. A key file readable by group or others is
  // accepted with a warning (logged, and kept in warnings()). With neither
  // source given the set is empty; whether that means "no authentication"
  // is the server's decision.
  static Result<ApiKeySet> Load(const ApiKeySources& sources);

  // Parses `authorization_header` (the header's value; "" when absent) as
  // "Bearer <token>", or "Basic <base64 of user:token>" (schemes
  // case-insensitive; any user name), and compares the token's digest with
  // every stored digest in constant time, without stopping at a match.
  AuthOutcome Authenticate(std::string_view authorization_header) const;

  size_t size() const { return digests_.size(); }
  bool empty() const { return digests_.empty(); }
  // Short ids of the keys, in load order.
  const std::vector<std::string>& key_ids() const { return key_ids_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  using Digest = std::array<uint8_t, 32>;
  Status Add(std::string_view key, const std::string& where);

  std::vector<Digest> digests_;
  std::vector<std::string> key_ids_;
  std::vector<std::string> sources_;  // "file:line" of each key, for duplicate messages
  std::vector<std::string> warnings_;
};

}  // namespace churnml::serving
