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
#include "pipeline/train.h"

namespace churnml::cli {
namespace {
namespace fs = std::filesystem;

struct DemoFlags {
  std::string workdir = "demo-out";
  int64_t rows = 20000;
  uint64_t seed = 42;
};

Status RunDemoSteps(const DemoFlags& f) {
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

  std::vector<NamedMetrics> holdout;
  for (const char* kind : {"logistic", "xgboost"}) {
    Say(std::string("3/5 training ") + kind);
    TrainOptions options;
    options.data_path = train_csv;
    options.model_kind = kind;
    options.seed = f.seed;
    options.out_dir = dir / "models" / kind;
    options.existing = ExistingPolicy::kReplace;
    TrainReport report;
    CHURNML_RETURN_IF_ERROR(Train(options, BuiltinModels(), &report));
    Say("    test-split ROC AUC " + FormatDouble(*report.test_metrics.roc_auc) + " in " +
        FormatDouble(report.timings.total) + " s");

    Say(std::string("4/5 evaluating ") + kind + " on " + new_csv);
    CHURNML_ASSIGN_OR_RETURN(auto artifact, ModelArtifact::Load(options.out_dir, BuiltinModels()));
    EvaluateOptions eval_options;
    eval_options.data_path = new_csv;
    EvaluateReport eval;
    CHURNML_RETURN_IF_ERROR(Evaluate(*artifact, eval_options, &eval));
    holdout.push_back({kind, eval.metrics});
  }
  const NamedMetrics& best =
      *holdout[1].metrics.roc_auc > *holdout[0].metrics.roc_auc ? holdout[1] : holdout[0];

  fs::path scored = dir / "predictions.csv";
  Say("5/5 scoring " + new_csv + " with " + best.name + " → " + scored.string());
  CHURNML_ASSIGN_OR_RETURN(auto artifact,
                           ModelArtifact::Load(dir / "models" / best.name, BuiltinModels()));
  PredictOptions predict;
  predict.input_path = new_csv;
  predict.output_path = scored;
  PredictReport report;
  CHURNML_RETURN_IF_ERROR(PredictBatch(*artifact, predict, &report));

  std::printf("\nMetrics on %s new customers (not seen in training):\n%s\n",
              FormatCount(holdout[0].metrics.rows).c_str(),
              FormatMetricsSideBySide(holdout).c_str());
  std::printf("Models:      %s\n", (dir / "models").c_str());
  std::printf("Predictions: %s (%s rows)\n", scored.c_str(),
              FormatCount(report.rows_scored).c_str());
  std::printf("Next: churnml predict --model %s --input YOUR.csv --output scored.csv\n",
              (dir / "models" / best.name).c_str());
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
    Status s = RunDemoSteps(*flags);
    ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace churnml::cli
