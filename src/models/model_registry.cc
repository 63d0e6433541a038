#include "models/model_registry.h"

#include <nlohmann/json.hpp>

#include "models/logistic_hyperparameters.h"
#include "models/logistic_regression.h"
#include "models/xgboost_model.h"

namespace churnml {

Status ModelRegistry::Register(std::string kind, ModelFactory factory) {
  if (kind.empty()) return InvalidArgumentError("model kind name is empty");
  if (!factory.train || !factory.load) {
    return InvalidArgumentError("model kind \"" + kind +
                                "\" needs both a train and a load function");
  }
  if (factories_.count(kind) > 0) {
    return AlreadyExistsError("model kind \"" + kind + "\" is already registered");
  }
  factories_.emplace(std::move(kind), std::move(factory));
  return Status::Ok();
}

std::vector<std::string> ModelRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [kind, factory] : factories_) out.push_back(kind);
  return out;
}

Result<const ModelFactory*> ModelRegistry::Find(std::string_view kind) const {
  auto it = factories_.find(kind);
  if (it != factories_.end()) return &it->second;
  std::string valid;
  for (const auto& [name, factory] : factories_) {
    if (!valid.empty()) valid += ", ";
    valid += "\"" + name + "\"";
  }
  return NotFoundError("unknown model kind \"" + std::string(kind) + "\" (valid: " +
                       (valid.empty() ? std::string("none registered") : valid) + ")");
}

Result<std::unique_ptr<Model>> ModelRegistry::Train(std::string_view kind, const FeatureMatrix& x,
                                                    std::span<const uint8_t> labels,
                                                    const nlohmann::json& hyperparameters,
                                                    const FitMonitor& monitor) const {
  CHURNML_ASSIGN_OR_RETURN(const ModelFactory* factory, Find(kind));
  return factory->train(x, labels, hyperparameters, monitor);
}

Result<std::unique_ptr<Model>> ModelRegistry::Train(std::string_view kind,
                                                    const CompactFeatureMatrix& x,
                                                    std::span<const uint8_t> labels,
                                                    const nlohmann::json& hyperparameters,
                                                    const FitMonitor& monitor) const {
  CHURNML_ASSIGN_OR_RETURN(const ModelFactory* factory, Find(kind));
  if (factory->train_compact) return factory->train_compact(x, labels, hyperparameters, monitor);
  return factory->train(x.Densify(), labels, hyperparameters, monitor);
}

Result<std::unique_ptr<Model>> ModelRegistry::Load(std::string_view kind,
                                                   const ModelFiles& files) const {
  CHURNML_ASSIGN_OR_RETURN(const ModelFactory* factory, Find(kind));
  return factory->load(files);
}

Result<const HyperparameterSpace*> ModelRegistry::Hyperparameters(std::string_view kind) const {
  CHURNML_ASSIGN_OR_RETURN(const ModelFactory* factory, Find(kind));
  return &factory->hyperparameters;
}

bool ModelRegistry::NeedsValidation(std::string_view kind,
                                    const nlohmann::json& hyperparameters) const {
  Result<const ModelFactory*> factory = Find(kind);
  if (!factory.ok() || !hyperparameters.is_object()) return false;
  for (const HyperparameterSpec& spec : (*factory)->hyperparameters) {
    if (!spec.needs_validation) continue;
    auto it = hyperparameters.find(spec.name);
    if (it != hyperparameters.end() && it->is_number() && it->get<double>() != 0) return true;
  }
  return false;
}

namespace {

template <typename ModelT, typename OptionsT>
ModelFactory MakeFactory(HyperparameterSpace space) {
  ModelFactory f;
  f.train = [](const FeatureMatrix& x, std::span<const uint8_t> labels,
               const nlohmann::json& hyperparameters,
               const FitMonitor& monitor) -> Result<std::unique_ptr<Model>> {
    CHURNML_ASSIGN_OR_RETURN(OptionsT options, OptionsT::FromJson(hyperparameters));
    std::unique_ptr<ModelT> model;
    if constexpr (requires { ModelT::Train(x, labels, options, monitor); }) {
      CHURNML_ASSIGN_OR_RETURN(model, ModelT::Train(x, labels, options, monitor));
    } else {
      CHURNML_ASSIGN_OR_RETURN(model, ModelT::Train(x, labels, options));
    }
    return std::unique_ptr<Model>(std::move(model));
  };
  if constexpr (requires(const CompactFeatureMatrix& cx, std::span<const uint8_t> y,
                         const OptionsT& o) { ModelT::Train(cx, y, o); }) {
    f.train_compact = [](const CompactFeatureMatrix& x, std::span<const uint8_t> labels,
                         const nlohmann::json& hyperparameters,
                         const FitMonitor&) -> Result<std::unique_ptr<Model>> {
      CHURNML_ASSIGN_OR_RETURN(OptionsT options, OptionsT::FromJson(hyperparameters));
      CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<ModelT> model, ModelT::Train(x, labels, options));
      return std::unique_ptr<Model>(std::move(model));
    };
  }
  f.load = [](const ModelFiles& files) -> Result<std::unique_ptr<Model>> {
    CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<ModelT> model, ModelT::Load(files));
    return std::unique_ptr<Model>(std::move(model));
  };
  f.hyperparameters = std::move(space);
  return f;
}

}  // namespace

Status RegisterBuiltinModels(ModelRegistry& registry) {
  CHURNML_RETURN_IF_ERROR(registry.Register(
      std::string(LogisticRegression::kKind),
      MakeFactory<LogisticRegression, LogisticRegressionOptions>(LogisticHyperparameterSpace())));
  return registry.Register(std::string(XGBoostModel::kKind),
                           MakeFactory<XGBoostModel, XGBoostOptions>(XGBoostOptions::Space()));
}

}  // namespace churnml
