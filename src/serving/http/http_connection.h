// Internal to churnml_http: one accepted TCP connection, served request by
// request (keep-alive, pipelining in order) on its worker's thread. Buffers,
// the request/response objects and the header arena are reused for every
// request on the connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "serving/http/event_stream.h"
#include "serving/http/http_message.h"
#include "serving/http/request_parser.h"

namespace churnml::serving {

class Worker;
class HttpServerState;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  Connection(Worker& worker, boost::asio::ip::tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Closes the connection when its current phase's deadline has passed.
  void CheckDeadline(TimePoint now);
  // Server stopping: closes an idle keep-alive connection now; a request in
  // progress (including one whose first bytes have arrived but are not read
  // yet) finishes and is answered with Connection: close; a stream is
  // finished (what is queued is written, then the connection closes).
  void OnDrain();
  void Close();

  std::size_t registry_index = 0;  // owned by Worker

 private:
  enum class Phase { kIdle, kReading, kContinue, kWriting, kStreaming, kLingering, kClosed };

  void BeginRequest();
  void StartTiming();
  void Read();
  void OnRead(const boost::system::error_code& ec, std::size_t bytes);
  void Parse();
  bool OnHeaderDone();  // true when a 100 Continue write was started
  void Dispatch();
  // Answers 400/413/431 for a request that cannot be served, then closes.
  void FailRequest(const boost::system::error_code& ec, std::string_view detail = {});
  void FailRequest(const FramingError& error);
  // The 431 for input that waits unparsed beyond the header limit.
  FramingError OversizedFramingError() const;
  void FillRequestLine();
  void WriteResponse();
  void OnWrite(const boost::system::error_code& ec, std::size_t bytes);
  void LingeringClose();
  // After a streamed response's head: the stream's bytes are written as a
  // producer sends them (woken through the worker's io_context), input is
  // read and discarded only to notice the client going away.
  void BeginStream();
  void PumpStream();
  void OnStreamWrite(const boost::system::error_code& ec);
  void NotifyAccess(std::size_t bytes);
  // Bytes received by the kernel and not read yet.
  bool InputWaiting();

  Worker& worker_;
  HttpServerState& state_;
  boost::asio::ip::tcp::socket socket_;
  std::string remote_address_;
  Phase phase_ = Phase::kIdle;
  TimePoint deadline_{};
  TimePoint request_start_{};
  bool header_done_ = false;
  bool keep_alive_ = true;
  bool request_failed_ = false;  // answered 400/413/431: linger before closing

  boost::beast::flat_buffer buffer_;
  RequestStorage storage_;
  std::optional<RequestParser> parser_;
  HttpRequest request_;
  HttpResponse response_;
  std::string request_id_;
  std::string head_;
  std::shared_ptr<EventStream> stream_;  // while streaming
  std::string stream_out_;               // the bytes being written
  bool stream_writing_ = false;
  bool stream_last_ = false;  // stream_out_ holds the stream's last bytes
};

}  // namespace churnml::serving
