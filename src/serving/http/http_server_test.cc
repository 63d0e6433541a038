// The server over real sockets on 127.0.0.1 (ephemeral ports).
#include "serving/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <iterator>
#include <latch>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "serving/http/event_stream.h"
#include "serving/http/http_test_client.h"
#include "serving/http/router.h"

namespace churnml::serving {
namespace {

using testing::GetRequest;
using testing::PostRequest;
using testing::TestClient;
using testing::TestResponse;

// Polls `condition` for up to 10 s (state the server updates on its own
// threads, e.g. a counter after a close); no timing is asserted.
template <typename Fn>
bool Eventually(Fn&& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// Runs server->Wait() on its own thread and reports whether it returned
// within `bound`, a hang guard (not a timing assertion): a drain bug fails
// the test instead of hanging the suite. When it did not return, the server
// and the thread are abandoned (leaked) so the fixture cannot hang either.
bool WaitReturns(std::unique_ptr<HttpServer>& server,
                 std::chrono::seconds bound = std::chrono::seconds(20)) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> returned = done->get_future();
  HttpServer* raw = server.get();
  std::thread waiter([raw, done] {
    raw->Wait();
    done->set_value();
  });
  if (returned.wait_for(bound) == std::future_status::ready) {
    waiter.join();
    return true;
  }
  waiter.detach();
  (void)server.release();
  return false;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_
                    .Add("GET", "/hello",
                         [](const HttpRequest&, HttpResponse& response) {
                           response.body = R"({"hello":"world"})";
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("POST", "/echo",
                         [](const HttpRequest& request, HttpResponse& response) {
                           response.content_type = "text/plain";
                           response.body = std::string(request.body);
                           response.headers.emplace_back("X-Seen-Query",
                                                         std::string(request.query));
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/models/{name}/versions/{version}",
                         [](const HttpRequest& request, HttpResponse& response) {
                           response.body = std::string(request.Param("name")) + "/" +
                                           std::string(request.Param("version"));
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("DELETE", "/models/{name}/versions/{version}",
                         [](const HttpRequest&, HttpResponse& response) { response.status = 204; })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/throw",
                         [](const HttpRequest&, HttpResponse&) {
                           throw std::runtime_error("secret internal detail");
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/inject",
                         [](const HttpRequest&, HttpResponse& response) {
                           response.headers.emplace_back("X-Bad", "a\r\nSet-Cookie: x=1");
                           response.headers.emplace_back("Content-Length", "999");
                           response.headers.emplace_back("X-Good", "fine");
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/block",
                         [this](const HttpRequest&, HttpResponse& response) {
                           entered_.count_down();
                           release_.wait();
                           response.body = "released";
                         })
                    .ok());
  }

  void StartServer(HttpServerOptions options = {}) {
    if (options.threads == 0) options.threads = 2;
    options.access_observer = [this](const AccessRecord& record) {
      std::lock_guard lock(records_mu_);
      records_.push_back({std::string(record.method), std::string(record.route), record.status,
                          std::string(record.request_id)});
    };
    auto server = HttpServer::Start(options, router_.AsHandler());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_NE(server_->port(), 0);
  }

  struct Record {
    std::string method;
    std::string route;
    int status;
    std::string request_id;
  };

  Router router_;
  std::latch entered_{1};
  std::latch release_{1};
  std::mutex records_mu_;
  std::vector<Record> records_;  // guarded by records_mu_
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesARouteWithParams) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/models/churn/versions/3")));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "churn/3");
  EXPECT_EQ(response->Header("content-type"), "application/json");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/x")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, R"({"error":"no route for GET /x"})");
  ASSERT_TRUE(client.Send(PostRequest("/models/a/versions/1", "{}")));
  response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->Header("allow"), "GET, HEAD, DELETE");
}

TEST_F(HttpServerTest, QueryStringIsSplitFromThePath) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(PostRequest("/echo?a=1&b=2", "body")));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "body");
  EXPECT_EQ(response->Header("content-type"), "text/plain");
  EXPECT_EQ(response->Header("x-seen-query"), "a=1&b=2");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  TestClient client(server_->port());
  for (int i = 0; i < 5; ++i) {
    const std::string body = "request " + std::to_string(i);
    ASSERT_TRUE(client.Send(PostRequest("/echo", body)));
    const auto response = client.Read();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->body, body);
    EXPECT_FALSE(response->Has("connection"));
  }
  EXPECT_EQ(server_->stats().accepted_connections, 1u);
  // Counted when the write completes, which may be just after the client read.
  EXPECT_TRUE(Eventually([&] { return server_->stats().requests == 5u; }));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  TestClient client(server_->port());
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += PostRequest("/echo", "n" + std::to_string(i));
  batch += GetRequest("/hello");
  ASSERT_TRUE(client.Send(batch));
  for (int i = 0; i < 20; ++i) {
    const auto response = client.Read();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->body, "n" + std::to_string(i));
  }
  const auto last = client.Read();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, R"({"hello":"world"})");
}

TEST_F(HttpServerTest, ChunkedBodyArrivesDechunked) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "hello world");
}

TEST_F(HttpServerTest, ContentLengthOverLimitIs413ThenClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(PostRequest("/echo", std::string(4096, 'x'))));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, R"({"error":"request body exceeds 1024 bytes"})");
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413ThenClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(server_->port());
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "200\r\n" + std::string(512, 'y') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.Send(request));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, BodyAtTheLimitIsAccepted) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(PostRequest("/echo", std::string(1024, 'z'))));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), 1024u);
}

TEST_F(HttpServerTest, GarbageIs400ThenCloseAndTheServerServesTheNextClient) {
  StartServer();
  {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send("\x01\x02 this is not http\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_TRUE(client.WaitForClose());
  }
  TestClient next(server_->port());
  ASSERT_TRUE(next.Send(GetRequest("/hello")));
  const auto response = next.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, AmbiguousFramingIs400) {
  StartServer();
  const std::string requests[] = {
      // Both Content-Length and chunked: the classic request-smuggling shape.
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
  };
  for (const std::string& request : requests) {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(request));
    const auto response = client.Read();
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->status, 400) << request;
    EXPECT_TRUE(client.WaitForClose()) << request;
  }
}

TEST_F(HttpServerTest, Http11RequestWithoutHostIs400) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("GET /hello HTTP/1.1\r\n\r\n"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body,
            R"({"error":"malformed HTTP request: HTTP/1.1 request without a Host header"})");
}

TEST_F(HttpServerTest, RandomAndMutatedInputNeverTakesTheServerDown) {
  HttpServerOptions options;
  options.max_body_bytes = 4096;
  StartServer(options);
  const std::string valid[] = {
      PostRequest("/echo?x=1", R"({"a":1})", "X-Request-Id: r1\r\n"),
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      GetRequest("/models/a/versions/1") + GetRequest("/hello"),
  };
  std::mt19937 random(20261128);
  for (int i = 0; i < 300; ++i) {
    std::string input = valid[static_cast<std::size_t>(i) % std::size(valid)];
    switch (i % 3) {
      case 0:  // flip bytes
        for (int flips = 0; flips < 1 + i % 5; ++flips) {
          input[random() % input.size()] = static_cast<char>(random() % 256);
        }
        break;
      case 1:  // truncate
        input.resize(random() % input.size());
        break;
      default:  // pure noise
        input.resize(1 + random() % 200);
        for (char& c : input) c = static_cast<char>(random() % 256);
    }
    TestClient client(server_->port());
    ASSERT_TRUE(client.connected()) << i;
    client.Send(input);
    client.ShutdownSend();
    EXPECT_TRUE(client.DrainUntilClose()) << i;
  }
  TestClient after(server_->port());
  ASSERT_TRUE(after.Send(GetRequest("/hello")));
  const auto response = after.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(Eventually([&] { return server_->stats().active_connections == 1; }));
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/hello", "X-Big: " + std::string(20000, 'a') + "\r\n")));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
}

TEST_F(HttpServerTest, HeaderTimeoutClosesAClientThatSendsHalfAHeader) {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestClient slow(server_->port());
  ASSERT_TRUE(slow.Send("GET /hello HTTP/1.1\r\nHost: t\r\n"));
  EXPECT_TRUE(slow.WaitForClose());
  // The worker was never held: another client is served.
  TestClient other(server_->port());
  ASSERT_TRUE(other.Send(GetRequest("/hello")));
  const auto response = other.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, ReadTimeoutClosesAClientThatStallsInTheBody) {
  HttpServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestClient slow(server_->port());
  ASSERT_TRUE(slow.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc"));
  EXPECT_TRUE(slow.WaitForClose());
}

TEST_F(HttpServerTest, IdleTimeoutClosesAKeepAliveConnection) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/hello")));
  ASSERT_TRUE(client.Read());
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(Eventually([&] { return server_->stats().active_connections == 0; }));
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitAreAcceptedAndClosed) {
  HttpServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  TestClient first(server_->port());
  TestClient second(server_->port());
  for (TestClient* client : {&first, &second}) {
    ASSERT_TRUE(client->Send(GetRequest("/hello")));
    ASSERT_TRUE(client->Read());
  }
  TestClient third(server_->port());
  EXPECT_TRUE(third.WaitForClose());
  EXPECT_TRUE(Eventually([&] { return server_->stats().rejected_connections == 1; }));
  EXPECT_EQ(server_->stats().active_connections, 2u);
  // Existing connections still work.
  ASSERT_TRUE(first.Send(GetRequest("/hello")));
  ASSERT_TRUE(first.Read());
}

TEST_F(HttpServerTest, EveryResponseCarriesSecurityHeadersAndARequestId) {
  StartServer();
  TestClient client(server_->port());
  for (const std::string path : {"/hello", "/nowhere"}) {
    ASSERT_TRUE(client.Send(GetRequest(path)));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->Header("x-content-type-options"), "nosniff");
    EXPECT_EQ(response->Header("x-frame-options"), "DENY");
    EXPECT_EQ(response->Header("content-security-policy"), "default-src 'none'");
    EXPECT_EQ(response->Header("referrer-policy"), "no-referrer");
    EXPECT_EQ(response->Header("cache-control"), "no-store");
    EXPECT_TRUE(response->Has("date"));
    EXPECT_FALSE(response->Header("x-request-id").empty());
  }
}

TEST_F(HttpServerTest, GeneratedRequestIdsAreUnique) {
  StartServer();
  TestClient client(server_->port());
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(client.Send(GetRequest("/hello")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    ids.insert(response->Header("x-request-id"));
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST_F(HttpServerTest, SaneClientRequestIdIsHonouredAndOthersAreReplaced) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/hello", "X-Request-Id: abc-123_DEF.4\r\n")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("x-request-id"), "abc-123_DEF.4");

  ASSERT_TRUE(client.Send(GetRequest("/hello", "X-Request-Id: <script>\r\n")));
  response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_NE(response->Header("x-request-id"), "<script>");
  EXPECT_FALSE(response->Header("x-request-id").empty());

  ASSERT_TRUE(client.Send(GetRequest("/hello", "X-Request-Id: " + std::string(129, 'a') + "\r\n")));
  response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_NE(response->Header("x-request-id"), std::string(129, 'a'));
}

TEST_F(HttpServerTest, HandlerHeadersCannotInjectOrOverrideFraming) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/inject")));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->Has("x-bad"));
  EXPECT_FALSE(response->Has("set-cookie"));
  EXPECT_EQ(response->Header("content-length"), "0");
  EXPECT_EQ(response->Header("x-good"), "fine");
  // The connection is still in sync.
  ASSERT_TRUE(client.Send(GetRequest("/hello")));
  ASSERT_TRUE(client.Read());
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutInternalsAndTheServerStaysUp) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/throw")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, R"({"error":"internal error"})");
  ASSERT_TRUE(client.Send(GetRequest("/hello")));
  response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, NoContentResponseHasNoBody) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("DELETE /models/a/versions/1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);
  EXPECT_FALSE(response->Has("content-length"));
  ASSERT_TRUE(client.Send(GetRequest("/hello")));
  const auto next = client.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpServerTest, HeadGetsTheHeadersWithoutTheBody) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto head = client.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_NE(head->find("Content-Length: 17\r\n"), std::string::npos) << *head;
  // No body followed: the next response starts right after the head.
  ASSERT_TRUE(client.Send(GetRequest("/hello")));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"hello":"world"})");
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  const auto interim = client.ReadHead();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->rfind("HTTP/1.1 100 Continue", 0), 0u);
  ASSERT_TRUE(client.Send("data"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "data");
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  StartServer();
  {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send("GET /hello HTTP/1.0\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_TRUE(client.WaitForClose());
  }
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("connection"), "keep-alive");
  ASSERT_TRUE(client.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  ASSERT_TRUE(client.Read());
}

TEST_F(HttpServerTest, ObserverSeesRoutePatternStatusAndRequestId) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/models/m/versions/2", "X-Request-Id: trace-1\r\n")));
  ASSERT_TRUE(client.Read());
  ASSERT_TRUE(client.Send(GetRequest("/missing")));
  ASSERT_TRUE(client.Read());
  // The observer runs after the write completes, on the worker thread.
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(records_mu_);
    return records_.size() == 2;
  }));
  std::lock_guard lock(records_mu_);
  EXPECT_EQ(records_[0].method, "GET");
  EXPECT_EQ(records_[0].route, "/models/{name}/versions/{version}");
  EXPECT_EQ(records_[0].status, 200);
  EXPECT_EQ(records_[0].request_id, "trace-1");
  EXPECT_EQ(records_[1].route, "");
  EXPECT_EQ(records_[1].status, 404);
}

TEST_F(HttpServerTest, StopDrainsAnInFlightRequestAndRefusesNewConnections) {
  HttpServerOptions options;
  options.threads = 1;
  StartServer(options);
  TestClient busy(server_->port());
  TestClient idle(server_->port());
  ASSERT_TRUE(idle.Send(GetRequest("/hello")));
  ASSERT_TRUE(idle.Read());
  ASSERT_TRUE(busy.Send(GetRequest("/block")));
  entered_.wait();  // the handler is running and blocked

  server_->Stop();
  TestClient late(server_->port());
  const bool refused = !late.connected() || !late.Send(GetRequest("/hello")) || !late.Read();
  EXPECT_TRUE(refused);

  release_.count_down();
  const auto response = busy.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "released");
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(busy.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());
  server_->Wait();
  EXPECT_EQ(server_->stats().active_connections, 0u);
}

TEST_F(HttpServerTest, StopRefusesNewConnectionsOnEveryWorker) {
  HttpServerOptions options;
  options.threads = 4;
  StartServer(options);
  TestClient busy(server_->port());
  ASSERT_TRUE(busy.Send(GetRequest("/block")));
  entered_.wait();
  server_->Stop();
  // SO_REUSEPORT would hand each attempt to any of the four listeners.
  for (int i = 0; i < 20; ++i) {
    TestClient late(server_->port());
    EXPECT_FALSE(late.connected()) << i;
  }
  release_.count_down();
  const auto response = busy.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  server_->Wait();
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnectionsAndWaitReturns) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/hello")));
  ASSERT_TRUE(client.Read());
  server_->Stop();
  EXPECT_TRUE(client.WaitForClose());
  server_->Wait();
  server_->Stop();  // idempotent
}

TEST_F(HttpServerTest, DrainTimeoutForceClosesAStalledClient) {
  HttpServerOptions options;
  options.drain_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestClient stalled(server_->port());
  ASSERT_TRUE(stalled.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab"));
  ASSERT_TRUE(Eventually([&] { return server_->stats().active_connections == 1; }));
  server_->Stop();
  server_->Wait();  // returns although the client never finishes its body
  EXPECT_TRUE(stalled.WaitForClose());
}

// Keep-alive clients that each finished a request and stay open, spread
// over two workers by SO_REUSEPORT. The drain has to end by itself: the
// default idle_timeout (60 s) and drain_timeout (30 s) are longer than the
// hang guard, so neither can rescue a connection the drain forgot.
std::vector<std::unique_ptr<TestClient>> OpenIdleKeepAliveClients(uint16_t port, int count) {
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < count; ++i) {
    auto client = std::make_unique<TestClient>(port);
    if (!client->Send(PostRequest("/echo", R"({"n":1})"))) break;
    const auto response = client->Read();
    if (!response || response->status != 200) break;
    clients.push_back(std::move(client));
  }
  return clients;
}

TEST_F(HttpServerTest, StopFromAnotherThreadWhileAHandlerBlocksDrainsEveryWorker) {
  HttpServerOptions options;
  options.threads = 2;
  StartServer(options);
  auto idle = OpenIdleKeepAliveClients(server_->port(), 8);
  ASSERT_EQ(idle.size(), 8u);
  TestClient busy(server_->port());
  ASSERT_TRUE(busy.Send(GetRequest("/block")));
  entered_.wait();  // one worker is stuck in the handler

  std::thread([this] { server_->Stop(); }).join();
  release_.count_down();

  const auto response = busy.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "released");
  EXPECT_EQ(response->Header("connection"), "close");
  ASSERT_TRUE(WaitReturns(server_)) << "Wait() did not return after Stop()";
  EXPECT_TRUE(busy.WaitForClose());
  for (std::size_t i = 0; i < idle.size(); ++i) EXPECT_TRUE(idle[i]->WaitForClose()) << i;
  EXPECT_EQ(server_->stats().active_connections, 0u);
}

// A client has sent half a request header when Stop() is called: its
// request is in flight, so once it completes it is answered with
// Connection: close, and the drain still ends.
class HttpServerHalfSentTest : public HttpServerTest {
 protected:
  void Run(int threads) {
    HttpServerOptions options;
    options.threads = threads;
    StartServer(options);
    auto idle = OpenIdleKeepAliveClients(server_->port(), 4);
    ASSERT_EQ(idle.size(), 4u);
    std::vector<std::unique_ptr<TestClient>> halves;
    for (int i = 0; i < 4; ++i) {
      halves.push_back(std::make_unique<TestClient>(server_->port()));
      ASSERT_TRUE(halves.back()->Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Le"));
    }
    ASSERT_TRUE(Eventually([&] { return server_->stats().active_connections == 8; }));
    TestClient busy(server_->port());
    ASSERT_TRUE(busy.Send(GetRequest("/block")));
    entered_.wait();

    std::thread([this] { server_->Stop(); }).join();
    for (auto& half : halves) ASSERT_TRUE(half->Send("ngth: 2\r\n\r\nhi"));
    release_.count_down();

    const auto blocked = busy.Read();
    ASSERT_TRUE(blocked);
    EXPECT_EQ(blocked->status, 200);
    EXPECT_EQ(blocked->Header("connection"), "close");
    for (std::size_t i = 0; i < halves.size(); ++i) {
      const auto response = halves[i]->Read();
      ASSERT_TRUE(response) << i;
      EXPECT_EQ(response->status, 200) << i;
      EXPECT_EQ(response->body, "hi") << i;
      EXPECT_EQ(response->Header("connection"), "close") << i;
    }
    ASSERT_TRUE(WaitReturns(server_)) << "Wait() did not return after Stop()";
    for (auto& half : halves) EXPECT_TRUE(half->WaitForClose());
    for (auto& client : idle) EXPECT_TRUE(client->WaitForClose());
  }
};

TEST_F(HttpServerHalfSentTest, OneWorker) { Run(1); }
TEST_F(HttpServerHalfSentTest, TwoWorkers) { Run(2); }

// Requests sent on idle keep-alive connections right after Stop() returned,
// while a handler still blocks a worker: each is either answered with
// Connection: close (it reached the server before the drain looked at the
// connection) or the connection is closed unanswered, and the drain ends.
TEST_F(HttpServerTest, StopWithRequestsArrivingOnKeepAliveConnectionsStillDrains) {
  HttpServerOptions options;
  options.threads = 2;
  StartServer(options);
  auto idle = OpenIdleKeepAliveClients(server_->port(), 8);
  ASSERT_EQ(idle.size(), 8u);
  TestClient busy(server_->port());
  ASSERT_TRUE(busy.Send(GetRequest("/block")));
  entered_.wait();

  std::thread([this] { server_->Stop(); }).join();
  for (auto& client : idle) client->Send(PostRequest("/echo", "late"));
  release_.count_down();

  const auto blocked = busy.Read();
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 200);
  EXPECT_EQ(blocked->Header("connection"), "close");
  for (std::size_t i = 0; i < idle.size(); ++i) {
    const auto response = idle[i]->Read();
    if (response) {
      EXPECT_EQ(response->status, 200) << i;
      EXPECT_EQ(response->body, "late") << i;
      EXPECT_EQ(response->Header("connection"), "close") << i;
      EXPECT_TRUE(idle[i]->WaitForClose()) << i;
    }
  }
  ASSERT_TRUE(WaitReturns(server_)) << "Wait() did not return after Stop()";
  EXPECT_EQ(server_->stats().active_connections, 0u);
}

// With a single worker blocked in a handler, requests that reach idle
// keep-alive connections after Stop() arrive before the worker can look at
// them: they are in flight, and are answered with Connection: close.
TEST_F(HttpServerTest, RequestsThatArrivedWhileTheWorkerWasBlockedAreAnswered) {
  HttpServerOptions options;
  options.threads = 1;
  StartServer(options);
  auto idle = OpenIdleKeepAliveClients(server_->port(), 4);
  ASSERT_EQ(idle.size(), 4u);
  TestClient busy(server_->port());
  ASSERT_TRUE(busy.Send(GetRequest("/block")));
  entered_.wait();

  server_->Stop();
  for (auto& client : idle) ASSERT_TRUE(client->Send(PostRequest("/echo", "late")));
  release_.count_down();

  ASSERT_TRUE(busy.Read());
  for (std::size_t i = 0; i < idle.size(); ++i) {
    const auto response = idle[i]->Read();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->status, 200) << i;
    EXPECT_EQ(response->body, "late") << i;
    EXPECT_EQ(response->Header("connection"), "close") << i;
  }
  ASSERT_TRUE(WaitReturns(server_)) << "Wait() did not return after Stop()";
  for (auto& client : idle) EXPECT_TRUE(client->WaitForClose());
}

// The worker's periodic deadline check falls due while the worker is stuck
// in a handler after Stop(); its completion is then already queued when the
// last connection goes and the drain finishes, and it must not re-arm
// itself (an armed timer keeps the worker's io_context, and Wait(), alive).
// header_timeout sets the check period to 10 ms; blocking for 100 ms makes
// sure it falls due during the handler.
TEST_F(HttpServerTest, StopWhileTheLastConnectionIsInAHandlerAcrossADeadlineCheck) {
  for (const int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    Router router;
    std::latch entered(1);
    std::latch release(1);
    ASSERT_TRUE(router
                    .Add("POST", "/slow",
                         [&](const HttpRequest& request, HttpResponse& response) {
                           entered.count_down();
                           release.wait();
                           response.body = std::string(request.body);
                         })
                    .ok());
    HttpServerOptions options;
    options.threads = threads;
    options.header_timeout = std::chrono::milliseconds(40);
    auto started = HttpServer::Start(options, router.AsHandler());
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    std::unique_ptr<HttpServer> server = std::move(started).value();

    TestClient busy(server->port());
    ASSERT_TRUE(busy.Send(PostRequest("/slow", "in flight")));
    entered.wait();
    std::thread([&] { server->Stop(); }).join();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release.count_down();

    const auto response = busy.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "in flight");
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_TRUE(busy.WaitForClose());
    ASSERT_TRUE(WaitReturns(server)) << "Wait() did not return after Stop()";
    EXPECT_EQ(server->stats().active_connections, 0u);
  }
}

// Keep-alive clients hammering the server on every worker while Stop()
// arrives from another thread, with one handler blocked at that moment:
// every client ends up closed and Wait() returns, round after round.
TEST_F(HttpServerTest, StopUnderKeepAliveLoadDrainsAndWaitReturns) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    Router router;
    std::atomic<bool> block_next{false};
    std::latch blocked(1);
    std::latch unblock(1);
    ASSERT_TRUE(router
                    .Add("POST", "/echo",
                         [&](const HttpRequest& request, HttpResponse& response) {
                           if (block_next.exchange(false)) {
                             blocked.count_down();
                             unblock.wait();
                           }
                           response.body = std::string(request.body);
                         })
                    .ok());
    HttpServerOptions options;
    options.threads = 2;
    auto started = HttpServer::Start(options, router.AsHandler());
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    std::unique_ptr<HttpServer> server = std::move(started).value();
    const uint16_t port = server->port();

    std::atomic<int> answered{0};
    std::atomic<int> ended_cleanly{0};
    constexpr int kClients = 16;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        TestClient client(port);
        if (!client.connected()) {
          ended_cleanly.fetch_add(1);
          return;
        }
        while (true) {
          if (!client.Send(PostRequest("/echo", std::to_string(c)))) break;
          const auto response = client.Read();
          if (!response) break;
          answered.fetch_add(1);
          if (response->Header("connection") == "close") {
            client.WaitForClose();
            break;
          }
        }
        ended_cleanly.fetch_add(1);
      });
    }
    ASSERT_TRUE(Eventually([&] { return answered.load() >= 200; }));
    block_next.store(true);
    blocked.wait();
    std::thread([&] { server->Stop(); }).join();
    unblock.count_down();
    const bool returned = WaitReturns(server);
    EXPECT_TRUE(returned) << "Wait() did not return after Stop()";
    for (auto& thread : clients) thread.join();
    EXPECT_EQ(ended_cleanly.load(), kClients);
    if (!returned) return;
    EXPECT_EQ(server->stats().active_connections, 0u);
  }
}

// ---- Framing and per-request byte limits (every byte before a handler) ----

// Sends `request` and the repeated `filler` up to `total` bytes (ignoring a
// send that fails because the server already answered and closed), then
// returns the server's answer.
std::optional<TestResponse> SendFlood(TestClient& client, const std::string& request,
                                      const std::string& filler, std::size_t total) {
  client.Send(request);
  std::string block;
  while (block.size() < 64 * 1024) block += filler;
  for (std::size_t sent = 0; sent < total; sent += block.size()) {
    if (!client.Send(block)) break;
  }
  return client.Read();
}

TEST_F(HttpServerTest, TrailerFloodIs431AndTheServerKeepsServing) {
  StartServer();
  TestClient client(server_->port());
  // A valid chunked body, then an endless trailer section.
  const auto response = SendFlood(
      client,
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n",
      "X-Trailer-Flood: " + std::string(100, 'a') + "\r\n", 8 << 20);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->body,
            R"({"error":"request trailer section or chunk line exceeds 16384 bytes"})");
  EXPECT_EQ(response->Header("connection"), "close");
  TestClient next(server_->port());
  ASSERT_TRUE(next.Send(GetRequest("/hello")));
  const auto ok = next.Read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, TrailerFieldsAreDiscardedNotMergedIntoTheHeader) {
  ASSERT_TRUE(router_
                  .Add("POST", "/auth-probe",
                       [](const HttpRequest& request, HttpResponse& response) {
                         response.body = "authorization=[" +
                                         std::string(request.Header("Authorization")) +
                                         "] body=" + std::string(request.body);
                       })
                  .ok());
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.Send("POST /auth-probe HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "2\r\nhi\r\n0\r\nAuthorization: Bearer smuggled-in-a-trailer\r\n\r\n"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "authorization=[] body=hi");
}

TEST_F(HttpServerTest, LongChunkExtensionIs431) {
  StartServer();
  TestClient client(server_->port());
  const auto response = SendFlood(
      client, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=",
      std::string(1000, 'e'), 4 << 20);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
}

TEST_F(HttpServerTest, ManySmallChunksWithExtensionsAre400) {
  StartServer();
  TestClient client(server_->port());
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  // Each chunk line under the buffer bound, but 1 data byte per 500 bytes
  // of extension: 200 of them are 100 KB of non-data.
  for (int i = 0; i < 200; ++i) request += "1;x=" + std::string(500, 'e') + "\r\nz\r\n";
  request += "0\r\n\r\n";
  client.Send(request);
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("chunk lines and extensions"), std::string::npos) << response->body;
}

TEST_F(HttpServerTest, ChunkedBodyWithShortExtensionsAndSmallTrailerIsAccepted) {
  StartServer();
  TestClient client(server_->port());
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 100; ++i) request += "a;n=" + std::to_string(i) + "\r\n0123456789\r\n";
  request += "0\r\nX-Checksum: abc\r\n\r\n";
  ASSERT_TRUE(client.Send(request));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), 1000u);
}

TEST_F(HttpServerTest, TransferEncodingOtherThanChunkedIs400AndTheSmuggledRequestNeverRuns) {
  std::atomic<int> smuggled{0};
  ASSERT_TRUE(router_
                  .Add("GET", "/smuggled",
                       [&smuggled](const HttpRequest&, HttpResponse& response) {
                         smuggled.fetch_add(1);
                         response.body = "ran";
                       })
                  .ok());
  StartServer();
  const std::string inner = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";
  const std::string codings[] = {"xchunked", "gzip",          "chunked, identity",
                                 "identity", "gzip, chunked", "chunked, chunked",
                                 "deflate",  ",chunked",      "chunked;q=1"};
  for (const std::string& coding : codings) {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + coding +
                            "\r\n\r\n" + inner));
    const auto response = client.Read();
    ASSERT_TRUE(response) << coding;
    EXPECT_EQ(response->status, 400) << coding;
    EXPECT_NE(response->body.find("Transfer-Encoding"), std::string::npos) << response->body;
    EXPECT_EQ(response->Header("connection"), "close") << coding;
    EXPECT_TRUE(client.WaitForClose()) << coding;
  }
  const std::string others[] = {
      // A second Transfer-Encoding field.
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
          inner,
      // HTTP/1.0 has no chunked coding.
      "POST /echo HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + inner,
      // Content-Length with a non-chunked Transfer-Encoding.
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\nContent-Length: 0\r\n\r\n" +
          inner,
  };
  for (const std::string& request : others) {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(request));
    const auto response = client.Read();
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->status, 400) << request;
    EXPECT_TRUE(client.WaitForClose()) << request;
  }
  EXPECT_EQ(smuggled.load(), 0);
}

TEST_F(HttpServerTest, ContentLengthMustBeOneDecimalNumber) {
  StartServer();
  const std::string requests[] = {
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0x3\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\nabc",
  };
  for (const std::string& request : requests) {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(request));
    const auto response = client.Read();
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->status, 400) << request;
    EXPECT_TRUE(client.WaitForClose()) << request;
  }
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length:  3 \r\n\r\nabc"));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "abc");
}

TEST_F(HttpServerTest, HeaderLimitIsConfigurable) {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/hello", "X-Big: " + std::string(3000, 'a') + "\r\n")));
  const auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->body, R"({"error":"request header exceeds 2048 bytes"})");
  TestClient small(server_->port());
  ASSERT_TRUE(small.Send(GetRequest("/hello", "X-Small: " + std::string(1000, 'a') + "\r\n")));
  const auto ok = small.Read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, WriteTimeoutClosesAClientThatDoesNotReadItsAnswer) {
  ASSERT_TRUE(router_
                  .Add("GET", "/large",
                       [](const HttpRequest&, HttpResponse& response) {
                         response.body.assign(64 << 20, 'x');
                       })
                  .ok());
  HttpServerOptions options;
  options.write_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/large")));
  // The client never reads: the server gives up on the write and closes,
  // releasing the buffered answer.
  EXPECT_TRUE(Eventually([&] { return server_->stats().active_connections == 0; }));
}

// Server-sent events: a handler answers with a stream a producer thread
// feeds (event_stream.h).
class HttpStreamTest : public HttpServerTest {
 protected:
  void AddEventsRoute(EventBroadcaster* hub) {
    ASSERT_TRUE(router_
                    .Add("GET", "/events",
                         [hub](const HttpRequest&, HttpResponse& response) {
                           response.stream = hub->Subscribe();
                           if (!response.stream) {
                             response.SetError(503, "too many event streams");
                             return;
                           }
                           response.content_type = "text/event-stream";
                           response.headers.emplace_back("Content-Security-Policy",
                                                         "default-src 'self'");
                         })
                    .ok());
  }

  // Publishes numbered events until `client` has read one (the subscriber
  // appears after the head is written); returns what it read.
  static std::optional<std::string> ReadOneEvent(EventBroadcaster& hub, TestClient& client) {
    std::atomic<bool> stop{false};
    std::thread producer([&] {
      for (int i = 0; !stop && i < 2000; ++i) {
        hub.Publish(FormatServerSentEvent("tick", std::to_string(i)));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    std::optional<std::string> event = client.ReadUntil("\n\n");
    stop = true;
    producer.join();
    return event;
  }
};

TEST_F(HttpStreamTest, StreamsEventsWithoutBlockingTheWorkerAndEndsWhenFinished) {
  EventBroadcaster hub(4, 64 * 1024);
  AddEventsRoute(&hub);
  HttpServerOptions options;
  options.threads = 1;  // the stream and the other client share one worker
  options.idle_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/events")));
  const std::optional<std::string> head = client.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << *head;
  EXPECT_NE(head->find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(head->find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(head->find("Content-Length"), std::string::npos);
  // The handler's policy replaces the server's default-src 'none'.
  EXPECT_NE(head->find("Content-Security-Policy: default-src 'self'\r\n"), std::string::npos);
  EXPECT_EQ(head->find("default-src 'none'"), std::string::npos);

  const std::optional<std::string> event = ReadOneEvent(hub, client);
  ASSERT_TRUE(event.has_value());
  EXPECT_NE(event->find("event: tick\ndata: "), std::string::npos) << *event;

  // The one worker still answers other clients while the stream is open,
  // and the stream outlives the idle timeout.
  TestClient other(server_->port());
  ASSERT_TRUE(other.Send(GetRequest("/hello")));
  const std::optional<TestResponse> hello = other.Read();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(ReadOneEvent(hub, client).has_value());

  hub.Publish(FormatServerSentEvent("", "bye"));
  hub.Shutdown();
  const std::optional<std::string> last = client.ReadUntil("data: bye\n\n");
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(client.DrainUntilClose());
  EXPECT_TRUE(Eventually([&] { return server_->stats().active_connections == 0; }));
  std::lock_guard lock(records_mu_);
  bool seen = false;
  for (const Record& record : records_)
    seen = seen || (record.route == "/events" && record.status == 200);
  EXPECT_TRUE(seen);
}

TEST_F(HttpStreamTest, ClientGoingAwayClosesTheStream) {
  EventBroadcaster hub(4, 64 * 1024);
  AddEventsRoute(&hub);
  StartServer();
  {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(GetRequest("/events")));
    ASSERT_TRUE(client.ReadHead().has_value());
    ASSERT_TRUE(ReadOneEvent(hub, client).has_value());
    EXPECT_EQ(hub.subscribers(), 1u);
  }  // closed
  EXPECT_TRUE(Eventually([&] {
    hub.Publish(FormatServerSentEvent("", "x"));
    return hub.subscribers() == 0 && server_->stats().active_connections == 0;
  }));
}

TEST_F(HttpStreamTest, SubscribersOverTheBoundGet503) {
  EventBroadcaster hub(1, 64 * 1024);
  AddEventsRoute(&hub);
  StartServer();
  TestClient first(server_->port());
  ASSERT_TRUE(first.Send(GetRequest("/events")));
  ASSERT_TRUE(first.ReadHead().has_value());
  TestClient second(server_->port());
  ASSERT_TRUE(second.Send(GetRequest("/events")));
  const std::optional<TestResponse> refused = second.Read();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Header("content-length"), std::to_string(refused->body.size()));
}

TEST_F(HttpStreamTest, HeadRequestGetsNoStream) {
  EventBroadcaster hub(4, 64 * 1024);
  AddEventsRoute(&hub);
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("HEAD /events HTTP/1.1\r\nHost: test\r\n\r\n"));
  const std::optional<TestResponse> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("content-length"), "0");
  EXPECT_EQ(hub.Publish("x"), 0u);  // the handler's stream was released
}

TEST_F(HttpStreamTest, StopEndsOpenStreamsAndWaitReturns) {
  EventBroadcaster hub(4, 64 * 1024);
  AddEventsRoute(&hub);
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/events")));
  ASSERT_TRUE(client.ReadHead().has_value());
  ASSERT_TRUE(ReadOneEvent(hub, client).has_value());
  server_->Stop();
  EXPECT_TRUE(client.DrainUntilClose());
  EXPECT_TRUE(WaitReturns(server_));
  EXPECT_EQ(hub.Publish("x"), 0u);  // the stream was finished by the drain
}

TEST_F(HttpStreamTest, SlowClientDropsEventsAndIsClosedByTheWriteTimeout) {
  constexpr std::size_t kBound = 256 * 1024;
  EventBroadcaster hub(4, kBound);
  AddEventsRoute(&hub);
  HttpServerOptions options;
  options.write_timeout = std::chrono::milliseconds(500);
  StartServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(GetRequest("/events")));
  ASSERT_TRUE(client.ReadHead().has_value());
  ASSERT_TRUE(ReadOneEvent(hub, client).has_value());
  // The client stops reading; 64 MiB of events fill the socket buffers and
  // then the stream's bound: the rest is dropped, not buffered, and the
  // stalled write ends the connection.
  const std::string event = FormatServerSentEvent("", std::string(64 * 1024, 'x'));
  for (int i = 0; i < 1024 && hub.subscribers() > 0; ++i) hub.Publish(event);
  EXPECT_GT(hub.dropped(), 0u);
  EXPECT_TRUE(Eventually([&] {
    hub.Publish(event);
    return server_->stats().active_connections == 0 && hub.subscribers() == 0;
  }));
}

TEST(HttpServer, LoopbackHostsAreRecognised) {
  for (const char* host : {"localhost", "127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "10.1.2.3", "192.168.0.1", "::ffff:10.0.0.1", "not-an-address", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(HttpServer, BindFailureNamesHostAndPort) {
  auto handler = [](HttpRequest&, HttpResponse&) {};
  HttpServerOptions options;
  options.threads = 2;
  auto first = HttpServer::Start(options, handler);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  options.port = (*first)->port();
  auto second = HttpServer::Start(options, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIOError);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(options.port)),
            std::string::npos)
      << second.status().message();
}

TEST(HttpServer, RejectsInvalidOptions) {
  auto handler = [](HttpRequest&, HttpResponse&) {};
  HttpServerOptions options;
  options.host = "not-an-address";
  EXPECT_EQ(HttpServer::Start(options, handler).status().code(), StatusCode::kInvalidArgument);
  options = {};
  options.max_body_bytes = 0;
  auto result = HttpServer::Start(options, handler);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("max_body_bytes"), std::string::npos);
  options = {};
  options.max_header_bytes = 100;
  result = HttpServer::Start(options, handler);
  EXPECT_NE(result.status().message().find("max_header_bytes"), std::string::npos);
  options = {};
  options.write_timeout = std::chrono::milliseconds(0);
  result = HttpServer::Start(options, handler);
  EXPECT_NE(result.status().message().find("write_timeout"), std::string::npos);
  options = {};
  options.header_timeout = std::chrono::milliseconds(0);
  result = HttpServer::Start(options, handler);
  EXPECT_NE(result.status().message().find("header_timeout"), std::string::npos);
  EXPECT_EQ(HttpServer::Start({}, HttpHandler()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace churnml::serving
