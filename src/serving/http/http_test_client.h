// A blocking POSIX-socket HTTP/1.1 client for the server tests: raw bytes
// out, responses parsed by hand (so the tests do not depend on the code they
// test), every receive bounded by SO_RCVTIMEO so a broken server fails a
// test instead of hanging it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace churnml::serving::testing {

struct TestResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool Has(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
};

class TestClient {
 public:
  explicit TestClient(uint16_t port);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(std::string_view data);
  // One response, or nullopt when the connection ended (or timed out)
  // before a complete one arrived.
  std::optional<TestResponse> Read();
  // Reads until "\r\n\r\n" (for an interim 100 Continue); the head text.
  std::optional<std::string> ReadHead();
  // True when the server closed the connection (EOF or reset) with no
  // further bytes; false on timeout or unexpected data.
  bool WaitForClose();
  // Half-closes the sending side (the server sees EOF).
  void ShutdownSend();
  // Reads until `marker` has arrived; returns everything up to and
  // including it (and keeps the rest), or nullopt when the connection ended
  // or timed out first.
  std::optional<std::string> ReadUntil(std::string_view marker);
  // Reads and discards until the server closes; false on timeout.
  bool DrainUntilClose();

 private:
  bool Fill();  // one recv into pending_; false on EOF, error or timeout

  int fd_ = -1;
  bool timed_out_ = false;
  std::string pending_;
};

// "GET <path> HTTP/1.1" with Host and `extra` header lines ("A: b\r\n").
std::string GetRequest(std::string_view path, std::string_view extra = "");
std::string PostRequest(std::string_view path, std::string_view body, std::string_view extra = "");

}  // namespace churnml::serving::testing
