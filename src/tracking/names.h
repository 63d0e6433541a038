// Rules for the names users give: experiments, models, aliases, and the keys
// of params, metrics and tags. One place, so the CLI, the store and the
// filter language agree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::tracking {

// Experiment and model names: 1–128 of [A-Za-z0-9_.-], starting with a letter
// or digit. InvalidArgument names `what` ("model name") and the rule.
Status ValidateName(std::string_view what, std::string_view name);

// Aliases: a name (as above) that is not all digits (it would read as a
// version) and not "latest" (reserved for the newest version).
Status ValidateAlias(std::string_view alias);

// Param, metric and tag keys: 1–250 of [A-Za-z0-9_.-/:].
Status ValidateKey(std::string_view what, std::string_view key);
bool IsKeyChar(char c);

// Run ids: 32 lowercase hex digits.
Status ValidateRunId(std::string_view run_id);
// A new random run id.
std::string NewRunId();

// A run id or a unique prefix of one, as git takes commit ids: 4–32
// lowercase hex digits. InvalidArgument otherwise.
inline constexpr size_t kMinRunIdPrefix = 4;
Status ValidateRunIdPrefix(std::string_view prefix);

}  // namespace churnml::tracking
