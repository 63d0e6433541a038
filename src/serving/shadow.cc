#include "serving/shadow.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <utility>

namespace churnml::serving {

ShadowModel::~ShadowModel() {
  if (watcher) watcher->Stop();
}

Result<std::unique_ptr<Shadow>> Shadow::Create(
    ShadowOptions options, PredictionLog* log,
    const reliability::CircuitBreakerConfig& breaker_config) {
  if (options.queue_requests == 0 || options.window_pairs == 0) {
    return InvalidArgumentError("--shadow-queue and --shadow-window must be at least 1");
  }
  std::unique_ptr<Shadow> shadow(new Shadow(options, log));
  CHURNML_ASSIGN_OR_RETURN(shadow->breaker_, reliability::CircuitBreaker::Create(
                                                 "model:shadow", breaker_config, RealClock()));
  shadow->worker_ = std::thread([s = shadow.get()] { s->Run(); });
  return shadow;
}

Shadow::Shadow(ShadowOptions options, PredictionLog* log)
    : options_(options),
      log_(log),
      comparison_(options.window_pairs),
      queue_(options.queue_requests) {}

Shadow::~Shadow() { Stop(); }

void Shadow::Offer(const Dataset& rows, std::string_view request_id, std::string_view variant,
                   std::span<const Prediction> answers) {
  if (!enabled_.load(std::memory_order_relaxed) || rows.num_rows() == 0) return;
  offered_.fetch_add(1, std::memory_order_relaxed);
  // Skip the copy when it would be dropped anyway.
  if (queue_.Full()) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Item item;
  item.rows = rows.num_rows();
  item.columns.reserve(rows.schema().num_columns());
  for (size_t c = 0; c < rows.schema().num_columns(); ++c) item.columns.push_back(rows.column(c));
  item.ids = rows.ids();
  item.request_id = request_id;
  item.variant = variant;
  item.scores.reserve(answers.size());
  item.classes.reserve(answers.size());
  for (const Prediction& p : answers) {
    item.scores.push_back(p.probability);
    item.classes.push_back(p.prediction);
  }
  if (!queue_.TryPush(std::move(item))) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void Shadow::SetModel(std::shared_ptr<ShadowModel> model) {
  const bool on = model != nullptr;
  std::shared_ptr<ShadowModel> outgoing = model_.exchange(std::move(model));
  comparison_.Clear();
  breaker_->Reset();
  enabled_.store(on, std::memory_order_relaxed);
  // `outgoing` is released here, or by the worker when it holds it: its
  // watcher stops in ~ShadowModel.
}

void Shadow::Run() {
  while (std::optional<Item> item = queue_.Pop()) {
    Score(*item);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void Shadow::Score(Item& item) {
  std::shared_ptr<ShadowModel> target = model_.load();
  if (!target) return;  // switched off while queued
  std::shared_ptr<const ServedModel> model = target->slot.current();
  if (!model) return;
  const Schema& schema = model->artifact->schema();
  if (schema.num_columns() != item.columns.size() || item.ids.size() != item.rows) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The worker's own rows for this schema, refilled per request.
  thread_local Dataset rows;
  thread_local const Schema* rows_schema = nullptr;
  thread_local std::shared_ptr<const ServedModel> rows_owner;
  if (rows_schema != &schema) {
    rows = Dataset(schema);
    rows_schema = &schema;
    rows_owner = model;  // keeps `schema` alive while it is cached
  }
  for (size_t c = 0; c < item.columns.size(); ++c)
    rows.mutable_column(c) = std::move(item.columns[c]);
  rows.mutable_ids() = std::move(item.ids);
  rows.set_num_rows(item.rows);

  thread_local std::vector<double> probabilities;
  probabilities.clear();
  ScoreOutcome outcome = target->scorer->Score(model, rows, &probabilities);
  if (!outcome.error.ok() || probabilities.size() != item.rows) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("shadow {} version {} failed: {}", model->name, model->version,
                  outcome.error.message());
    return;
  }
  scored_.fetch_add(1, std::memory_order_relaxed);
  const double threshold = model->artifact->threshold();
  for (size_t i = 0; i < item.rows && i < item.scores.size(); ++i) {
    ShadowPair pair{.primary = item.scores[i],
                    .shadow = probabilities[i],
                    .primary_class = item.classes[i],
                    .shadow_class = probabilities[i] >= threshold ? 1 : 0};
    comparison_.Add(pair);
    if (log_) {
      log_->AppendShadow(ShadowLogEntry{.request_id = item.request_id,
                                        .customer_id = rows.ids()[i],
                                        .variant = item.variant,
                                        .score = pair.primary,
                                        .prediction = pair.primary_class,
                                        .shadow_model = model->name,
                                        .shadow_version = model->version,
                                        .shadow_score = pair.shadow,
                                        .shadow_prediction = pair.shadow_class});
    }
  }
}

ShadowStats Shadow::Stats() const {
  ShadowStats stats;
  std::shared_ptr<ShadowModel> target = model_.load();
  stats.enabled = target != nullptr;
  if (target) {
    stats.ref = target->ref;
    if (std::shared_ptr<const ServedModel> m = target->slot.current()) {
      stats.model = m->name;
      stats.version = m->version;
    }
  }
  stats.offered = offered_.load(std::memory_order_relaxed);
  stats.dropped = dropped_.load(std::memory_order_relaxed);
  stats.scored = scored_.load(std::memory_order_relaxed);
  stats.failed = failed_.load(std::memory_order_relaxed);
  stats.queue_depth = queue_.size();
  stats.queue_capacity = queue_.capacity();
  stats.breaker_state = std::string(reliability::CircuitStateName(breaker_->state()));
  stats.comparison = comparison_.Stats();
  return stats;
}

void Shadow::Collect(monitoring::CollectorSink& sink) const {
  const ShadowStats s = Stats();
  const char* help = "Requests offered to the shadow model, by what became of them.";
  sink.AddCounter("churnml_shadow_requests_total", help, {{"outcome", "offered"}},
                  static_cast<double>(s.offered));
  sink.AddCounter("churnml_shadow_requests_total", help, {{"outcome", "dropped"}},
                  static_cast<double>(s.dropped));
  sink.AddCounter("churnml_shadow_requests_total", help, {{"outcome", "scored"}},
                  static_cast<double>(s.scored));
  sink.AddCounter("churnml_shadow_requests_total", help, {{"outcome", "failed"}},
                  static_cast<double>(s.failed));
  if (!s.enabled) return;
  sink.AddGauge("churnml_shadow_info", "The shadow model being compared (always 1).",
                {{"model", s.model}, {"version", s.version}}, 1);
  sink.AddGauge("churnml_shadow_queue_depth", "Requests waiting for the shadow model.", {},
                static_cast<double>(s.queue_depth));
  sink.AddGauge("churnml_shadow_window_pairs", "Customers in the shadow comparison window.", {},
                static_cast<double>(s.comparison.pairs));
  // An empty window has no statistics: the series are left out, not NaN.
  if (s.comparison.pairs == 0) return;
  sink.AddGauge("churnml_shadow_agreement_ratio",
                "Share of the window's customers with the same predicted class from both models.",
                {}, s.comparison.agreement);
  sink.AddGauge("churnml_shadow_score_diff_mean",
                "Mean of shadow minus answered probability over the window.", {},
                s.comparison.mean_diff);
  sink.AddGauge("churnml_shadow_score_abs_diff_mean",
                "Mean absolute difference of the two probabilities over the window.", {},
                s.comparison.mean_abs_diff);
  if (!std::isnan(s.comparison.spearman)) {
    sink.AddGauge("churnml_shadow_rank_correlation",
                  "Spearman rank correlation of the two probabilities over the window.", {},
                  s.comparison.spearman);
  }
}

void Shadow::Stop() {
  std::call_once(stop_once_, [this] {
    queue_.Close();
    if (worker_.joinable()) worker_.join();
  });
}

bool Shadow::WaitIdle(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // Every offered request is either dropped or, once finished, done.
    const uint64_t done = done_.load(std::memory_order_acquire);
    if (offered_.load(std::memory_order_relaxed) ==
        dropped_.load(std::memory_order_relaxed) + done) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

}  // namespace churnml::serving
