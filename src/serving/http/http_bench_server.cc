// A tiny server over churnml_http for load tests with wrk (docs/http-server.md
// gives the command): GET /noop answers {} and POST /echo returns the body.
//   churnml_http_bench_server [port] [threads]
// Serves until SIGINT or SIGTERM, then drains.
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "serving/http/http_server.h"
#include "serving/http/router.h"

int main(int argc, char** argv) {
  using churnml::serving::HttpRequest;
  using churnml::serving::HttpResponse;
  churnml::serving::HttpServerOptions options;
  options.port = argc > 1 ? static_cast<uint16_t>(std::atoi(argv[1])) : 8080;
  options.threads = argc > 2 ? std::atoi(argv[2]) : 0;

  churnml::serving::Router router;
  churnml::Status status =
      router.Add("GET", "/noop",
                 [](const HttpRequest&, HttpResponse& response) { response.body.assign("{}"); });
  if (status.ok()) {
    status = router.Add("POST", "/echo", [](const HttpRequest& request, HttpResponse& response) {
      response.body.assign(request.body);
    });
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }

  // Block the signals before the workers start so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = churnml::serving::HttpServer::Start(options, router.AsHandler());
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", options.host.c_str(), (*server)->port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  (*server)->Stop();
  (*server)->Wait();
  const auto stats = (*server)->stats();
  std::printf("served %llu requests, %llu connections accepted, %llu rejected\n",
              static_cast<unsigned long long>(stats.requests),
              static_cast<unsigned long long>(stats.accepted_connections),
              static_cast<unsigned long long>(stats.rejected_connections));
  return 0;
}
