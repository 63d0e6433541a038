#include "models/hyperparameters.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "models/model.h"

namespace churnml {

HyperparameterSpec DeclareHyperparameter(std::string name, HyperparameterType type,
                                         nlohmann::json default_value) {
  HyperparameterSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.default_value = std::move(default_value);
  return spec;
}

std::string HyperparameterFlag(const HyperparameterSpec& spec) {
  if (spec.flag == "-") return "";
  if (!spec.flag.empty()) return spec.flag;
  std::string flag = "--" + spec.name;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

namespace {

std::string Number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.10g", v);
  return buffer;
}

}  // namespace

std::string DescribeRange(const HyperparameterSpec& spec) {
  if (spec.type == HyperparameterType::kString) {
    std::string out = "one of ";
    for (size_t i = 0; i < spec.choices.size(); ++i) out += (i ? ", " : "") + spec.choices[i];
    return out;
  }
  return std::string(spec.type == HyperparameterType::kInt ? "an integer" : "a number") + " in " +
         (spec.min_exclusive ? "(" : "[") + Number(spec.min) + ", " + Number(spec.max) + "]";
}

Status CheckHyperparameterValue(const HyperparameterSpec& spec, const nlohmann::json& value,
                                std::string_view origin) {
  auto bad = [&]() {
    std::string shown = value.dump();
    if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
    return InvalidArgumentError(std::string(origin) + " must be " + DescribeRange(spec) + ", got " +
                                shown);
  };
  switch (spec.type) {
    case HyperparameterType::kString: {
      if (!value.is_string()) return bad();
      const std::string& s = value.get_ref<const std::string&>();
      if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
        return bad();
      }
      return Status::Ok();
    }
    case HyperparameterType::kInt:
      if (!value.is_number_integer()) return bad();
      break;
    case HyperparameterType::kDouble:
      if (!value.is_number()) return bad();
      break;
  }
  const double v = value.get<double>();
  if (!std::isfinite(v) || v > spec.max || v < spec.min || (spec.min_exclusive && v == spec.min)) {
    return bad();
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseHyperparameterValue(const HyperparameterSpec& spec,
                                                std::string_view text, std::string_view origin) {
  nlohmann::json value;
  const std::string s(text);
  switch (spec.type) {
    case HyperparameterType::kString:
      value = s;
      break;
    case HyperparameterType::kInt: {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
        value = s;  // reported as the wrong type below
      } else {
        value = v;
      }
      break;
    }
    case HyperparameterType::kDouble: {
      char* end = nullptr;
      const double v = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        value = s;
      } else {
        value = v;
      }
      break;
    }
  }
  CHURNML_RETURN_IF_ERROR(CheckHyperparameterValue(spec, value, origin));
  return value;
}

const HyperparameterSpec* FindHyperparameter(const HyperparameterSpace& space,
                                             std::string_view name) {
  for (const HyperparameterSpec& spec : space) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

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
