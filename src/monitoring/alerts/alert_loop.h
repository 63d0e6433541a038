// AlertLoop: the running alert system of one process. It owns the
// evaluator and one DeliveryQueue per configured channel, and ticks the
// evaluator every evaluation_interval on its own thread.
//
//   auto loop = AlertLoop::Create(rules, [&] { return registry.Collect(); }, RealClock());
//   registry.AddCollector([&](CollectorSink& s) { loop->ReportMetrics(s); });
//   (*loop)->Start();  ...  (*loop)->Stop();
#pragma once

#include <condition_variable>
#include <memory>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "monitoring/alerts/alert_evaluator.h"
#include "monitoring/alerts/alert_rule.h"
#include "monitoring/alerts/delivery_queue.h"
#include "monitoring/metrics_registry.h"

namespace churnml::monitoring {

class AlertLoop {
 public:
  // Builds the evaluator and a channel + queue per rules.channels entry
  // (queues start delivering at once). InvalidArgument names the channel.
  // `clock` must outlive the loop.
  static Result<std::unique_ptr<AlertLoop>> Create(AlertRules rules, SampleSource source,
                                                   const Clock& clock);
  ~AlertLoop();  // Stop()

  AlertLoop(const AlertLoop&) = delete;
  AlertLoop& operator=(const AlertLoop&) = delete;

  // Starts the ticking thread (first tick at once). Idempotent.
  void Start();
  // Stops ticking promptly (the tick in progress finishes), then stops the
  // delivery queues. Idempotent.
  void Stop();

  AlertEvaluator& evaluator() { return *evaluator_; }
  const std::vector<std::shared_ptr<DeliveryQueue>>& queues() const { return queues_; }

  // churnml_alerts_firing, churnml_alert_notifications_total{channel,result}
  // and churnml_alert_queue_length{channel}, for MetricsRegistry::AddCollector.
  void ReportMetrics(CollectorSink& sink) const;

 private:
  AlertLoop(std::unique_ptr<AlertEvaluator> evaluator,
            std::vector<std::shared_ptr<DeliveryQueue>> queues, const Clock& clock);
  void Run();

  std::unique_ptr<AlertEvaluator> evaluator_;
  std::vector<std::shared_ptr<DeliveryQueue>> queues_;
  const Clock& clock_;
  const Clock::Duration interval_;

  Mutex mu_;
  std::condition_variable cv_;
  bool stop_ CHURNML_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace churnml::monitoring
