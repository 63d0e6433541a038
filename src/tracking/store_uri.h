// Store URIs in anything churnml prints, logs or returns: the one place
// that knows where a postgresql:// URI keeps its secrets.
//
//   postgresql://alice:S3cret@db:5432/churn?password=x&sslpassword=y&artifact_root=/a  // churnml:ignore CML-S016 -- an example of what is masked
//   → postgresql://alice:***@db:5432/churn?password=***&sslpassword=***&artifact_root=/a
//
// Every message, log line and JSON document that names a store goes through
// RedactStoreUri (TrackingStore::Describe() and the connection errors do).
#pragma once

#include <string>
#include <string_view>

namespace churnml::tracking {

// `uri` with the userinfo password and the value of every query parameter
// whose (percent-decoded, case-insensitive) name contains "password"
// replaced by "***". Anything without "://" (a store folder) is returned as
// it is.
std::string RedactStoreUri(std::string_view uri);

// `text` (e.g. a libpq error) with every occurrence of a secret of `uri`
// (as written and percent-decoded) replaced by "***", and every occurrence
// of `uri` itself by its redacted form.
std::string RedactSecretsIn(std::string_view text, std::string_view uri);

}  // namespace churnml::tracking
