// `churnml deploy haproxy`: writes a haproxy.cfg for N `serve` replicas with
// one of five balancing strategies (scaling/haproxy_config.h, docs/deploy.md).
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/atomic_file.h"
#include "common/strings.h"
#include "scaling/haproxy_config.h"

namespace churnml::cli {
namespace {

struct HaproxyFlags {
  int replicas = 0;
  std::string strategy = "roundrobin";
  std::string out = "-";
  std::string bind = "127.0.0.1:8080";
  std::string host = "127.0.0.1";
  int base_port = 8001;
  int agent_base_port = 0;
  std::string weights;
  std::string stats_socket;
  std::string customer_header = "X-Customer-ID";
  double check_interval = 1;
  double agent_interval = 1;
  double slow_start = 10;
  int retries = 3;
  int maxconn = 4096;
};

Result<std::chrono::milliseconds> Seconds(double seconds, const std::string& flag) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 86400) {
    return InvalidArgumentError(flag + " " + FormatDouble(seconds) + " is not in 0..86400 seconds");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

// "3,2,1" -> one weight per replica.
Result<std::vector<int>> ParseWeights(const std::string& text, int replicas) {
  std::vector<int> weights;
  for (std::string_view part : Split(text, ',')) {
    const std::string item(Trim(part));
    char* end = nullptr;
    const long value = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || value < 1 || value > 256) {
      return InvalidArgumentError("--weights: \"" + item + "\" is not a weight in 1..256");
    }
    weights.push_back(static_cast<int>(value));
  }
  if (static_cast<int>(weights.size()) != replicas) {
    return InvalidArgumentError("--weights has " + std::to_string(weights.size()) +
                                " values for --replicas " + std::to_string(replicas));
  }
  return weights;
}

Result<scaling::HaproxyConfigOptions> BuildOptions(const HaproxyFlags& f) {
  scaling::HaproxyConfigOptions options;
  CHURNML_ASSIGN_OR_RETURN(options.strategy, scaling::ParseBalanceStrategy(f.strategy));
  if (f.replicas < 1 || f.replicas > static_cast<int>(scaling::kMaxReplicas)) {
    return InvalidArgumentError("--replicas " + std::to_string(f.replicas) + " is not in 1.." +
                                std::to_string(scaling::kMaxReplicas));
  }
  if (f.base_port < 1 || f.base_port + f.replicas - 1 > 65535) {
    return InvalidArgumentError("--base-port " + std::to_string(f.base_port) +
                                ": the replicas' ports must lie in 1..65535");
  }
  if (f.agent_base_port < 0 || f.agent_base_port + f.replicas - 1 > 65535) {
    return InvalidArgumentError("--agent-base-port " + std::to_string(f.agent_base_port) +
                                ": the agents' ports must lie in 1..65535 (0 = no agent-check)");
  }
  std::vector<int> weights(static_cast<size_t>(f.replicas), 100);
  if (!f.weights.empty()) {
    CHURNML_ASSIGN_OR_RETURN(weights, ParseWeights(f.weights, f.replicas));
  } else if (options.strategy == scaling::BalanceStrategy::kWeighted) {
    return InvalidArgumentError(
        "--strategy weighted needs --weights, one per replica (e.g. --weights 3,2,1)");
  }
  for (int i = 0; i < f.replicas; ++i) {
    scaling::HaproxyReplica replica;
    replica.host = f.host;
    replica.port = static_cast<uint16_t>(f.base_port + i);
    replica.agent_port = f.agent_base_port == 0 ? 0 : static_cast<uint16_t>(f.agent_base_port + i);
    replica.weight = weights[static_cast<size_t>(i)];
    options.replicas.push_back(replica);
  }
  options.bind = f.bind;
  options.stats_socket = f.stats_socket;
  options.customer_header = f.customer_header;
  CHURNML_ASSIGN_OR_RETURN(options.check_interval, Seconds(f.check_interval, "--check-interval"));
  CHURNML_ASSIGN_OR_RETURN(options.agent_interval, Seconds(f.agent_interval, "--agent-interval"));
  CHURNML_ASSIGN_OR_RETURN(options.slow_start, Seconds(f.slow_start, "--slow-start"));
  options.retries = f.retries;
  options.maxconn = f.maxconn;
  return options;
}

int RunHaproxy(const HaproxyFlags& f) {
  Result<scaling::HaproxyConfigOptions> options = BuildOptions(f);
  if (!options.ok()) return ReportError(options.status());
  Result<std::string> text = scaling::RenderHaproxyConfig(*options);
  if (!text.ok()) return ReportError(text.status());
  Result<AtomicFileWriter> writer =
      f.out == "-" ? AtomicFileWriter::ForStdout() : AtomicFileWriter::Create(f.out);
  if (!writer.ok()) return ReportError(writer.status());
  if (Status s = writer->Write(*text); !s.ok()) return ReportError(s);
  if (Status s = writer->Commit(); !s.ok()) return ReportError(s);
  if (f.out != "-") {
    Say("wrote " + f.out + ": " + std::to_string(f.replicas) + " replicas, strategy " + f.strategy +
        (f.agent_base_port != 0 ? ", agent-check on" : ""));
  }
  return kExitOk;
}

}  // namespace

void RegisterDeployCommand(CLI::App& app, CommandContext& ctx) {
  CLI::App* deploy =
      app.add_subcommand("deploy", "write deployment configuration (docs/deploy.md)");
  deploy->require_subcommand(1);
  auto flags = std::make_shared<HaproxyFlags>();
  CLI::App* cmd = deploy->add_subcommand(
      "haproxy", "write a haproxy.cfg for N serve replicas with a balancing strategy");
  std::string strategies;
  for (const scaling::BalanceStrategyInfo& info : scaling::BalanceStrategies()) {
    strategies += "\n  " + std::string(info.name) + ": " + std::string(info.summary);
  }
  cmd->footer(
      "Strategies:" + strategies +
      "\nExamples:\n  churnml deploy haproxy --replicas 3 --strategy leastconn --out haproxy.cfg\n"
      "  churnml deploy haproxy --replicas 3 --strategy weighted --weights 3,2,1 "
      "--agent-base-port 9001");
  cmd->add_option("--replicas", flags->replicas, "number of serve replicas")->required();
  cmd->add_option("--strategy", flags->strategy,
                  "roundrobin, weighted, leastconn, random2 or hash-customer")
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "file to write (- = stdout)")->capture_default_str();
  cmd->add_option("--bind", flags->bind, "HAProxy's listening ADDRESS:PORT")->capture_default_str();
  cmd->add_option("--host", flags->host, "the replicas' host")->capture_default_str();
  cmd->add_option("--base-port", flags->base_port, "replica i listens on base-port + i - 1")
      ->capture_default_str();
  cmd->add_option("--agent-base-port", flags->agent_base_port,
                  "replica i's serve --agent-port is this + i - 1 (0 = no agent-check)")
      ->capture_default_str();
  cmd->add_option("--weights", flags->weights,
                  "static weights 1..256, one per replica (e.g. 3,2,1; needed by weighted)");
  cmd->add_option("--stats-socket", flags->stats_socket,
                  "path of HAProxy's runtime API socket (admin level; none if empty)");
  cmd->add_option("--customer-header", flags->customer_header,
                  "header carrying the customer id for hash-customer")
      ->capture_default_str();
  cmd->add_option("--check-interval", flags->check_interval,
                  "seconds between health checks on /v2/health/ready")
      ->capture_default_str();
  cmd->add_option("--agent-interval", flags->agent_interval, "seconds between agent checks")
      ->capture_default_str();
  cmd->add_option("--slow-start", flags->slow_start,
                  "seconds a replica back from DOWN takes to reach its full weight (0 = off)")
      ->capture_default_str();
  cmd->add_option("--retries", flags->retries,
                  "retries on another replica (connection failures; L7 errors on prediction "
                  "routes)")
      ->capture_default_str();
  cmd->add_option("--maxconn", flags->maxconn,
                  "connections HAProxy accepts at once (it needs ~2x file descriptors)")
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.exit_code = RunHaproxy(*flags); });
}

}  // namespace churnml::cli
