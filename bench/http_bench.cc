// churnml_http: routing cost and loopback round trips through the real server
// (one worker thread, a blocking client on the same machine). The wrk figures
// for many connections are in docs/http-server.md.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "serving/http/http_server.h"
#include "serving/http/router.h"

namespace {

using churnml::serving::HttpField;
using churnml::serving::HttpRequest;
using churnml::serving::HttpResponse;
using churnml::serving::Router;

// The prediction service's route table, roughly.
void AddServiceRoutes(Router& router) {
  const char* routes[][2] = {{"GET", "/health"},
                             {"GET", "/ready"},
                             {"GET", "/metrics"},
                             {"GET", "/info"},
                             {"POST", "/predict"},
                             {"POST", "/predict/batch"},
                             {"GET", "/v2/health/live"},
                             {"GET", "/v2/health/ready"},
                             {"GET", "/v2/models/{name}"},
                             {"GET", "/v2/models/{name}/ready"},
                             {"POST", "/v2/models/{name}/infer"},
                             {"GET", "/v2/models/{name}/versions/{version}"},
                             {"GET", "/v2/models/{name}/versions/{version}/ready"},
                             {"POST", "/v2/models/{name}/versions/{version}/infer"},
                             {"GET", "/noop"}};
  for (const auto& route : routes) {
    if (!router
             .Add(route[0], route[1],
                  [](const HttpRequest&, HttpResponse& response) { response.body.assign("{}"); })
             .ok()) {
      std::abort();
    }
  }
}

void BM_RouterMatch(benchmark::State& state, const char* method, const char* path) {
  Router router;
  AddServiceRoutes(router);
  std::vector<HttpField> params;
  params.reserve(4);
  for (auto _ : state) {
    auto match = router.Match(method, path, params);
    benchmark::DoNotOptimize(match);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_RouterMatch, literal_first, "GET", "/health");
BENCHMARK_CAPTURE(BM_RouterMatch, literal_last, "GET", "/noop");
BENCHMARK_CAPTURE(BM_RouterMatch, versioned_infer, "POST", "/v2/models/churn/versions/3/infer");
BENCHMARK_CAPTURE(BM_RouterMatch, no_route_404, "GET", "/nowhere/at/all");

// A keep-alive client on a plain blocking socket.
class LoopbackClient {
 public:
  explicit LoopbackClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) std::abort();
  }
  ~LoopbackClient() { ::close(fd_); }

  // Sends `requests` and reads until `responses` complete responses (each
  // ends with the 2-byte body "{}") arrived.
  void RoundTrip(const std::string& requests, int responses) {
    if (::send(fd_, requests.data(), requests.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(requests.size())) {
      std::abort();
    }
    int seen = 0;
    while (seen < responses) {
      const ssize_t got = ::recv(fd_, buffer_, sizeof(buffer_), 0);
      if (got <= 0) std::abort();
      pending_.append(buffer_, static_cast<std::size_t>(got));
      std::size_t end;
      while ((end = pending_.find("\r\n\r\n{}")) != std::string::npos) {
        pending_.erase(0, end + 6);
        ++seen;
      }
    }
  }

 private:
  int fd_;
  char buffer_[65536];
  std::string pending_;
};

void BM_LoopbackRoundTrip(benchmark::State& state) {
  Router router;
  AddServiceRoutes(router);
  churnml::serving::HttpServerOptions options;
  options.threads = 1;
  auto server = churnml::serving::HttpServer::Start(options, router.AsHandler());
  if (!server.ok()) {
    state.SkipWithError(server.status().ToString().c_str());
    return;
  }
  const int pipelined = static_cast<int>(state.range(0));
  std::string requests;
  for (int i = 0; i < pipelined; ++i) {
    requests += "GET /noop HTTP/1.1\r\nHost: bench\r\n\r\n";
  }
  LoopbackClient client((*server)->port());
  for (auto _ : state) client.RoundTrip(requests, pipelined);
  state.SetItemsProcessed(state.iterations() * pipelined);
}
BENCHMARK(BM_LoopbackRoundTrip)->Arg(1)->Arg(16)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
