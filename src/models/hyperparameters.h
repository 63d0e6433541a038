// A model kind's declared hyperparameters (name, type, default, valid range,
// search range and scale, help): the one place the CLI's flags, their help
// and validation and `churnml tune`'s search space come from. Also typed
// reading of hyperparameters from a JSON object, and the
// hyperparameters.json file each model writes beside its own model file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "models/model_files.h"

namespace churnml {

enum class HyperparameterType { kInt, kDouble, kString };

// How `tune` samples a number between search_min and search_max.
enum class SearchScale {
  kNone,    // not searched: tune keeps the default
  kLinear,  // uniform
  kLog,     // uniform in log space (learning rates, regularization strengths)
};

// One declared hyperparameter. Adding a hyperparameter to a kind is one
// more entry in its declaration list (and reading it in the kind's
// FromJson); the CLI flag, its help and range check, and the tune search
// space follow from the entry.
struct HyperparameterSpec {  // NOLINT(bugprone-exception-escape): json moves do not throw
  std::string name;          // JSON key, e.g. "learning_rate"
  HyperparameterType type = HyperparameterType::kDouble;
  nlohmann::json default_value;  // the kind's default (number or string)
  // Valid range for numbers, inclusive unless min_exclusive.
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  // Valid values for strings (the first is not implied to be the default).
  std::vector<std::string> choices;
  SearchScale search = SearchScale::kNone;
  double search_min = 0;  // range tune samples from, inside [min, max]
  double search_max = 0;
  // Strings tune samples from (a subset of choices); empty: not searched.
  std::vector<std::string> search_choices;
  std::string help;  // one line for --help
  // The CLI flag; empty: "--" + name with '_' as '-'. "-" : no flag (set by
  // the pipeline, e.g. the seed from --seed).
  std::string flag;
  // When the value is not the default (a nonzero number), the fit needs
  // validation rows carved from the training split (early stopping).
  bool needs_validation = false;
};

using HyperparameterSpace = std::vector<HyperparameterSpec>;

// A declaration with its name, type and default; set the rest by field.
HyperparameterSpec DeclareHyperparameter(std::string name, HyperparameterType type,
                                         nlohmann::json default_value);

// The CLI flag of `spec` ("--learning-rate"), or "" when it has none.
std::string HyperparameterFlag(const HyperparameterSpec& spec);

// Converts a flag's text to the spec's JSON value and checks it against the
// declaration. InvalidArgument naming `origin` (e.g. "--max-depth"): `--max-depth
// must be an integer in [1, 64], got "x"`.
Result<nlohmann::json> ParseHyperparameterValue(const HyperparameterSpec& spec,
                                                std::string_view text, std::string_view origin);

// Checks a JSON value against the declaration (type and range). Same errors.
Status CheckHyperparameterValue(const HyperparameterSpec& spec, const nlohmann::json& value,
                                std::string_view origin);

// "integer in [1, 64]", "number in (0, 1]", "one of l1, l2": the valid values.
std::string DescribeRange(const HyperparameterSpec& spec);

// The declaration of `name` in `space`, or null.
const HyperparameterSpec* FindHyperparameter(const HyperparameterSpace& space,
                                             std::string_view name);

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
