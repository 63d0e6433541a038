#include "serving/experiments.h"

#include <cmath>
#include <utility>

#include "common/strings.h"

namespace churnml::serving {

Result<std::unique_ptr<Experiments>> Experiments::Create(std::vector<ExperimentLane> lanes,
                                                         Shadow* shadow, ShadowFactory factory) {
  if (lanes.empty() || shadow == nullptr) {
    return InvalidArgumentError("experiments need the primary lane and a shadow");
  }
  std::unique_ptr<Experiments> e(new Experiments());
  std::vector<double> weights;
  weights.reserve(lanes.size());
  for (const ExperimentLane& lane : lanes) weights.push_back(lane.weight);
  CHURNML_ASSIGN_OR_RETURN(VariantSplit split, VariantSplit::Create(weights));
  e->split_.Set(std::move(split));
  {
    MutexLock lock(&e->mu_);  // not shared yet; keeps the analysis simple
    e->weights_ = std::move(weights);
  }
  e->lanes_ = std::move(lanes);
  e->shadow_ = shadow;
  e->factory_ = std::move(factory);
  return e;
}

Status Experiments::Apply(const ExperimentConfig& config) {
  MutexLock apply(&apply_mu_);
  Status status = ApplyLocked(config);
  MutexLock lock(&mu_);
  if (status.ok()) {
    ++applied_;
    last_error_.clear();
  } else {
    ++failed_;
    last_error_ = status.message();
  }
  return status;
}

Status Experiments::ApplyLocked(const ExperimentConfig& config) {
  std::optional<VariantSplit> split;
  std::vector<double> weights;
  if (config.variants) {
    weights.assign(lanes_.size(), 0);
    double rest = 100;
    for (const VariantSpec& spec : *config.variants) {
      size_t index = 0;
      for (size_t i = 1; i < lanes_.size(); ++i) {
        if (lanes_[i].name == spec.name) index = i;
      }
      if (index == 0) {
        std::vector<std::string> names;
        for (size_t i = 1; i < lanes_.size(); ++i) names.push_back(lanes_[i].name);
        return FailedPreconditionError("variant " + spec.name +
                                       " was not started with serve (running: " +
                                       (names.empty() ? std::string("none") : Join(names, ", ")) +
                                       "); adding a variant needs a restart");
      }
      if (spec.ref != lanes_[index].ref) {
        return FailedPreconditionError("variant " + spec.name + ": model " + spec.ref +
                                       " differs from the running " + lanes_[index].ref +
                                       "; moving a variant to another model needs a restart");
      }
      if (weights[index] > 0)
        return InvalidArgumentError("variant " + spec.name + " is given twice");
      weights[index] = spec.weight;
      rest -= spec.weight;
    }
    if (!(rest > 0)) {
      return InvalidArgumentError("variant weights sum to " + FormatDouble(100 - rest) +
                                  "%: they must leave the primary model a share above 0");
    }
    weights[0] = rest;
    CHURNML_ASSIGN_OR_RETURN(split, VariantSplit::Create(weights));
  }
  std::optional<std::shared_ptr<ShadowModel>> next_shadow;
  if (config.shadow) {
    std::shared_ptr<ShadowModel> current = shadow_->model();
    const std::string running = current ? current->ref : std::string();
    if (*config.shadow != running) {
      if (config.shadow->empty()) {
        next_shadow = nullptr;
      } else {
        Result<std::shared_ptr<ShadowModel>> loaded = factory_(*config.shadow);
        if (!loaded.ok()) {
          return Status(loaded.status().code(),
                        "shadow " + *config.shadow + ": " + loaded.status().message());
        }
        next_shadow = std::move(*loaded);
      }
    }
  }
  if (split) {
    split_.Set(std::move(*split));
    MutexLock lock(&mu_);
    weights_ = std::move(weights);
  }
  if (next_shadow) shadow_->SetModel(std::move(*next_shadow));
  return Status::Ok();
}

std::string Experiments::Describe(const ExperimentConfig& config) const {
  std::vector<std::string> changes;
  if (config.variants) {
    std::vector<double> now;
    {
      MutexLock lock(&mu_);
      now = weights_;
    }
    for (size_t i = 1; i < lanes_.size(); ++i) {
      double next = 0;
      for (const VariantSpec& spec : *config.variants) {
        if (spec.name == lanes_[i].name) next = spec.weight;
      }
      if (next != now[i]) {
        changes.push_back(lanes_[i].name + " " + FormatDouble(now[i]) + "% -> " +
                          FormatDouble(next) + "%");
      }
    }
  }
  if (config.shadow) {
    std::shared_ptr<ShadowModel> current = shadow_->model();
    const std::string running = current ? current->ref : std::string();
    if (*config.shadow != running) {
      changes.push_back("shadow " + (running.empty() ? std::string("off") : running) + " -> " +
                        (config.shadow->empty() ? std::string("off") : *config.shadow));
    }
  }
  return Join(changes, "; ");
}

ExperimentsSnapshot Experiments::Snapshot() const {
  ExperimentsSnapshot out;
  std::vector<double> weights;
  {
    MutexLock lock(&mu_);
    weights = weights_;
    out.reloads_applied = applied_;
    out.reloads_failed = failed_;
    out.last_reload_error = last_error_;
  }
  for (size_t i = 0; i < lanes_.size(); ++i) {
    VariantState state{.name = lanes_[i].name,
                       .ref = lanes_[i].ref,
                       .weight = weights[i],
                       .model = {},
                       .version = {},
                       .requests = -1};
    if (std::shared_ptr<const ServedModel> m = lanes_[i].slot->current()) {
      state.model = m->name;
      state.version = m->version;
    }
    if (lanes_[i].requests) {
      state.requests = static_cast<int64_t>(lanes_[i].requests->Snapshot().count);
    }
    out.variants.push_back(std::move(state));
  }
  out.shadow = shadow_->Stats();
  return out;
}

}  // namespace churnml::serving
