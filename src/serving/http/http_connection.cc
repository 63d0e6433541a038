#include "serving/http/http_connection.h"

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <exception>

#include "serving/http/http_worker.h"
#include "serving/http/response_head.h"

namespace churnml::serving {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// A response buffer larger than this is released after it was written, so
// an idle keep-alive connection does not pin the memory of its largest
// answer.
constexpr std::size_t kKeptResponseCapacity = 64 * 1024;
// After a final response, how long unread input is drained before the socket
// closes (closing with unread input sends a reset that can destroy the
// response before the client reads it).
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

Connection::TimePoint Now() { return std::chrono::steady_clock::now(); }

}  // namespace

Connection::Connection(Worker& worker, asio::ip::tcp::socket socket)
    : worker_(worker), state_(worker.state()), socket_(std::move(socket)) {}

Connection::~Connection() {
  if (stream_) stream_->Detach();
  worker_.Unregister(this);
  state_.active_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::Start() {
  worker_.Register(this);
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  const auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_address_ = endpoint.address().to_string();
    remote_address_.push_back(':');
    remote_address_.append(std::to_string(endpoint.port()));
  }
  BeginRequest();
}

void Connection::BeginRequest() {
  storage_.Clear();
  storage_.body_limit = state_.options.max_body_bytes;
  storage_.max_header_bytes = state_.options.max_header_bytes;
  parser_.emplace(storage_);
  parser_->header_limit(static_cast<std::uint32_t>(state_.options.max_header_bytes));
  parser_->body_limit(state_.options.max_body_bytes);
  parser_->eager(true);
  header_done_ = false;
  if (buffer_.size() > 0) {
    StartTiming();
    Parse();
    return;
  }
  if (state_.stopping.load(std::memory_order_relaxed) && !InputWaiting()) {
    Close();
    return;
  }
  phase_ = Phase::kIdle;
  deadline_ = Now() + state_.options.idle_timeout;
  Read();
}

void Connection::StartTiming() {
  phase_ = Phase::kReading;
  request_start_ = Now();
  deadline_ = request_start_ + state_.options.header_timeout;
}

void Connection::Read() {
  socket_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](const error_code& ec, std::size_t bytes) {
                            self->OnRead(ec, bytes);
                          });
}

void Connection::OnRead(const error_code& ec, std::size_t bytes) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    // EOF between requests is the normal end of a keep-alive connection;
    // EOF or an error mid-request leaves no one to answer.
    Close();
    return;
  }
  buffer_.commit(bytes);
  if (phase_ == Phase::kLingering || phase_ == Phase::kStreaming) {
    buffer_.consume(buffer_.size());
    Read();
    return;
  }
  if (phase_ == Phase::kIdle) StartTiming();
  Parse();
}

void Connection::Parse() {
  while (true) {
    if (buffer_.size() == 0) {
      Read();
      return;
    }
    error_code ec;
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      // Beast keeps an incomplete element (the header, a chunk line, the
      // trailer section) in the buffer until it is whole: without this
      // bound a client streaming an endless trailer or chunk extension
      // grows it without limit. Body bytes never wait here (they are
      // consumed as they arrive), so the bound is the header limit.
      if (buffer_.size() > state_.options.max_header_bytes) {
        FailRequest(OversizedFramingError());
        return;
      }
      if (OnHeaderDone()) return;
      Read();
      return;
    }
    if (ec) {
      FailRequest(ec);
      return;
    }
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    if (OnHeaderDone()) return;
    if (used == 0) {
      Read();
      return;
    }
  }
}

bool Connection::OnHeaderDone() {
  if (header_done_ || !parser_->is_header_done()) return false;
  header_done_ = true;
  deadline_ = Now() + state_.options.read_timeout;
  if (!storage_.expect_continue || storage_.version < 11 || parser_->is_done()) return false;
  phase_ = Phase::kContinue;
  asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this()](const error_code& ec, std::size_t) {
                      if (self->phase_ == Phase::kClosed) return;
                      if (ec) {
                        self->Close();
                        return;
                      }
                      self->phase_ = Phase::kReading;
                      self->Parse();
                    });
  return true;
}

void Connection::FillRequestLine() {
  request_.headers.clear();
  request_.params.clear();
  request_.route = {};
  request_.body = {};
  request_.query = {};
  request_.remote_address = remote_address_;
  request_.version = storage_.version;
  if (!storage_.request_line_seen) {
    request_.method = {};
    request_.target = {};
    request_.path = {};
    return;
  }
  request_.method = storage_.View(storage_.method);
  request_.target = storage_.View(storage_.target);
  const std::size_t question = request_.target.find('?');
  if (question == std::string_view::npos) {
    request_.path = request_.target;
  } else {
    request_.path = request_.target.substr(0, question);
    request_.query = request_.target.substr(question + 1);
  }
}

void Connection::Dispatch() {
  FillRequestLine();
  request_.body = storage_.body;
  bool has_host = false;
  for (const auto& [name, value] : storage_.fields) {
    request_.headers.push_back(HttpField{storage_.View(name), storage_.View(value)});
    has_host = has_host || EqualsIgnoreCase(request_.headers.back().name, "Host");
  }
  if (storage_.version >= 11 && !has_host) {
    // RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request
    // without Host.
    FailRequest(http::error::bad_field, "HTTP/1.1 request without a Host header");
    return;
  }
  const std::string_view client_id = request_.Header("X-Request-Id");
  if (IsSaneRequestId(client_id)) {
    request_id_.assign(client_id);
  } else {
    worker_.NextRequestId(request_id_);
  }
  request_.request_id = request_id_;
  response_.Reset();
  try {
    state_.handler(request_, response_);
  } catch (const std::exception&) {
    response_.Reset();
    response_.SetError(500, "internal error");
  } catch (...) {
    response_.Reset();
    response_.SetError(500, "internal error");
  }
  keep_alive_ = parser_->keep_alive() && !state_.stopping.load(std::memory_order_relaxed);
  WriteResponse();
}

FramingError Connection::OversizedFramingError() const {
  const std::string limit = std::to_string(state_.options.max_header_bytes) + " bytes";
  if (!parser_->is_header_done()) return {431, "request header exceeds " + limit};
  return {431, "request trailer section or chunk line exceeds " + limit};
}

void Connection::FailRequest(const error_code& ec, std::string_view detail) {
  if (storage_.error.status != 0) {
    FailRequest(storage_.error);
  } else if (ec == http::error::body_limit) {
    FailRequest(
        {413, "request body exceeds " + std::to_string(state_.options.max_body_bytes) + " bytes"});
  } else if (ec == http::error::header_limit) {
    FailRequest({431, "request header exceeds " + std::to_string(state_.options.max_header_bytes) +
                          " bytes"});
  } else {
    FailRequest({400, std::string(detail.empty() ? std::string_view(ec.message()) : detail)});
  }
}

void Connection::FailRequest(const FramingError& error) {
  FillRequestLine();
  worker_.NextRequestId(request_id_);
  request_.request_id = request_id_;
  response_.Reset();
  if (error.status == 400) {
    response_.SetError(400, "malformed HTTP request: " + error.message);
  } else {
    response_.SetError(error.status, error.message);
  }
  if (phase_ != Phase::kReading) request_start_ = Now();
  keep_alive_ = false;
  request_failed_ = true;
  WriteResponse();
}

void Connection::WriteResponse() {
  if (StatusForbidsBody(response_.status)) response_.body.clear();
  if (response_.stream) {
    const bool streams =
        request_.method != "HEAD" && response_.status >= 200 && response_.status < 300;
    if (streams) {
      stream_ = std::move(response_.stream);
      keep_alive_ = false;
    } else {
      response_.stream->Detach();
    }
    response_.stream.reset();
  }
  ResponseHead head;
  head.streaming = stream_ != nullptr;
  head.status = response_.status;
  head.content_length = response_.body.size();
  head.keep_alive = keep_alive_;
  head.request_version = storage_.version;
  head.request_id = request_id_;
  head.date = worker_.Date();
  head_.clear();
  AppendResponseHead(head, response_, head_);
  const bool send_body = request_.method != "HEAD";
  phase_ = Phase::kWriting;
  // A client that does not read its answer holds at most this one response
  // (the next request is not read before it is written) for at most the
  // write timeout.
  deadline_ = Now() + state_.options.write_timeout;
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head_), send_body ? asio::buffer(response_.body) : asio::const_buffer()};
  asio::async_write(socket_, buffers,
                    [self = shared_from_this()](const error_code& ec, std::size_t bytes) {
                      self->OnWrite(ec, bytes);
                    });
}

void Connection::OnWrite(const error_code& ec, std::size_t bytes) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  worker_.CountRequest();
  NotifyAccess(bytes);
  if (response_.body.capacity() > kKeptResponseCapacity) std::string().swap(response_.body);
  if (stream_) {
    BeginStream();
  } else if (keep_alive_) {
    BeginRequest();
  } else {
    LingeringClose();
  }
}

void Connection::NotifyAccess(std::size_t bytes) {
  if (state_.options.access_observer) {
    AccessRecord record;
    record.method = request_.method;
    record.path = request_.path;
    record.route = request_.route;
    record.status = response_.status;
    record.latency = Now() - request_start_;
    record.request_body_bytes = storage_.body.size();
    record.response_bytes = bytes;
    record.request_id = request_id_;
    record.remote_address = remote_address_;
    record.response_headers = response_.headers;
    try {
      state_.options.access_observer(record);
    } catch (...) {
      // An observer failure must not take the connection or the server down.
    }
  }
}

void Connection::BeginStream() {
  phase_ = Phase::kStreaming;
  // No deadline while waiting for the producer; write_timeout per write.
  deadline_ = TimePoint::max();
  buffer_.consume(buffer_.size());
  asio::io_context& context = worker_.context();
  stream_->SetWaker([weak = weak_from_this(), &context] {
    asio::post(context, [weak] {
      if (const std::shared_ptr<Connection> self = weak.lock()) self->PumpStream();
    });
  });
  if (state_.stopping.load(std::memory_order_relaxed)) stream_->Finish();
  Read();
}

void Connection::PumpStream() {
  if (phase_ != Phase::kStreaming || stream_writing_) return;
  stream_last_ = stream_->Take(stream_out_);
  if (stream_out_.empty()) {
    if (stream_last_) {
      error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      Close();
    }
    return;
  }
  stream_writing_ = true;
  deadline_ = Now() + state_.options.write_timeout;
  asio::async_write(
      socket_, asio::buffer(stream_out_),
      [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnStreamWrite(ec); });
}

void Connection::OnStreamWrite(const error_code& ec) {
  stream_writing_ = false;
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  deadline_ = TimePoint::max();
  if (stream_last_) {
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    Close();
    return;
  }
  if (stream_out_.capacity() > kKeptResponseCapacity) std::string().swap(stream_out_);
  PumpStream();
}

void Connection::LingeringClose() {
  phase_ = Phase::kLingering;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  // A complete request answered with Connection: close leaves nothing to
  // drain unless the client already sent more; an error answer (400/413/431)
  // usually leaves the rest of the request unread.
  const bool unread_input = buffer_.size() > 0 || socket_.available(ignored) > 0;
  if (!request_failed_ && !unread_input) {
    Close();
    return;
  }
  const auto linger =
      std::min<std::chrono::steady_clock::duration>(state_.options.read_timeout, kMaxLinger);
  deadline_ = Now() + linger;
  buffer_.consume(buffer_.size());
  Read();
}

void Connection::CheckDeadline(TimePoint now) {
  if (phase_ != Phase::kClosed && now >= deadline_) Close();
}

bool Connection::InputWaiting() {
  error_code ec;
  return socket_.available(ec) > 0 && !ec;
}

void Connection::OnDrain() {
  // A request whose bytes reached the server before the worker got to the
  // drain (say while it was busy in a handler) is in flight: the pending
  // read completes, and the request is answered with Connection: close.
  if (phase_ == Phase::kIdle && !InputWaiting()) Close();
  if (phase_ == Phase::kStreaming) {
    stream_->Finish();
    PumpStream();
  }
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  if (stream_) stream_->Detach();
  error_code ignored;
  socket_.close(ignored);
}

}  // namespace churnml::serving
