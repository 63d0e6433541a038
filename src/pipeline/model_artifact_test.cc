#include "pipeline/model_artifact.h"

#include <gtest/gtest.h>

#include <set>

#include "data/csv_loader.h"
#include "models/model_files.h"
#include "pipeline/test_support.h"
#include "pipeline/tracked_train.h"
#include "pipeline/train.h"
#include "tracking/artifact_checksums.h"
#include "tracking/tracking_store.h"

namespace churnml {
namespace {

class ModelArtifactTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    data_ = Generate("data.csv", 3000, 5);
  }
  ModelRegistry registry_;
  std::string data_;
};

// Training keeps the fitted objects in memory only until Save; the loaded
// artifact must score exactly like an artifact built from the same parts.
TEST_F(ModelArtifactTest, ReloadedModelPredictsBitIdentically) {
  auto loaded = LoadCsv(data_, Schema::Telco());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Dataset& data = loaded->dataset;
  for (const char* kind : {"logistic", "xgboost"}) {
    auto pre = Preprocessor::Fit(data, {});
    ASSERT_TRUE(pre.ok());
    auto x = pre->Transform(data);
    ASSERT_TRUE(x.ok());
    nlohmann::json h = std::string(kind) == "xgboost" ? nlohmann::json{{"n_estimators", 20}}
                                                      : nlohmann::json::object();
    auto model = registry_.Train(kind, *x, data.target(), h);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ModelArtifact in_memory(Schema::Telco(), std::move(*pre), std::move(*model), 0.5, 0.26, {});
    std::vector<double> before;
    ASSERT_TRUE(in_memory.PredictProba(data, &before).ok());

    auto dir = dir_ / kind;
    ASSERT_TRUE(in_memory.Save(dir, ExistingPolicy::kFail).ok());
    auto reloaded = ModelArtifact::Load(dir, registry_);
    ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
    std::vector<double> after;
    ASSERT_TRUE((*reloaded)->PredictProba(data, &after).ok());
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      ASSERT_EQ(before[i], after[i]) << kind << " row " << i;  // exact, not near
    }
    EXPECT_EQ((*reloaded)->schema(), Schema::Telco());
    EXPECT_EQ((*reloaded)->positive_rate(), 0.26);
  }
}

TEST_F(ModelArtifactTest, MissingDirectoryIsNotFound) {
  auto r = ModelArtifact::Load(dir_ / "nope", registry_);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
}

TEST_F(ModelArtifactTest, NewerFormatVersionIsRefusedWithClearMessage) {
  TrainOptions options;
  options.data_path = data_;
  options.out_dir = dir_ / "m";
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  auto doc = nlohmann::json::parse(*ReadFile(dir_ / "m" / "model.json"));
  doc["format_version"] = kEnsembleArtifactFormatVersion + 1;
  ASSERT_TRUE(WriteFileAtomically(dir_ / "m" / "model.json", doc.dump()).ok());
  auto r = ModelArtifact::Load(dir_ / "m", registry_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("format version " +
                                      std::to_string(kEnsembleArtifactFormatVersion + 1)),
            std::string::npos)
      << r.status().message();
}

TEST_F(ModelArtifactTest, CorruptModelJsonNamesTheFile) {
  std::filesystem::create_directories(dir_ / "m");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "m" / "model.json", "{not json").ok());
  auto r = ModelArtifact::Load(dir_ / "m", registry_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model.json"), std::string::npos);
}

// --- damaged and hostile artifacts -------------------------------------
// Each case loaded without complaint (or crashed) before artifacts carried
// checksums and every value was range-checked.

class HostileArtifactTest : public ModelArtifactTest {
 protected:
  // Trains `kind` into dir_/name and returns the directory.
  std::filesystem::path TrainInto(const std::string& name, const std::string& kind = "logistic",
                                  int n_estimators = 10) {
    TrainOptions options;
    options.data_path = data_;
    options.model_kind = kind;
    options.out_dir = dir_ / name;
    if (kind == "xgboost") {
      options.hyperparameters = nlohmann::json{{"n_estimators", n_estimators}, {"threads", 1}};
    }
    TrainReport report;
    Status s = Train(options, registry_, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return options.out_dir;
  }
  static nlohmann::json ReadJson(const std::filesystem::path& path) {
    return nlohmann::json::parse(*ReadFile(path));
  }
  static void WriteJson(const std::filesystem::path& path, const nlohmann::json& j) {
    ASSERT_TRUE(WriteFileAtomically(path, j.dump(2)).ok());
  }
  // Edits model.json's `field` and expects Load to refuse naming it.
  void ExpectFieldRefused(const char* field, const nlohmann::json& value, const std::string& why) {
    auto dir = TrainInto(std::string("field-") + field + "-" + std::to_string(++edits_));
    nlohmann::json doc = ReadJson(dir / "model.json");
    doc[field] = value;
    WriteJson(dir / "model.json", doc);
    auto r = ModelArtifact::Load(dir, registry_);
    ASSERT_FALSE(r.ok()) << field << " = " << value.dump() << " was accepted";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("model.json: field \"" + std::string(field) + "\""),
              std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }
  int edits_ = 0;
};

TEST_F(HostileArtifactTest, ModelJsonListsTheChecksumOfEveryOtherFile) {
  auto dir = TrainInto("listed", "xgboost");
  nlohmann::json files = ReadJson(dir / "model.json")["files"];
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    on_disk.insert(entry.path().filename().string());
  }
  on_disk.erase("model.json");
  std::set<std::string> listed;
  for (const auto& [name, sha] : files.items()) {
    listed.insert(name);
    EXPECT_EQ(sha, "sha256:" + tracking::Sha256Hex(*ReadFile(dir / name))) << name;
  }
  EXPECT_EQ(listed, on_disk);
  EXPECT_EQ(ReadJson(dir / "model.json")["format_version"], kArtifactFormatVersion);
  auto loaded = ModelArtifact::Load(dir, registry_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE((*loaded)->warnings().empty());
}

TEST_F(HostileArtifactTest, PositiveRateOutsideZeroOneIsRefused) {
  ExpectFieldRefused("positive_rate", 5, "is 5, not a probability in [0, 1]");
  ExpectFieldRefused("positive_rate", -0.1, "not a probability");
}

TEST_F(HostileArtifactTest, ThresholdOutsideZeroOneIsRefused) {
  ExpectFieldRefused("threshold", -5, "is -5, not a probability in [0, 1]");
  ExpectFieldRefused("threshold", 1e308, "not a probability in [0, 1]");
  ExpectFieldRefused("threshold", "0.5", "not a number");
}

TEST_F(HostileArtifactTest, AChangedFileIsRefusedNamingIt) {
  auto dir = TrainInto("changed");
  nlohmann::json pre = ReadJson(dir / "preprocessor.json");
  pre["columns"][0]["mean"] = 1234.5;  // still a valid preprocessor
  WriteJson(dir / "preprocessor.json", pre);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("preprocessor.json: checksum mismatch"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
}

TEST_F(HostileArtifactTest, AModelFileNotListedInModelJsonIsRefused) {
  auto dir = TrainInto("unlisted", "xgboost");
  nlohmann::json doc = ReadJson(dir / "model.json");
  doc["files"].erase("xgboost_model.json");
  WriteJson(dir / "model.json", doc);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("xgboost_model.json: not listed in model.json"),
            std::string::npos)
      << r.status().message();
}

TEST_F(HostileArtifactTest, AListedPathOutsideTheArtifactIsRefused) {
  auto dir = TrainInto("traversal");
  nlohmann::json doc = ReadJson(dir / "model.json");
  doc["files"]["../../etc/passwd"] = "sha256:" + std::string(64, '0');
  WriteJson(dir / "model.json", doc);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is not a file name an artifact may list"), std::string::npos)
      << r.status().message();
}

// With model.json rewritten to match a swapped file, only the store's
// record (taken at registration) can tell: Load compares both.
TEST_F(HostileArtifactTest, ASwapCoveredByAnEditedModelJsonIsCaughtByTheStoresRecord) {
  TrainOptions train;
  train.data_path = data_;
  train.model_kind = "xgboost";
  train.hyperparameters = nlohmann::json{{"n_estimators", 10}, {"threads", 1}};
  TrackingOptions tracking;
  tracking.store.uri = (dir_ / "mlruns").string();
  tracking.register_model = "churn";
  TrainReport report;
  TrackedRun run;
  ASSERT_TRUE(TrainTracked(train, tracking, registry_, &report, &run).ok());
  auto store = tracking::TrackingStore::Open(tracking.store);
  ASSERT_TRUE(store.ok());
  auto resolved = (*store)->ResolveModel("churn/1");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->artifact_sha256.count("model.json"), 1u);
  EXPECT_EQ(resolved->artifact_sha256.count("xgboost_model.json"), 1u);
  const std::string original_model_json = *ReadFile(resolved->artifact_path / "model.json");

  // Swap the trees for another valid model's and fix model.json to match.
  auto other = TrainInto("other", "xgboost", 12);  // a different, valid model
  std::filesystem::copy_file(other / "xgboost_model.json",
                             resolved->artifact_path / "xgboost_model.json",
                             std::filesystem::copy_options::overwrite_existing);
  nlohmann::json doc = ReadJson(resolved->artifact_path / "model.json");
  doc["files"]["xgboost_model.json"] =
      "sha256:" + tracking::Sha256Hex(*ReadFile(other / "xgboost_model.json"));
  WriteJson(resolved->artifact_path / "model.json", doc);

  // As a directory it is self-consistent (nothing else to compare with)...
  EXPECT_TRUE(ModelArtifact::Load(resolved->artifact_path, registry_).ok());
  // ...but against the store's record it is refused, naming the file.
  ArtifactLoadOptions options{resolved->artifact_sha256, "version 1 of model \"churn\""};
  auto r = ModelArtifact::Load(resolved->artifact_path, registry_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "model.json: checksum mismatch: its SHA-256 is not the one the store recorded "
                "for version 1 of model \"churn\""),
            std::string::npos)
      << r.status().message();
  // Restoring model.json alone still leaves the swapped trees caught.
  ASSERT_TRUE(
      WriteFileAtomically(resolved->artifact_path / "model.json", original_model_json).ok());
  auto again = ModelArtifact::Load(resolved->artifact_path, registry_, options);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("xgboost_model.json: checksum mismatch"),
            std::string::npos)
      << again.status().message();
}

TEST_F(HostileArtifactTest, FormatVersionOneLoadsWithAWarning) {
  auto dir = TrainInto("v1");
  nlohmann::json doc = ReadJson(dir / "model.json");
  doc.erase("files");
  doc["format_version"] = 1;
  WriteJson(dir / "model.json", doc);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)->warnings().size(), 1u);
  EXPECT_NE((*r)->warnings()[0].find("format version 1"), std::string::npos);
  // Still validated: a bad value in a version 1 artifact is refused.
  doc["positive_rate"] = 5;
  WriteJson(dir / "model.json", doc);
  EXPECT_FALSE(ModelArtifact::Load(dir, registry_).ok());
}

TEST_F(HostileArtifactTest, AddedFilesAreWrittenListedAndVerified) {
  auto loaded = LoadCsv(data_, Schema::Telco());
  ASSERT_TRUE(loaded.ok());
  auto pre = Preprocessor::Fit(loaded->dataset, {});
  ASSERT_TRUE(pre.ok());
  auto x = pre->Transform(loaded->dataset);
  ASSERT_TRUE(x.ok());
  auto model = registry_.Train("logistic", *x, loaded->dataset.target(), nlohmann::json::object());
  ASSERT_TRUE(model.ok());
  ModelArtifact artifact(Schema::Telco(), std::move(*pre), std::move(*model), 0.5, 0.26, {});
  EXPECT_FALSE(artifact.AddFile("../escape.json", "{}").ok());
  EXPECT_FALSE(artifact.AddFile("model.json", "{}").ok());
  ASSERT_TRUE(artifact.AddFile("profile.json", "{\"bins\": [1, 2]}").ok());
  ASSERT_TRUE(artifact.Save(dir_ / "extra", ExistingPolicy::kFail).ok());
  auto reloaded = ModelArtifact::Load(dir_ / "extra", registry_);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  ASSERT_TRUE((*reloaded)->File("profile.json").ok());
  EXPECT_EQ(*(*reloaded)->File("profile.json"), "{\"bins\": [1, 2]}");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "extra" / "profile.json", "{\"bins\": [9]}").ok());
  auto tampered = ModelArtifact::Load(dir_ / "extra", registry_);
  ASSERT_FALSE(tampered.ok());
  EXPECT_NE(tampered.status().message().find("profile.json: checksum mismatch"), std::string::npos);
}

TEST_F(HostileArtifactTest, DisagreeingHyperparametersAreRefused) {
  auto dir = TrainInto("hyper");
  nlohmann::json doc = ReadJson(dir / "model.json");
  doc["hyperparameters"]["C"] = 1000.0;
  WriteJson(dir / "model.json", doc);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("hyperparameters in model.json and hyperparameters.json "
                                      "disagree"),
            std::string::npos)
      << r.status().message();
}

// Checks run whether or not the checksums match: a hand-made artifact whose
// model.json lists the right checksums is still validated.
TEST_F(HostileArtifactTest, AHandMadePreprocessorWithAZeroScaleIsRefused) {
  auto dir = TrainInto("zero-scale");
  nlohmann::json pre = ReadJson(dir / "preprocessor.json");
  size_t numeric = 0;
  while (!pre["columns"][numeric].contains("scale")) ++numeric;
  pre["columns"][numeric]["scale"] = 0.0;
  WriteJson(dir / "preprocessor.json", pre);
  nlohmann::json doc = ReadJson(dir / "model.json");
  doc["files"]["preprocessor.json"] =
      "sha256:" + tracking::Sha256Hex(*ReadFile(dir / "preprocessor.json"));
  WriteJson(dir / "model.json", doc);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("scale\": must be positive"), std::string::npos)
      << r.status().message();
}

// model.json is a few KB; a huge one is refused before it is parsed.
TEST_F(HostileArtifactTest, AnOversizedModelJsonIsRefusedUnread) {
  auto dir = TrainInto("oversized");
  std::string text = *ReadFile(dir / "model.json");
  text.append(kMaxArtifactMetadataBytes, ' ');
  ASSERT_TRUE(WriteFileAtomically(dir / "model.json", text).ok());
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("model.json: "), std::string::npos);
  EXPECT_NE(r.status().message().find("is over the limit of 67108864"), std::string::npos)
      << r.status().message();
}

// A calibrated artifact: calibration.json is written, listed and applied
// after the model on every path; a reload scores bit-identically.
TEST_F(HostileArtifactTest, CalibrationIsSavedAppliedAndReloaded) {
  TrainOptions options;
  options.data_path = data_;
  options.out_dir = dir_ / "calibrated";
  options.calibrate = CalibrationMethod::kIsotonic;
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  EXPECT_GT(report.validation_rows, 0);
  auto loaded = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE((*loaded)->calibration().has_value());
  EXPECT_EQ(ReadJson(options.out_dir / "model.json")["calibration"], "isotonic");
  auto data = LoadCsv(data_, Schema::Telco());
  ASSERT_TRUE(data.ok());
  std::vector<double> calibrated, raw;
  ASSERT_TRUE((*loaded)->PredictProba(data->dataset, &calibrated).ok());
  ASSERT_TRUE((*loaded)->PredictUncalibrated(data->dataset, &raw).ok());
  ASSERT_EQ(calibrated.size(), raw.size());
  size_t changed = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    ASSERT_EQ(calibrated[i], (*loaded)->calibration()->Apply(raw[i]));
    changed += calibrated[i] != raw[i];
  }
  EXPECT_GT(changed, raw.size() / 2);
}

// The checksum is made to match: the values themselves are refused.
TEST_F(HostileArtifactTest, AHostileCalibrationBlockIsRefusedWithOneLine) {
  TrainOptions options;
  options.data_path = data_;
  options.out_dir = dir_ / "hostile-calibration";
  options.calibrate = CalibrationMethod::kPlatt;
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  const auto dir = options.out_dir;
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"method", "platt"}, {"a", 1e300}, {"b", 0}}, "not a finite number"},
      {{{"method", "isotonic"}, {"x", {0.1, 0.2}}, {"y", {0.5, 0.4}}}, "\"y\" decreases"},
      {{{"method", "isotonic"}, {"x", {0.1, 0.2}}, {"y", {0.4, 0.5}}}, "differs from model.json"},
      {{{"method", "platt"}, {"a", 1}}, "\"a\" and \"b\""},
      {nlohmann::json::array(), "expected a JSON object"},
  };
  for (const auto& [block, why] : cases) {
    WriteJson(dir / "calibration.json", block);
    nlohmann::json doc = ReadJson(dir / "model.json");
    doc["files"]["calibration.json"] =
        "sha256:" + tracking::Sha256Hex(*ReadFile(dir / "calibration.json"));
    WriteJson(dir / "model.json", doc);
    auto r = ModelArtifact::Load(dir, registry_);
    ASSERT_FALSE(r.ok()) << block.dump();
    EXPECT_NE(r.status().message().find("calibration.json"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  }
  // Removing the field but keeping the listed file is refused too.
  nlohmann::json doc = ReadJson(dir / "model.json");
  doc.erase("calibration");
  WriteJson(dir / "model.json", doc);
  auto r = ModelArtifact::Load(dir, registry_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("calibration.json is listed"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace churnml
