// Delivery over real sockets: a webhook receiver on 127.0.0.1 that is first
// absent (connection refused), then hangs (timeout), then answers.
#include "monitoring/alerts/delivery_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "monitoring/alerts/http_client.h"
#include "monitoring/alerts/test_http_receiver.h"
#include "monitoring/alerts/webhook_channel.h"

namespace churnml::monitoring {
namespace {

using reliability::CircuitState;
using testing::FreePort;
using testing::TestHttpReceiver;
using namespace std::chrono_literals;

// Polls `done` until it holds; gives up after a generous real-time bound so
// a broken build fails instead of hanging (not an assertion on speed).
bool Eventually(const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < give_up) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

Notification MakeNotification(uint64_t sequence) {
  Notification n;
  n.status = NotificationStatus::kFiring;
  n.group_key = "{alertname=\"QueueFull\"}";
  n.group_labels = {{"alertname", "QueueFull"}};
  n.sequence = sequence;
  n.created_at = std::chrono::system_clock::now();
  n.alerts.push_back(NotifiedAlert{NotificationStatus::kFiring,
                                   {{"alertname", "QueueFull"}, {"severity", "page"}},
                                   {{"summary", "queue full"}},
                                   n.created_at,
                                   std::nullopt,
                                   12.5});
  return n;
}

ChannelConfig WebhookConfig(uint16_t port) {
  ChannelConfig c;
  c.type = ChannelType::kWebhook;
  c.name = "hook";
  c.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  c.timeout = 200ms;
  c.queue_limit = 100;
  c.breaker.failure_threshold = 2;
  c.breaker.open_duration = 300ms;
  c.retry.max_attempts = 2;
  c.retry.initial_backoff = 10ms;
  c.retry.max_backoff = 50ms;
  return c;
}

std::unique_ptr<DeliveryQueue> MakeQueue(const ChannelConfig& c) {
  auto channel = std::make_unique<WebhookChannel>(
      c.name, c.url, std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout), "");
  auto q = DeliveryQueue::Create(std::move(channel), DeliveryOptionsFor(c), RealClock());
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? std::move(*q) : nullptr;
}

bool HasTransition(const DeliveryStats& s, CircuitState from, CircuitState to) {
  return std::find(s.transitions.begin(), s.transitions.end(), std::make_pair(from, to)) !=
         s.transitions.end();
}

std::vector<uint64_t> ReceivedSequences(const TestHttpReceiver& r) {
  std::vector<uint64_t> out;
  for (const auto& req : r.requests()) {
    out.push_back(nlohmann::json::parse(req.body).at("sequence").get<uint64_t>());
  }
  return out;
}

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  auto r = Post("http://127.0.0.1:" + std::to_string(FreePort()) + "/x", "text/plain", "hi", 200ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
}

TEST(HttpClient, SilentServerIsDeadlineExceeded) {
  const uint16_t port = FreePort();
  TestHttpReceiver receiver(port, TestHttpReceiver::Mode::kHang);
  auto r = Post("http://127.0.0.1:" + std::to_string(port) + "/x", "text/plain", "hi", 200ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
}

TEST(HttpClient, PostsTheBodyAndReadsTheAnswer) {
  const uint16_t port = FreePort();
  TestHttpReceiver receiver(port, TestHttpReceiver::Mode::kAnswer);
  auto r = Post("http://127.0.0.1:" + std::to_string(port) + "/x?y=1", "application/json",
                "{\"a\":1}", 2000ms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{}");
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(receiver.requests()[0].method, "POST");
  EXPECT_EQ(receiver.requests()[0].target, "/x?y=1");
  EXPECT_EQ(receiver.requests()[0].body, "{\"a\":1}");
}

TEST(HttpClient, RejectsUrlsThatAreNotPlainHttp) {
  EXPECT_EQ(Post("https://example.com/", "", "", 100ms).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHttpUrl("http://:80/").status().code(), StatusCode::kInvalidArgument);
  auto u = ParseHttpUrl("http://localhost:9093");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, "9093");
  EXPECT_EQ(u->target, "/");
}

TEST(DeliveryQueue, RetriesOpensTheBreakerAndDeliversEverythingInOrderAfterRecovery) {
  const uint16_t port = FreePort();
  auto queue = MakeQueue(WebhookConfig(port));
  ASSERT_NE(queue, nullptr);
  for (uint64_t i = 1; i <= 3; ++i) queue->Enqueue(MakeNotification(i));

  // 1. Nothing listens: connection refused, retried, breaker opens.
  ASSERT_TRUE(Eventually(
      [&] { return HasTransition(queue->stats(), CircuitState::kClosed, CircuitState::kOpen); }));
  DeliveryStats s = queue->stats();
  EXPECT_GE(s.attempts, 2u);
  EXPECT_GE(s.failed, 1u);
  EXPECT_EQ(s.sent, 0u);
  EXPECT_EQ(s.queued, 3u);
  EXPECT_EQ(s.last_channel_error.code(), StatusCode::kUnavailable)
      << s.last_channel_error.ToString();

  // 2. The receiver accepts but never answers: the half-open probe times out
  //    and the breaker opens again.
  TestHttpReceiver receiver(port, TestHttpReceiver::Mode::kHang);
  ASSERT_TRUE(Eventually([&] {
    const DeliveryStats st = queue->stats();
    return receiver.connections() >= 1 &&
           st.last_channel_error.code() == StatusCode::kDeadlineExceeded &&
           HasTransition(st, CircuitState::kHalfOpen, CircuitState::kOpen);
  }));
  EXPECT_TRUE(receiver.requests().empty());
  EXPECT_EQ(queue->stats().sent, 0u);

  // 3. The receiver answers: the next probe closes the breaker and the queue
  //    drains in order, each notification once.
  receiver.set_mode(TestHttpReceiver::Mode::kAnswer);
  ASSERT_TRUE(queue->WaitUntilEmpty(30s));
  s = queue->stats();
  EXPECT_TRUE(HasTransition(s, CircuitState::kOpen, CircuitState::kHalfOpen));
  EXPECT_TRUE(HasTransition(s, CircuitState::kHalfOpen, CircuitState::kClosed));
  EXPECT_EQ(s.breaker_state, CircuitState::kClosed);
  EXPECT_EQ(s.sent, 3u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_GT(s.attempts, 3u);
  EXPECT_EQ(ReceivedSequences(receiver), (std::vector<uint64_t>{1, 2, 3}));
  const auto body = nlohmann::json::parse(receiver.requests()[0].body);
  EXPECT_EQ(body.at("status"), "firing");
  EXPECT_EQ(body.at("receiver"), "hook");
  EXPECT_EQ(body.at("groupLabels").at("alertname"), "QueueFull");
  EXPECT_EQ(body.at("alerts").at(0).at("labels").at("severity"), "page");
  EXPECT_EQ(body.at("alerts").at(0).at("value"), 12.5);
  EXPECT_EQ(receiver.requests()[0].target, "/hook");
}

TEST(DeliveryQueue, FullQueueDropsTheOldest) {
  const uint16_t port = FreePort();
  ChannelConfig c = WebhookConfig(port);
  c.queue_limit = 2;
  auto queue = MakeQueue(c);
  ASSERT_NE(queue, nullptr);
  for (uint64_t i = 1; i <= 5; ++i) queue->Enqueue(MakeNotification(i));
  EXPECT_EQ(queue->stats().dropped, 3u);
  EXPECT_EQ(queue->stats().queued, 2u);
  TestHttpReceiver receiver(port, TestHttpReceiver::Mode::kAnswer);
  ASSERT_TRUE(queue->WaitUntilEmpty(30s));
  EXPECT_EQ(ReceivedSequences(receiver), (std::vector<uint64_t>{4, 5}));
}

TEST(DeliveryQueue, DeadChannelDoesNotBlockAnother) {
  ChannelConfig dead_config = WebhookConfig(FreePort());
  dead_config.breaker.open_duration = 1h;
  auto dead = MakeQueue(dead_config);
  const uint16_t port = FreePort();
  TestHttpReceiver receiver(port, TestHttpReceiver::Mode::kAnswer);
  auto live = MakeQueue(WebhookConfig(port));
  ASSERT_NE(dead, nullptr);
  ASSERT_NE(live, nullptr);
  for (uint64_t i = 1; i <= 3; ++i) {
    dead->Enqueue(MakeNotification(i));
    live->Enqueue(MakeNotification(i));
  }
  ASSERT_TRUE(live->WaitUntilEmpty(30s));
  EXPECT_EQ(ReceivedSequences(receiver), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(dead->stats().sent, 0u);
  EXPECT_EQ(dead->stats().queued, 3u);
  // Stop returns although the dead channel's breaker stays open for an hour.
  dead->Stop();
}

}  // namespace
}  // namespace churnml::monitoring
