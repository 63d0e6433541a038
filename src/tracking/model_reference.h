// The grammar of a model reference (`--model`, `serve --model`, job
// arguments), parsed in this one place:
//
//   an existing directory   the artifact itself
//   NAME@ALIAS              split at the last '@' (champion, challenger, latest, ...)
//   NAME/VERSION            split at the last '/'; VERSION is 1–18 ASCII digits and
//                           NAME a valid model name (names.h), so "models/7" that is
//                           not a directory is version 7 of "models"
//
// Anything else is kUnknown: a path that does not exist, or a malformed
// reference. Names and aliases are validated when the reference is
// resolved (TrackingStore::ResolveModel), which can say what is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace churnml::tracking {

struct ModelReference {
  enum class Kind { kDirectory, kAlias, kVersion, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string model;    // kAlias, kVersion
  std::string alias;    // kAlias (may be empty: "NAME@" is still an alias form)
  int64_t version = 0;  // kVersion

  // Whether the store resolves it (NAME@ALIAS or NAME/VERSION).
  bool names_registry() const { return kind == Kind::kAlias || kind == Kind::kVersion; }
};

// Classifies `ref`; checks the filesystem for the directory form only.
ModelReference ParseModelReference(std::string_view ref);

}  // namespace churnml::tracking
