// Typed reading of a model kind's hyperparameters from a JSON object, and the
// hyperparameters.json file each model writes beside its own model file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "models/model_files.h"

namespace churnml {

// Reads optional keys of one JSON object. Errors name the model kind and the
// key: `logistic hyperparameter "C": expected a number`.
class HyperparameterReader {
 public:
  // InvalidArgument when `j` is neither an object nor null, or holds a key
  // outside `known_keys` (the message lists the valid keys).
  static Result<HyperparameterReader> Create(const nlohmann::json& j, std::string kind,
                                             std::vector<std::string> known_keys);

  // Each leaves `*out` unchanged when the key is absent.
  Status ReadDouble(std::string_view key, double* out) const;
  Status ReadInt(std::string_view key, int64_t* out) const;
  Status ReadString(std::string_view key, std::string* out) const;

  // InvalidArgument `<kind> hyperparameter "<key>": <what>`.
  Status Error(std::string_view key, std::string_view what) const;

 private:
  HyperparameterReader(const nlohmann::json* j, std::string kind) : j_(j), kind_(std::move(kind)) {}
  const nlohmann::json* Find(std::string_view key) const;

  const nlohmann::json* j_;  // not owned; null when no hyperparameters were given
  std::string kind_;
};

// Writes {"kind": kind, "hyperparameters": h} to dir/hyperparameters.json.
Status WriteHyperparametersFile(const std::filesystem::path& dir, std::string_view kind,
                                const nlohmann::json& hyperparameters);
// Reads it back through `files` (bounded, verified bytes); checks the kind
// and that no other key is present. Errors name the file.
Result<nlohmann::json> ReadHyperparametersFile(const ModelFiles& files, std::string_view kind);

}  // namespace churnml
