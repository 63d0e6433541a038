// `churnml export`: a model as one ONNX graph (docs/export.md).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/model_ref.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "export/onnx_export.h"

namespace churnml::cli {
namespace {

struct ExportFlags {
  std::string model;
  std::string format = "onnx";
  std::string output;
  bool json = false;
};

int RunExport(const ExportFlags& f, const CommandContext& ctx) {
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.model, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  Result<OnnxExport> exported = ExportOnnx(**artifact);
  if (!exported.ok()) return ReportError(exported.status().WithContext(f.model));
  if (Status s = WriteOnnxFile(*exported, f.output); !s.ok()) return ReportError(s);
  if (f.json) {
    nlohmann::json inputs = nlohmann::json::array();
    for (const OnnxInputInfo& in : exported->inputs) {
      inputs.push_back({{"name", in.name}, {"type", in.type}, {"shape", {"N", 1}}});
    }
    nlohmann::json doc = {{"output", f.output},
                          {"format", f.format},
                          {"bytes", exported->bytes.size()},
                          {"model_kind", exported->model_kind},
                          {"calibration", exported->calibration},
                          {"threshold", exported->threshold},
                          {"inputs", std::move(inputs)},
                          {"outputs",
                           {{{"name", "probability"}, {"type", "float"}, {"shape", {"N"}}},
                            {{"name", "label"}, {"type", "int64"}, {"shape", {"N"}}}}}};
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    Say("exported the " + exported->model_kind + " model " + f.model + " (" +
        CountNoun(static_cast<int64_t>(exported->inputs.size()), "input", "inputs") +
        ", calibration " + exported->calibration + ") → " + f.output + " (" +
        FormatCount(static_cast<int64_t>(exported->bytes.size())) + " bytes)");
  }
  return kExitOk;
}

}  // namespace

void RegisterExportCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write a model (preprocessing, model, calibration) as one ONNX graph");
  cmd->add_option("--model", flags->model, "model: a directory, NAME@ALIAS or NAME/VERSION")
      ->required();
  cmd->add_option("--format", flags->format, "export format (onnx)")
      ->check(CLI::IsMember({"onnx"}))
      ->capture_default_str();
  cmd->add_option("--out", flags->output, "file to write (replaced atomically)")->required();
  cmd->add_flag("--json", flags->json, "print the graph's inputs and outputs as JSON on stdout");
  cmd->footer(
      "Examples:\n"
      "  churnml export --model churn@champion --format onnx --out churn.onnx\n"
      "  churnml export --model models/xgboost --out model.onnx --json\n"
      "Inputs: one [N,1] tensor per raw column (double, NaN = missing; string, \"\" = missing);\n"
      "outputs: probability (float [N]) and label (int64 [N]). See docs/export.md.");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunExport(*flags, ctx); });
}

}  // namespace churnml::cli
