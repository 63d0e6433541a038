// `churnml demo`: the whole path on generated data — generate, validate,
// train both model kinds, evaluate them side by side on new customers, and
// score a batch with the better one.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/model_ref.h"
#include "common/strings.h"
#include "data/csv_loader.h"
#include "data/synthetic_generator.h"
#include "eval/metrics_text.h"
#include "pipeline/batch_predict.h"
#include "pipeline/evaluate.h"
#include "pipeline/tracked_train.h"
#include "pipeline/train.h"

namespace churnml::cli {
namespace {
namespace fs = std::filesystem;

struct DemoFlags {
  std::string workdir = "demo-out";
  int64_t rows = 20000;
  uint64_t seed = 42;
};

Status RunDemoSteps(const DemoFlags& f, const ModelRegistry& models) {
  fs::path dir = f.workdir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IOError("cannot create " + dir.string() + ": " + ec.message());
  const std::string train_csv = (dir / "customers.csv").string();
  const std::string new_csv = (dir / "new_customers.csv").string();

  Say("1/5 generating " + FormatCount(f.rows) + " customers → " + train_csv);
  CHURNML_RETURN_IF_ERROR(GenerateCsv(train_csv, {.rows = f.rows, .seed = f.seed}));
  CHURNML_RETURN_IF_ERROR(
      GenerateCsv(new_csv, {.rows = std::max<int64_t>(f.rows / 4, 100), .seed = f.seed + 1}));

  Say("2/5 validating " + train_csv);
  LoadOptions validate;
  validate.storage = RowStorage::kDiscard;
  CHURNML_ASSIGN_OR_RETURN(LoadResult checked, LoadCsv(train_csv, Schema::Telco(), validate));
  Say("    " + FormatCount(checked.rows_kept) + " rows valid");

  // Both models are tracked runs in the demo's own store, registered as
  // versions of "churn"; the better one becomes churn@champion.
  TrackingOptions tracking;
  tracking.store.uri = (dir / "mlruns").string();
  tracking.experiment = "demo";
  tracking.register_model = "churn";
  std::vector<NamedMetrics> holdout;
  std::vector<int64_t> versions;
  for (const char* kind : {"logistic", "xgboost"}) {
    Say(std::string("3/5 training ") + kind);
    TrainOptions options;
    options.data_path = train_csv;
    options.model_kind = kind;
    options.seed = f.seed;
    if (std::string_view(kind) == "xgboost") {
      // Shallower trees and a smaller step than XGBoost's defaults: the
      // defaults overfit a table this small.
      options.hyperparameters = {{"n_estimators", 150}, {"max_depth", 4}, {"learning_rate", 0.1}};
    }
    TrainReport report;
    TrackedRun run;
    CHURNML_RETURN_IF_ERROR(TrainTracked(options, tracking, models, &report, &run));
    versions.push_back(*run.version);
    Say("    test-split ROC AUC " + FormatFixed(*report.test_metrics.roc_auc, 4) + " in " +
        FormatFixed(report.timings.total, 2) + " s; run " + run.run_id + ", churn/" +
        std::to_string(*run.version));

    Say(std::string("4/5 evaluating ") + kind + " on " + new_csv);
    CHURNML_ASSIGN_OR_RETURN(auto artifact, ModelArtifact::Load(run.artifact_path, models));
    EvaluateOptions eval_options;
    eval_options.data_path = new_csv;
    EvaluateReport eval;
    CHURNML_RETURN_IF_ERROR(Evaluate(*artifact, eval_options, &eval));
    holdout.push_back({kind, eval.metrics});
  }
  const size_t best_index = *holdout[1].metrics.roc_auc > *holdout[0].metrics.roc_auc ? 1 : 0;
  const NamedMetrics& best = holdout[best_index];
  CHURNML_ASSIGN_OR_RETURN(auto store, tracking::TrackingStore::Open(tracking.store));
  CHURNML_RETURN_IF_ERROR(store->SetAlias("churn", "champion", versions[best_index]));
  CHURNML_ASSIGN_OR_RETURN(fs::path champion, store->ResolveModelUri("churn@champion"));

  fs::path scored = dir / "predictions.csv";
  Say("5/5 scoring " + new_csv + " with churn@champion (" + best.name + ") → " + scored.string());
  CHURNML_ASSIGN_OR_RETURN(auto artifact, ModelArtifact::Load(champion, models));
  PredictOptions predict;
  predict.input_path = new_csv;
  predict.output_path = scored;
  PredictReport report;
  CHURNML_RETURN_IF_ERROR(PredictBatch(*artifact, predict, &report));

  std::printf("\nMetrics on %s new customers (not seen in training):\n%s\n",
              FormatCount(holdout[0].metrics.rows).c_str(),
              FormatMetricsSideBySide(holdout).c_str());
  const std::string store_flag = "--store " + tracking.store.uri;
  std::printf("Store:       %s (runs, registered models churn/%lld and churn/%lld)\n",
              store->Describe().c_str(), static_cast<long long>(versions[0]),
              static_cast<long long>(versions[1]));
  std::printf("Champion:    churn@champion = churn/%lld (%s)\n",
              static_cast<long long>(versions[best_index]), best.name.c_str());
  std::printf("Predictions: %s (%s rows)\n", scored.c_str(),
              FormatCount(report.rows_scored).c_str());
  std::printf("Next:        churnml %s runs list\n", store_flag.c_str());
  std::printf(
      "             churnml %s predict --model churn@champion --input YOUR.csv --output "
      "scored.csv\n",
      store_flag.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterDemoCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Run the whole path on generated data: generate, validate, train, evaluate, predict");
  cmd->add_option("--workdir", flags->workdir, "folder for data, models and predictions")
      ->capture_default_str();
  cmd->add_option("--rows", flags->rows, "customers to generate for training")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "seed for data, split and models")->capture_default_str();
  cmd->callback([flags, &ctx] {
    Status s = RunDemoSteps(*flags, ctx.models);
    ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace churnml::cli
