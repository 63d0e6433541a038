#include "models/hyperparameters.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "models/model.h"

namespace churnml {

Result<HyperparameterReader> HyperparameterReader::Create(const nlohmann::json& j, std::string kind,
                                                          std::vector<std::string> known_keys) {
  if (j.is_null()) return HyperparameterReader(nullptr, std::move(kind));
  if (!j.is_object()) {
    return InvalidArgumentError(kind + " hyperparameters: expected a JSON object");
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      std::string valid;
      for (const std::string& k : known_keys) valid += (valid.empty() ? "" : ", ") + k;
      return InvalidArgumentError(kind + " hyperparameter \"" + key +
                                  "\" is unknown (valid: " + valid + ")");
    }
  }
  return HyperparameterReader(&j, std::move(kind));
}

const nlohmann::json* HyperparameterReader::Find(std::string_view key) const {
  if (j_ == nullptr) return nullptr;
  auto it = j_->find(key);
  return it == j_->end() ? nullptr : &*it;
}

Status HyperparameterReader::Error(std::string_view key, std::string_view what) const {
  return InvalidArgumentError(kind_ + " hyperparameter \"" + std::string(key) +
                              "\": " + std::string(what));
}

Status HyperparameterReader::ReadDouble(std::string_view key, double* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return Error(key, "expected a number, got " + v->dump());
  *out = v->get<double>();
  return Status::Ok();
}

Status HyperparameterReader::ReadInt(std::string_view key, int64_t* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (v->is_number_integer()) {
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9e15) {
      *out = static_cast<int64_t>(d);
      return Status::Ok();
    }
  }
  return Error(key, "expected an integer, got " + v->dump());
}

Status HyperparameterReader::ReadString(std::string_view key, std::string* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return Error(key, "expected a string, got " + v->dump());
  *out = v->get<std::string>();
  return Status::Ok();
}

Status WriteHyperparametersFile(const std::filesystem::path& dir, std::string_view kind,
                                const nlohmann::json& hyperparameters) {
  const nlohmann::json j = {{"kind", kind}, {"hyperparameters", hyperparameters}};
  return WriteFileAtomically(dir / kHyperparametersFile, DumpJson(j, 2) + "\n");
}

Result<nlohmann::json> ReadHyperparametersFile(const ModelFiles& files, std::string_view kind) {
  const std::string where = files.PathOf(kHyperparametersFile).string();
  CHURNML_ASSIGN_OR_RETURN(std::string text, files.Read(kHyperparametersFile));
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json j, ParseBoundedJson(text, where));
  if (!j.is_object()) return InvalidArgumentError(where + ": not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "kind" && key != "hyperparameters") {
      return InvalidArgumentError(where + ": unknown field \"" + key + "\"");
    }
  }
  auto k = j.find("kind");
  if (k == j.end() || !k->is_string() || k->get<std::string>() != kind) {
    return InvalidArgumentError(where + ": field \"kind\" must be \"" + std::string(kind) + "\"");
  }
  auto h = j.find("hyperparameters");
  if (h == j.end() || !h->is_object()) {
    return InvalidArgumentError(where + ": field \"hyperparameters\" must be an object");
  }
  return *h;
}

}  // namespace churnml
