#include "monitoring/alerts/alert_loop.h"

#include <algorithm>
#include <utility>

namespace churnml::monitoring {
namespace {

// How often a wait re-reads a clock that is not real time.
constexpr auto kClockPoll = std::chrono::milliseconds(20);

}  // namespace

Result<std::unique_ptr<AlertLoop>> AlertLoop::Create(AlertRules rules, SampleSource source,
                                                     const Clock& clock) {
  std::vector<std::shared_ptr<DeliveryQueue>> queues;
  for (const ChannelConfig& c : rules.channels) {
    CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<AlertChannel> channel,
                             MakeAlertChannel(c, rules.external_url));
    CHURNML_ASSIGN_OR_RETURN(
        std::unique_ptr<DeliveryQueue> queue,
        DeliveryQueue::Create(std::move(channel), DeliveryOptionsFor(c), clock));
    queues.push_back(std::move(queue));
  }
  auto evaluator = std::make_unique<AlertEvaluator>(std::move(rules), std::move(source), clock);
  for (const auto& q : queues) evaluator->AddSink(q);
  return std::unique_ptr<AlertLoop>(new AlertLoop(std::move(evaluator), std::move(queues), clock));
}

AlertLoop::AlertLoop(std::unique_ptr<AlertEvaluator> evaluator,
                     std::vector<std::shared_ptr<DeliveryQueue>> queues, const Clock& clock)
    : evaluator_(std::move(evaluator)),
      queues_(std::move(queues)),
      clock_(clock),
      interval_(evaluator_->rules().evaluation_interval) {}

AlertLoop::~AlertLoop() { Stop(); }

void AlertLoop::Start() {
  MutexLock lock(&mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void AlertLoop::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (const auto& q : queues_) q->Stop();
}

void AlertLoop::Run() {
  mu_.Lock();
  Clock::TimePoint next = clock_.Now();
  while (!stop_) {
    const Clock::Duration left = next - clock_.Now();
    if (left > Clock::Duration::zero()) {
      mu_.WaitFor(cv_, std::min<Clock::Duration>(left, kClockPoll));
      continue;
    }
    mu_.Unlock();
    // The tick's notifications also went to every queue.
    static_cast<void>(evaluator_->Tick());
    mu_.Lock();
    next += interval_;
    // After a stall, tick once now rather than once per missed interval.
    if (next < clock_.Now()) next = clock_.Now();
  }
  mu_.Unlock();
}

void AlertLoop::ReportMetrics(CollectorSink& sink) const {
  sink.AddGauge("churnml_alerts_firing", "Alerts currently firing", {},
                static_cast<double>(evaluator_->FiringCount()));
  for (const auto& q : queues_) {
    const DeliveryStats s = q->stats();
    const std::string& channel = q->channel_name();
    const char* help = "Alert notifications by channel and result";
    sink.AddCounter("churnml_alert_notifications_total", help,
                    {{"channel", channel}, {"result", "sent"}}, static_cast<double>(s.sent));
    sink.AddCounter("churnml_alert_notifications_total", help,
                    {{"channel", channel}, {"result", "failed"}}, static_cast<double>(s.failed));
    sink.AddCounter("churnml_alert_notifications_total", help,
                    {{"channel", channel}, {"result", "dropped"}}, static_cast<double>(s.dropped));
    sink.AddGauge("churnml_alert_queue_length", "Undelivered alert notifications queued",
                  {{"channel", channel}}, static_cast<double>(s.queued));
  }
}

}  // namespace churnml::monitoring
