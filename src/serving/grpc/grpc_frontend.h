// `serve --grpc-port N`: a grpc::Server (gRPC C++ from Debian) serving
// GrpcInferenceService beside the HTTP server, with the HTTP body limit as
// its receive-message limit and a bounded thread pool.
#pragma once

#include <cstdint>
#include <string>

#include "serving/frontend.h"

namespace churnml::serving {

struct GrpcFrontendOptions {
  std::string host = "127.0.0.1";  // as --host
  uint16_t port = 0;               // 0 = an ephemeral port (Describe() names it)
  int max_threads = 0;             // gRPC's worker threads; 0 = 8 per core (at least 32)
};

// The factory `churnml serve` passes in ServeOptions::frontends. Starting
// fails with Unavailable when the address cannot be bound.
FrontendFactory GrpcFrontendFactory(GrpcFrontendOptions options);

}  // namespace churnml::serving
