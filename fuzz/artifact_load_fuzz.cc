// libFuzzer target over model artifact loading. The first byte picks what
// the rest of the input is:
//   0  a whole artifact: up to six files separated by kSeparator lines —
//      model.json, preprocessor.json, hyperparameters.json, model.txt,
//      xgboost_model.json, profile.json — written to a scratch directory and loaded with
//      ModelArtifact::Load (checksums, ranges, schema, preprocessor, model);
//   1  an XGBoost JSON model, loaded by XGBoostModel::Load (structural
//      checks, then XGBoost itself) with fixed hyperparameters;
//   2  a liblinear model.txt, loaded by LogisticRegression::Load;
//   3  a preprocessor.json, parsed by Preprocessor::FromJson.
// Whatever loads must then predict: three rows (zeros, NaN, huge values)
// must give finite probabilities in [0, 1]. Crashes, hangs, sanitizer
// reports and out-of-range probabilities are failures.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/row_converter.h"
#include "features/preprocessor.h"
#include "models/logistic_regression.h"
#include "models/model_files.h"
#include "models/model_registry.h"
#include "models/xgboost_model.h"
#include "pipeline/model_artifact.h"

namespace churnml {
namespace {

constexpr std::string_view kSeparator = "\n@@churnml-file@@\n";
constexpr const char* kBundleFiles[] = {"model.json", "preprocessor.json",  "hyperparameters.json",
                                        "model.txt",  "xgboost_model.json", "profile.json"};

struct Fixture {
  ModelRegistry registry;
  std::filesystem::path dir;

  Fixture() {
    if (!RegisterBuiltinModels(registry).ok()) std::abort();
    dir = std::filesystem::temp_directory_path() /
          ("churnml-artifact-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
};

ModelFiles InMemory(std::map<std::string, std::string> files) {
  return ModelFiles("fuzz",
                    [files = std::move(files)](std::string_view name) -> Result<std::string> {
                      auto it = files.find(std::string(name));
                      if (it == files.end())
                        return NotFoundError(std::string(name) + ": no such file");
                      return it->second;
                    });
}

void CheckProbabilities(const Model& model) {
  FeatureMatrix x(3, model.num_features());
  for (size_t c = 0; c < model.num_features(); ++c) {
    x.at(1, c) = std::nan("");
    x.at(2, c) = c % 2 == 0 ? 1e30 : -1e30;
  }
  std::vector<double> out(3);
  Status s = model.PredictProba(x, out);
  if (!s.ok()) return;
  for (double p : out) {
    // NaN features through a logistic model can give NaN; anything
    // outside [0, 1] is a real failure.
    if (p < 0.0 || p > 1.0) std::abort();
  }
}

void FuzzArtifact(const Fixture& f, std::string_view input) {
  for (const char* name : kBundleFiles) std::filesystem::remove(f.dir / name);
  size_t k = 0;
  while (k < std::size(kBundleFiles)) {
    const size_t end = input.find(kSeparator);
    std::ofstream(f.dir / kBundleFiles[k], std::ios::binary) << input.substr(0, end);
    ++k;
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + kSeparator.size());
  }
  auto artifact = ModelArtifact::Load(f.dir, f.registry);
  if (!artifact.ok()) return;
  if (!((*artifact)->threshold() >= 0 && (*artifact)->threshold() <= 1)) std::abort();
  if (!((*artifact)->positive_rate() >= 0 && (*artifact)->positive_rate() <= 1)) std::abort();
  CheckProbabilities((*artifact)->model());
}

void FuzzXGBoost(std::string_view input) {
  auto model = XGBoostModel::Load(InMemory(
      {{"hyperparameters.json", R"({"kind": "xgboost", "hyperparameters": {"max_depth": 6}})"},
       {"xgboost_model.json", std::string(input)}}));
  if (model.ok()) CheckProbabilities(**model);
}

void FuzzLiblinear(std::string_view input) {
  auto model = LogisticRegression::Load(
      InMemory({{"hyperparameters.json", R"({"kind": "logistic", "hyperparameters": {}})"},
                {"model.txt", std::string(input)}}));
  if (model.ok()) CheckProbabilities(**model);
}

void FuzzPreprocessor(std::string_view input) {
  auto doc = ParseBoundedJson(input, "preprocessor.json");
  if (!doc.ok()) return;
  auto pre = Preprocessor::FromJson(*doc);
  if (pre.ok() && pre->num_features() != pre->feature_names().size()) std::abort();
}

}  // namespace
}  // namespace churnml

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace churnml;
  static const Fixture* const fixture = new Fixture();
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      FuzzArtifact(*fixture, input);
      break;
    case 1:
      FuzzXGBoost(input);
      break;
    case 2:
      FuzzLiblinear(input);
      break;
    default:
      FuzzPreprocessor(input);
      break;
  }
  return 0;
}
