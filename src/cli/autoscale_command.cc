// `churnml autoscale replay`: runs the autoscaler's policy
// (scaling/autoscale_policy.h) over a recorded or synthetic load trace and
// prints the replica count it would have chosen at each sample, with the
// reason, so a policy is tested before it runs (docs/deploy.md).
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/atomic_file.h"
#include "scaling/autoscale_policy.h"

namespace churnml::cli {
namespace {

struct ReplayFlags {
  std::string metrics;
  std::string out = "-";
  double target = 1000;
  double tolerance = 0.1;
  int min_replicas = 1;
  int max_replicas = 10;
  int64_t stabilization = 300;
  std::vector<std::string> floors;
  bool no_predictive = false;
  int64_t period = 86400;
  int64_t startup = 120;
};

std::string Csv(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int RunReplay(const ReplayFlags& f) {
  scaling::AutoscaleOptions options;
  options.target = f.target;
  options.tolerance = f.tolerance;
  options.min_replicas = f.min_replicas;
  options.max_replicas = f.max_replicas;
  options.stabilization_seconds = f.stabilization;
  options.predictive = !f.no_predictive;
  options.period_seconds = f.period;
  options.startup_seconds = f.startup;
  for (const std::string& text : f.floors) {
    Result<scaling::ScheduleFloor> floor = scaling::ParseScheduleFloor(text);
    if (!floor.ok()) return ReportError(floor.status());
    options.floors.push_back(*floor);
  }
  if (Status s = options.Validate(); !s.ok()) return ReportError(s);
  Result<std::string> text = ReadFile(f.metrics);
  if (!text.ok()) return ReportError(text.status());
  Result<std::vector<scaling::LoadSample>> trace = scaling::ParseLoadTrace(*text);
  if (!trace.ok()) {
    return ReportError(InvalidArgumentError(f.metrics + ": " + trace.status().message()));
  }
  const std::vector<scaling::AutoscaleDecision> run = scaling::Replay(options, *trace);

  std::string csv = "time,load,current,reactive,scheduled,predictive,forecast,desired,reason\n";
  int changes = 0, peak = 0, short_samples = 0;
  double replica_seconds = 0;
  const int64_t step = (*trace)[1].time - (*trace)[0].time;
  for (size_t i = 0; i < run.size(); ++i) {
    const scaling::AutoscaleDecision& d = run[i];
    csv += fmt::format("{},{:.6g},{},{},{},{},{:.6g},{},{}\n", d.time, d.load, d.current,
                       d.reactive, d.scheduled, d.predictive, d.forecast, d.desired, Csv(d.reason));
    if (i > 0 && d.desired != run[i - 1].desired) ++changes;
    peak = std::max(peak, d.desired);
    replica_seconds += static_cast<double>(d.current) * static_cast<double>(step);
    if (d.load > d.current * options.target * (1 + options.tolerance)) ++short_samples;
  }
  Result<AtomicFileWriter> writer =
      f.out == "-" ? AtomicFileWriter::ForStdout() : AtomicFileWriter::Create(f.out);
  if (!writer.ok()) return ReportError(writer.status());
  if (Status s = writer->Write(csv); !s.ok()) return ReportError(s);
  if (Status s = writer->Commit(); !s.ok()) return ReportError(s);
  Say(fmt::format(
      "{} samples: {} changes, peak {} replicas, {:.1f} replica-hours, {} samples with the "
      "load over the replicas' target (+tolerance)",
      run.size(), changes, peak, replica_seconds / 3600, short_samples));
  return kExitOk;
}

}  // namespace

void RegisterAutoscaleCommand(CLI::App& app, CommandContext& ctx) {
  CLI::App* autoscale = app.add_subcommand(
      "autoscale", "replica counts from load: reactive, scheduled, predictive (docs/deploy.md)");
  autoscale->require_subcommand(1);
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* cmd = autoscale->add_subcommand(
      "replay",
      "run the autoscaling policy over a load trace (CSV: time,load) and print decisions");
  cmd->footer(
      "Examples:\n  churnml autoscale replay --metrics trace.csv --target 5000 --max-replicas 20\n"
      "  churnml autoscale replay --metrics trace.csv --target 5000 --floor \"Mon-Fri 08:00-20:00 "
      "4\" --startup 300 --out decisions.csv");
  cmd->add_option("--metrics", flags->metrics, "load trace: CSV with columns time (unix s), load")
      ->required();
  cmd->add_option("--out", flags->out, "decisions CSV (- = stdout)")->capture_default_str();
  cmd->add_option("--target", flags->target, "load one replica should carry (e.g. requests/s)")
      ->capture_default_str();
  cmd->add_option("--tolerance", flags->tolerance, "no change while within this ratio of target")
      ->capture_default_str();
  cmd->add_option("--min-replicas", flags->min_replicas, "fewest replicas")->capture_default_str();
  cmd->add_option("--max-replicas", flags->max_replicas, "most replicas")->capture_default_str();
  cmd->add_option("--stabilization", flags->stabilization,
                  "seconds a scale-down waits (highest recommendation of the window)")
      ->capture_default_str();
  cmd->add_option("--floor", flags->floors,
                  "scheduled floor \"DAYS HH:MM-HH:MM N\" in UTC (repeatable)");
  cmd->add_flag("--no-predictive", flags->no_predictive, "no seasonal forecast");
  cmd->add_option("--period", flags->period, "seconds in the load's season (forecast)")
      ->capture_default_str();
  cmd->add_option("--startup", flags->startup,
                  "seconds a new replica takes to serve: how far ahead the forecast looks")
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.exit_code = RunReplay(*flags); });
}

}  // namespace churnml::cli
