#include "serving/grpc/grpc_frontend.h"

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "serving/grpc/inference_service.h"

namespace churnml::serving {

namespace {

// gRPC's own log lines (a failed bind prints a multi-line error report)
// go to the debug log; the serving layer reports what failed once.
void GrpcLog(gpr_log_func_args* args) {
  spdlog::debug("grpc {}:{}: {}", args->file, args->line, args->message);
}

class GrpcFrontend final : public Frontend {
 public:
  static Result<std::unique_ptr<Frontend>> Start(const GrpcFrontendOptions& options,
                                                 const FrontendDeps& deps) {
    static std::once_flag log_once;
    std::call_once(log_once, [] { gpr_set_log_function(GrpcLog); });
    auto frontend = std::unique_ptr<GrpcFrontend>(new GrpcFrontend(deps));
    const std::string host =
        options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    const std::string address = host + ":" + std::to_string(options.port);
    int cores = static_cast<int>(std::thread::hardware_concurrency());
    const int threads = options.max_threads > 0 ? options.max_threads : std::max(32, 8 * cores);
    grpc::ResourceQuota quota("churnml-grpc");
    quota.SetMaxThreads(threads);
    grpc::ServerBuilder builder;
    int bound_port = 0;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
    // gRPC sets SO_REUSEPORT by default: a second server would share the
    // port silently instead of failing to start.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.SetResourceQuota(quota);
    builder.SetMaxReceiveMessageSize(
        static_cast<int>(std::min<size_t>(deps.max_message_bytes, static_cast<size_t>(INT32_MAX))));
    builder.RegisterService(&frontend->service_);
    frontend->server_ = builder.BuildAndStart();
    if (!frontend->server_ || bound_port == 0) {
      return UnavailableError("--grpc-port: cannot listen on " + address +
                              " (in use, or not an address of this host)");
    }
    frontend->address_ = options.host + ":" + std::to_string(bound_port);
    return std::unique_ptr<Frontend>(std::move(frontend));
  }

  ~GrpcFrontend() override {
    Stop();
    Wait();
  }

  std::string Describe() const override { return "gRPC on " + address_; }

  void Stop() override {
    if (!server_) return;
    std::call_once(stopped_, [this] {
      // Calls in flight get 10 s to finish, then are cancelled.
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
    });
  }

  void Wait() override {
    if (server_) std::call_once(waited_, [this] { server_->Wait(); });
  }

 private:
  explicit GrpcFrontend(const FrontendDeps& deps) : service_(deps) {}

  GrpcInferenceService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::once_flag stopped_;
  std::once_flag waited_;
};

}  // namespace

FrontendFactory GrpcFrontendFactory(GrpcFrontendOptions options) {
  return [options = std::move(options)](const FrontendDeps& deps) {
    return GrpcFrontend::Start(options, deps);
  };
}

}  // namespace churnml::serving
