// The A/B and shadow state of one server (docs/serving.md, "Experiments"):
// the variant split in force, the shadow model, and their run-time
// reconfiguration (SIGHUP reload of the config file's serve.variant and
// serve.shadow keys). Snapshot() is what GET /experiments and the dashboard
// show.
//
// Thread safety: the request path reads split() through a per-thread
// SplitSlot::Reader; Apply and Snapshot may run on any thread (Apply calls
// are serialized).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "monitoring/metrics_registry.h"
#include "serving/model_slot.h"
#include "serving/shadow.h"
#include "serving/variant_split.h"

namespace churnml::serving {

// One way an answer can go: the primary (first) or a --variant.
struct ExperimentLane {
  std::string name;                 // "primary" or the variant's name
  std::string ref;                  // its model reference
  double weight = 100;              // percent of customers at start
  const ModelSlot* slot = nullptr;  // required
  monitoring::Histogram* requests =
      nullptr;  // its request-duration series (counts requests); may be null
};

struct VariantState {
  std::string name;
  std::string ref;
  double weight = 0;  // percent of customers now
  std::string model;
  std::string version;
  int64_t requests = -1;  // requests answered; -1 when not counted (no variants)
};

struct ExperimentsSnapshot {
  std::vector<VariantState> variants;  // the primary first
  ShadowStats shadow;
  uint64_t reloads_applied = 0;
  uint64_t reloads_failed = 0;
  std::string last_reload_error;  // "" after a successful one
};

// A reload request. An absent member leaves that setting as it is.
struct ExperimentConfig {
  // The variants' weights by name (the primary takes the rest); a variant
  // started with serve left out of the list gets weight 0. Every name must be
  // a variant the server started with, with the same model reference:
  // adding a variant or moving it to another model needs a restart.
  std::optional<std::vector<VariantSpec>> variants;
  // The shadow's model reference; "" turns the shadow off.
  std::optional<std::string> shadow;
};

// Loads a shadow model for a reference (the server's: a watched slot with
// the Shadow's breaker, checked to read the primary's schema).
using ShadowFactory = std::function<Result<std::shared_ptr<ShadowModel>>(const std::string& ref)>;

class Experiments {
 public:
  // `lanes[0]` is the primary; the split starts from the lanes' weights
  // (InvalidArgument when they do not sum to 100). `shadow` (required) and
  // `factory` must outlive the object.
  static Result<std::unique_ptr<Experiments>> Create(std::vector<ExperimentLane> lanes,
                                                     Shadow* shadow, ShadowFactory factory);

  // The split the request path reads.
  const SplitSlot& split() const { return split_; }
  Shadow& shadow() const { return *shadow_; }

  // Validates the whole config first (names, references, weights, loading
  // a new shadow model), then applies it; on an error nothing changes and
  // the error names the variant or the reference. Counted either way.
  Status Apply(const ExperimentConfig& config) CHURNML_EXCLUDES(apply_mu_, mu_);
  // What `config` would change, in one line for the log ("challenger 10% ->
  // 30%; shadow churn@candidate -> off"), or "" for nothing.
  std::string Describe(const ExperimentConfig& config) const CHURNML_EXCLUDES(mu_);

  ExperimentsSnapshot Snapshot() const CHURNML_EXCLUDES(mu_);

 private:
  Experiments() = default;
  Status ApplyLocked(const ExperimentConfig& config) CHURNML_REQUIRES(apply_mu_)
      CHURNML_EXCLUDES(mu_);

  std::vector<ExperimentLane> lanes_;
  Shadow* shadow_ = nullptr;
  ShadowFactory factory_;
  SplitSlot split_;
  Mutex apply_mu_;  // serializes Apply
  mutable Mutex mu_;
  std::vector<double> weights_ CHURNML_GUARDED_BY(mu_);  // the split in force
  uint64_t applied_ CHURNML_GUARDED_BY(mu_) = 0;
  uint64_t failed_ CHURNML_GUARDED_BY(mu_) = 0;
  std::string last_error_ CHURNML_GUARDED_BY(mu_);
};

}  // namespace churnml::serving
