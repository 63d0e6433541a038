#include "serving/live_drift.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/json_dump.h"

namespace churnml::serving {

namespace {

// Slots of a bucket before the histogram bins: rows, sum of scores in 1e-6.
constexpr size_t kRowsSlot = 0;
constexpr size_t kScoreSumSlot = 1;
constexpr size_t kHeaderSlots = 2;
constexpr double kScoreSumScale = 1e6;

std::atomic<uint64_t> g_next_generation{1};

// The owner thread is the only writer of a shard: load + store suffices.
inline void Bump(std::atomic<int64_t>& slot, int64_t delta) {
  slot.store(slot.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

}  // namespace

struct Shard {
  Shard(size_t buckets, size_t slots)
      : epochs(buckets), counts(new std::atomic<int64_t>[buckets * slots]) {
    for (auto& e : epochs) e.store(-1, std::memory_order_relaxed);
    for (size_t i = 0; i < buckets * slots; ++i) counts[i].store(0, std::memory_order_relaxed);
  }
  std::vector<std::atomic<int64_t>> epochs;  // the time slot each bucket holds, -1 = none
  std::unique_ptr<std::atomic<int64_t>[]> counts;
};

struct FeatureBinner {
  size_t column = 0;
  const Histogram* histogram = nullptr;
  size_t offset = 0;  // first slot of the histogram in a bucket
  bool categorical = false;
  std::vector<uint32_t> code_bins;  // closed vocabulary: schema code → bin
};

struct LiveDrift::State {
  uint64_t generation = 0;
  std::shared_ptr<const ServedModel> model;
  std::shared_ptr<const ReferenceProfile> profile;  // null: drift disabled
  std::string reason;
  std::vector<FeatureBinner> features;
  size_t score_offset = 0;
  size_t slots = 0;
  std::vector<std::unique_ptr<Shard>> shards;  // guarded by LiveDrift::mu_
};

namespace {

struct ThreadCache {
  uint64_t generation = 0;
  std::shared_ptr<LiveDrift::State> state;
  Shard* shard = nullptr;
};

ThreadCache& Cache() {
  thread_local ThreadCache cache;
  return cache;
}

}  // namespace

Status ValidateLiveDriftOptions(const LiveDriftOptions& options) {
  if (options.window.count() < 0) {
    return InvalidArgumentError("--drift-window: must not be negative");
  }
  if (options.buckets < 2 || options.buckets > 120) {
    return InvalidArgumentError("live drift buckets: " + std::to_string(options.buckets) +
                                " is outside 2..120");
  }
  if (options.min_rows < 1) {
    return InvalidArgumentError("--drift-min-rows: " + std::to_string(options.min_rows) +
                                " must be at least 1");
  }
  return Status::Ok();
}

LiveDrift::LiveDrift(LiveDriftOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  options_.buckets = std::clamp(options_.buckets, 2, 120);
  bucket_length_ = std::max<Clock::Duration>(
      std::chrono::duration_cast<Clock::Duration>(options_.window) / options_.buckets,
      std::chrono::milliseconds(1));
}

LiveDrift::~LiveDrift() = default;

void LiveDrift::Restart(const std::shared_ptr<const ServedModel>& model) {
  if (!active() || !model) return;
  Result<ReferenceProfile> profile = LoadReferenceProfile(*model->artifact);
  if (!profile.ok()) {
    std::string reason = "model " + model->name + " version " + model->version +
                         " has no usable reference profile (" + profile.status().message() +
                         "); retrain it to get live drift";
    spdlog::warn("live drift disabled: {}", reason);
    Restart(model, nullptr, std::move(reason));
    return;
  }
  Restart(model, std::make_shared<const ReferenceProfile>(std::move(profile).value()), "");
}

void LiveDrift::Restart(const std::shared_ptr<const ServedModel>& model,
                        std::shared_ptr<const ReferenceProfile> profile,
                        std::string disabled_reason) {
  auto state = std::make_shared<State>();
  state->generation = g_next_generation.fetch_add(1, std::memory_order_relaxed);
  state->model = model;
  state->reason = std::move(disabled_reason);
  if (profile && model) {
    const Schema& schema = model->artifact->schema();
    size_t offset = kHeaderSlots;
    for (const Histogram& h : profile->features) {
      std::optional<size_t> index = schema.IndexOf(h.name);
      const bool categorical = h.kind == HistogramKind::kCategorical;
      if (!index || schema.column(*index).role != ColumnRole::kFeature ||
          (schema.column(*index).type == ColumnType::kCategorical) != categorical) {
        state->reason =
            "the reference profile's feature \"" + h.name + "\" does not match the model's schema";
        profile = nullptr;
        break;
      }
      FeatureBinner binner;
      binner.column = *index;
      binner.histogram = &h;
      binner.offset = offset;
      binner.categorical = categorical;
      const std::vector<std::string>& categories = schema.column(*index).categories;
      for (const std::string& level : categories) {
        auto it = std::find(h.levels.begin(), h.levels.end(), level);
        binner.code_bins.push_back(static_cast<uint32_t>(it - h.levels.begin()));  // end = unseen
      }
      offset += h.counts.size();
      state->features.push_back(std::move(binner));
    }
    if (profile) {
      state->score_offset = offset;
      state->slots = offset + profile->score.counts.size();
    } else {
      state->features.clear();
    }
  }
  state->profile = std::move(profile);
  if (!state->profile && state->reason.empty()) state->reason = "no reference profile";
  MutexLock lock(&mu_);
  generation_.store(state->generation, std::memory_order_release);
  state_ = std::move(state);
}

void LiveDrift::Record(const ServedModel& model, const Dataset& rows,
                       std::span<const double> scores) {
  if (!active()) return;
  ThreadCache& cache = Cache();
  if (cache.generation != generation_.load(std::memory_order_acquire)) {
    MutexLock lock(&mu_);
    cache.state = state_;
    cache.shard = nullptr;
    cache.generation = state_ ? state_->generation : 0;
    if (state_ && state_->profile) {
      state_->shards.push_back(
          std::make_unique<Shard>(static_cast<size_t>(options_.buckets), state_->slots));
      cache.shard = state_->shards.back().get();
    }
  }
  const State* state = cache.state.get();
  if (state == nullptr || cache.shard == nullptr || state->model.get() != &model) return;
  const size_t n = std::min(rows.num_rows(), scores.size());
  if (n == 0) return;

  const int64_t epoch = static_cast<int64_t>(clock_.Now().time_since_epoch() / bucket_length_);
  const size_t b = static_cast<size_t>(epoch % options_.buckets);
  Shard& shard = *cache.shard;
  std::atomic<int64_t>* c = &shard.counts[b * state->slots];
  if (shard.epochs[b].load(std::memory_order_relaxed) != epoch) {
    // Recycle the bucket: readers skip it while the tag is -1.
    shard.epochs[b].store(-1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (size_t i = 0; i < state->slots; ++i) c[i].store(0, std::memory_order_relaxed);
    shard.epochs[b].store(epoch, std::memory_order_release);
  }

  for (const FeatureBinner& f : state->features) {
    const ColumnData& column = rows.column(f.column);
    const Histogram& h = *f.histogram;
    std::atomic<int64_t>* bins = c + f.offset;
    if (!f.categorical) {
      for (size_t i = 0; i < n; ++i) Bump(bins[h.NumericBin(column.numbers[i])], 1);
      continue;
    }
    const size_t unseen = h.levels.size();
    const bool closed = !f.code_bins.empty() && column.levels.size() == f.code_bins.size();
    for (size_t i = 0; i < n; ++i) {
      const int32_t code = column.codes[i];
      size_t bin;
      if (code == kMissingCode) {
        bin = h.missing_bin();
      } else if (code < 0 || static_cast<size_t>(code) >= column.levels.size()) {
        bin = unseen;
      } else if (closed) {
        bin = f.code_bins[static_cast<size_t>(code)];
      } else {  // open vocabulary: the request's own levels, matched by text
        const std::string& text = column.levels[static_cast<size_t>(code)];
        bin = static_cast<size_t>(std::find(h.levels.begin(), h.levels.end(), text) -
                                  h.levels.begin());
      }
      Bump(bins[bin], 1);
    }
  }
  const Histogram& score = state->profile->score;
  std::atomic<int64_t>* score_bins = c + state->score_offset;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    Bump(score_bins[score.NumericBin(scores[i])], 1);
    if (std::isfinite(scores[i])) sum += scores[i];
  }
  Bump(c[kRowsSlot], static_cast<int64_t>(n));
  Bump(c[kScoreSumSlot], std::llround(sum * kScoreSumScale));
}

LiveDriftSnapshot LiveDrift::Snapshot() const {
  LiveDriftSnapshot snap;
  std::shared_ptr<State> state;
  std::vector<int64_t> totals;
  {
    MutexLock lock(&mu_);
    state = state_;
    if (!active()) {
      snap.reason = "live drift is off (--drift-window 0)";
      return snap;
    }
    if (!state) {
      snap.reason = "no model is being served";
      return snap;
    }
    snap.model = state->model ? state->model->name : "";
    snap.version = state->model ? state->model->version : "";
    if (!state->profile) {
      snap.reason = state->reason;
      return snap;
    }
    totals.assign(state->slots, 0);
    const int64_t now = static_cast<int64_t>(clock_.Now().time_since_epoch() / bucket_length_);
    for (const std::unique_ptr<Shard>& shard : state->shards) {
      for (size_t b = 0; b < static_cast<size_t>(options_.buckets); ++b) {
        const int64_t tag = shard->epochs[b].load(std::memory_order_acquire);
        if (tag < 0 || tag <= now - options_.buckets || tag > now) continue;
        const std::atomic<int64_t>* c = &shard->counts[b * state->slots];
        std::vector<int64_t> bucket(state->slots);
        for (size_t i = 0; i < state->slots; ++i) bucket[i] = c[i].load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (shard->epochs[b].load(std::memory_order_relaxed) != tag)
          continue;  // recycled meanwhile
        for (size_t i = 0; i < state->slots; ++i) totals[i] += bucket[i];
      }
    }
  }
  snap.enabled = true;
  snap.rows = totals[kRowsSlot];
  snap.mean_score =
      snap.rows > 0 ? static_cast<double>(totals[kScoreSumSlot]) / kScoreSumScale / snap.rows : 0;
  snap.current = state->profile->EmptyCopy();
  snap.current.rows = snap.rows;
  for (size_t f = 0; f < state->features.size(); ++f) {
    std::vector<int64_t>& counts = snap.current.features[f].counts;
    std::copy_n(totals.begin() + static_cast<std::ptrdiff_t>(state->features[f].offset),
                counts.size(), counts.begin());
  }
  std::copy_n(totals.begin() + static_cast<std::ptrdiff_t>(state->score_offset),
              snap.current.score.counts.size(), snap.current.score.counts.begin());
  Result<DriftComparison> comparison =
      CompareProfiles(*state->profile, snap.current, options_.rules);
  if (!comparison.ok()) {
    snap.enabled = false;
    snap.reason = comparison.status().message();
    return snap;
  }
  snap.comparison = std::move(comparison).value();
  return snap;
}

void LiveDrift::Collect(monitoring::CollectorSink& sink) const {
  if (!active()) return;
  LiveDriftSnapshot snap = Snapshot();
  sink.AddGauge("churnml_drift_enabled",
                "1 when the served model has a reference profile and live drift is measured.", {},
                snap.enabled ? 1 : 0);
  sink.AddGauge("churnml_drift_window_rows",
                "Customers scored by the served model inside the live drift window.", {},
                static_cast<double>(snap.rows));
  if (!snap.enabled || snap.rows < options_.min_rows) return;
  for (const HistogramDrift& d : snap.comparison.features) {
    sink.AddGauge("churnml_feature_drift_psi",
                  "PSI of a feature: the live window against the model's reference profile.",
                  {{"feature", d.name}}, d.psi);
  }
  if (snap.comparison.score) {
    sink.AddGauge("churnml_score_drift_psi",
                  "PSI of the model's score: the live window against the reference profile.", {},
                  snap.comparison.score->psi);
  }
}

int LiveDrift::ReportJson(std::string* body) const {
  LiveDriftSnapshot snap = Snapshot();
  nlohmann::json window = {{"seconds", options_.window.count()},
                           {"buckets", options_.buckets},
                           {"min_rows", options_.min_rows},
                           {"rows", snap.rows},
                           {"sufficient_rows", snap.enabled && snap.rows >= options_.min_rows},
                           {"model", snap.model},
                           {"version", snap.version}};
  if (!snap.enabled) {
    nlohmann::json j = {{"error", snap.reason}, {"drift_enabled", false}, {"window", window}};
    *body = DumpJson(j);
    return 404;
  }
  DriftReport report;
  report.data_path = "live:" + snap.model + "@" + snap.version;
  report.rows_read = snap.rows;
  report.mean_score = snap.mean_score;
  report.comparison = std::move(snap.comparison);
  nlohmann::json j = DriftReportJson(report);
  j["model"] = snap.model + "@" + snap.version;  // as `churnml drift --json` names its --model
  j["drift_enabled"] = true;
  j["window"] = std::move(window);
  *body = DumpJson(j);
  return 200;
}

}  // namespace churnml::serving
