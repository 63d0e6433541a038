// Live drift inside `churnml serve` (docs/quality.md, "Live drift"): every
// customer the served model scores is binned into the reference profile's
// edges (profile.json) and counted in a sliding window; at scrape time the
// window is compared with the reference by the same CompareProfiles as
// `churnml drift`.
//
// Memory is fixed: each io thread owns one shard per model, a ring of
// `buckets` time buckets of (1 + bins) counters. Only the owning thread
// writes a shard (relaxed atomic load + store, no read-modify-write, no
// lock, no allocation); the scraping thread reads every shard and merges the
// buckets still inside the window. A bucket is recycled by its owner when
// its time slot comes round again. The per-row cost is one binary search
// over a feature's edges (or one table lookup for a category) per feature
// plus one for the score.
//
// A hot swap restarts the window against the new model's profile
// (Restart); a model without a profile (trained before profiles existed)
// disables drift until the next swap. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "data/dataset.h"
#include "monitoring/metrics_registry.h"
#include "pipeline/drift.h"
#include "pipeline/reference_profile.h"
#include "serving/served_model.h"

namespace churnml::serving {

struct LiveDriftOptions {
  std::chrono::seconds window{3600};  // 0 = live drift off
  int buckets = 12;                   // time buckets the window slides by (2..120)
  int64_t min_rows = 1000;            // no PSI is reported below this many rows in the window
  DriftRules rules;                   // as `churnml drift` (defaults)
};

// Checks the options (window >= 0, buckets in 2..120, min_rows >= 1).
Status ValidateLiveDriftOptions(const LiveDriftOptions& options);

// The window's counts compared with the reference.
struct LiveDriftSnapshot {
  bool enabled = false;
  std::string reason;  // why not enabled
  std::string model;
  std::string version;
  int64_t rows = 0;
  double mean_score = 0;
  ReferenceProfile current;    // the window's counts (when enabled)
  DriftComparison comparison;  // (when enabled)
};

class LiveDrift {
 public:
  LiveDrift(LiveDriftOptions options, const Clock& clock);
  ~LiveDrift();
  LiveDrift(const LiveDrift&) = delete;
  LiveDrift& operator=(const LiveDrift&) = delete;

  bool active() const { return options_.window.count() > 0; }
  const LiveDriftOptions& options() const { return options_; }

  // Starts an empty window against `model`'s profile (its artifact's
  // profile.json, read now). Without a profile drift is disabled for it.
  void Restart(const std::shared_ptr<const ServedModel>& model);
  // The same with a profile already in hand (tests, or no profile: null).
  void Restart(const std::shared_ptr<const ServedModel>& model,
               std::shared_ptr<const ReferenceProfile> profile, std::string disabled_reason);

  // Counts `rows` and their `scores` (same length) when `model` is the one
  // the window was started for; rows scored by another model are ignored.
  // Lock-free and allocation-free after a thread's first call per model.
  void Record(const ServedModel& model, const Dataset& rows, std::span<const double> scores);

  // Merges every thread's buckets inside the window and compares.
  LiveDriftSnapshot Snapshot() const;

  // churnml_drift_window_rows, churnml_drift_enabled and, with at least
  // min_rows rows, churnml_score_drift_psi and churnml_feature_drift_psi.
  void Collect(monitoring::CollectorSink& sink) const;

  // The body of GET /drift: `churnml drift --json`'s shape plus the window
  // (status 404 when drift is disabled for the model served).
  int ReportJson(std::string* body) const;

  struct State;

 private:
  LiveDriftOptions options_;
  const Clock& clock_;
  Clock::Duration bucket_length_;
  mutable Mutex mu_;
  std::shared_ptr<State> state_ CHURNML_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
};

}  // namespace churnml::serving
