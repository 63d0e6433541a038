// An HTTP receiver for the alerts tests: a real Beast server on 127.0.0.1
// that either holds connections open without answering (kHang) or answers
// 200 and records each request (kAnswer). Test-only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace churnml::monitoring::testing {

// A port nothing listens on right now (bound to port 0, then closed).
uint16_t FreePort();

class TestHttpReceiver {
 public:
  enum class Mode { kHang, kAnswer };
  struct Request {
    std::string method;
    std::string target;
    std::string body;
  };

  struct Response {
    int status = 200;
    std::string body = "{}";
  };
  using Handler = std::function<Response(const Request&)>;

  // Listens on 127.0.0.1:`port` until destroyed. In kAnswer mode each
  // request gets `handler`'s answer (200 "{}" without one).
  TestHttpReceiver(uint16_t port, Mode mode, Handler handler = nullptr);
  ~TestHttpReceiver();

  void set_mode(Mode mode) { mode_.store(mode); }
  std::vector<Request> requests() const;
  int connections() const { return connections_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<Mode> mode_;
  Handler handler_;
  std::atomic<int> connections_{0};
  mutable Mutex mu_;
  std::vector<Request> requests_ CHURNML_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace churnml::monitoring::testing
