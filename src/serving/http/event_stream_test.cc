// EventStream and EventBroadcaster without sockets: framing, the pending
// bound, the waker protocol and the subscriber bound.
#include "serving/http/event_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace churnml::serving {
namespace {

TEST(ServerSentEvent, FramesNameAndEveryLineOfData) {
  EXPECT_EQ(FormatServerSentEvent("", R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(FormatServerSentEvent("snapshot", "x"), "event: snapshot\ndata: x\n\n");
  EXPECT_EQ(FormatServerSentEvent("", "one\ntwo\r\nthree\rfour"),
            "data: one\ndata: two\ndata: three\ndata: four\n\n");
  // A line break in the name cannot start a forged field.
  EXPECT_EQ(FormatServerSentEvent("a\nb", "x"), "event: ab\ndata: x\n\n");
  EXPECT_EQ(FormatServerSentEvent("", ""), "data: \n\n");
}

TEST(EventStream, QueuesUntilTakenAndDropsWhatDoesNotFit) {
  EventStream stream(10);
  EXPECT_TRUE(stream.Send("12345"));
  EXPECT_TRUE(stream.Send("6789"));
  EXPECT_FALSE(stream.Send("ab"));  // 9 + 2 > 10: dropped, not buffered
  EXPECT_EQ(stream.dropped(), 1u);
  std::string out = "stale";
  EXPECT_FALSE(stream.Take(out));
  EXPECT_EQ(out, "123456789");
  EXPECT_TRUE(stream.Send("ab"));            // room again once taken
  EXPECT_FALSE(stream.Send("0123456789x"));  // never fits
  EXPECT_EQ(stream.dropped(), 2u);
  EXPECT_FALSE(stream.Take(out));
  EXPECT_EQ(out, "ab");
}

TEST(EventStream, WakerFiresOncePerTakeAndNotAfterDetach) {
  EventStream stream(1024);
  int wakes = 0;
  ASSERT_TRUE(stream.Send("early"));
  stream.SetWaker([&wakes] { ++wakes; });
  EXPECT_EQ(wakes, 1);  // bytes were already waiting
  ASSERT_TRUE(stream.Send("more"));
  EXPECT_EQ(wakes, 1);  // the consumer has not looked yet
  std::string out;
  EXPECT_FALSE(stream.Take(out));
  EXPECT_EQ(out, "earlymore");
  ASSERT_TRUE(stream.Send("next"));
  EXPECT_EQ(wakes, 2);
  stream.Detach();
  EXPECT_TRUE(stream.closed());
  EXPECT_FALSE(stream.Send("gone"));
  stream.Finish();
  EXPECT_EQ(wakes, 2);
}

TEST(EventStream, FinishWakesAndTakeReportsTheLastBytes) {
  EventStream stream(1024);
  int wakes = 0;
  stream.SetWaker([&wakes] { ++wakes; });
  ASSERT_TRUE(stream.Send("last"));
  stream.Finish();
  EXPECT_TRUE(stream.closed());
  EXPECT_FALSE(stream.Send("after"));
  EXPECT_EQ(stream.dropped(), 0u);  // refused because closed, not dropped
  std::string out;
  EXPECT_TRUE(stream.Take(out));
  EXPECT_EQ(out, "last");
  EXPECT_EQ(wakes, 1);
}

TEST(EventBroadcaster, BoundsSubscribersAndForgetsClosedOnes) {
  EventBroadcaster hub(2, 1024);
  auto a = hub.Subscribe();
  auto b = hub.Subscribe();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(hub.Subscribe(), nullptr);  // full
  EXPECT_EQ(hub.Publish("x"), 2u);
  a->Detach();  // the client went away
  auto c = hub.Subscribe();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(hub.subscribers(), 2u);
  EXPECT_EQ(hub.Publish("y"), 2u);
  std::string out;
  b->Take(out);
  EXPECT_EQ(out, "xy");
  c->Take(out);
  EXPECT_EQ(out, "y");
  hub.Shutdown();
  EXPECT_TRUE(b->closed());
  EXPECT_TRUE(b->Take(out));  // finished
  EXPECT_EQ(hub.Subscribe(), nullptr);
  EXPECT_EQ(hub.Publish("z"), 0u);
}

TEST(EventBroadcaster, SlowSubscriberMissesEventsOthersGetThem) {
  EventBroadcaster hub(4, 8);
  auto slow = hub.Subscribe();
  auto fast = hub.Subscribe();
  std::string out;
  for (int i = 0; i < 10; ++i) {
    hub.Publish("abcd");
    fast->Take(out);
    EXPECT_EQ(out, "abcd");
  }
  slow->Take(out);
  EXPECT_EQ(out, "abcdabcd");  // two fit in 8 bytes; the rest were dropped
  EXPECT_EQ(slow->dropped(), 8u);
  EXPECT_EQ(hub.dropped(), 8u);
}

TEST(EventBroadcaster, ConcurrentPublishersAndConsumers) {
  EventBroadcaster hub(8, 1 << 20);
  std::vector<std::shared_ptr<EventStream>> streams;
  streams.reserve(4);
  for (int i = 0; i < 4; ++i) streams.push_back(hub.Subscribe());
  std::vector<std::thread> consumers;
  consumers.reserve(streams.size());
  std::vector<std::size_t> received(streams.size(), 0);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    consumers.emplace_back([&, i] {
      std::string out;
      while (true) {
        const bool last = streams[i]->Take(out);
        received[i] += out.size();
        if (last) return;
        std::this_thread::yield();
      }
    });
  }
  std::vector<std::thread> producers;
  producers.reserve(2);
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) hub.Publish("0123456789");
    });
  }
  for (std::thread& t : producers) t.join();
  hub.Shutdown();
  for (std::thread& t : consumers) t.join();
  for (std::size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(received[i] + streams[i]->dropped() * 10, 20000u);
  }
}

}  // namespace
}  // namespace churnml::serving
