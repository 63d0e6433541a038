#include "export/onnx_export.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>
#include <set>

#include "data/csv_loader.h"
#include "models/calibration.h"
#include "models/logistic_regression.h"
#include "models/model_files.h"
#include "models/xgboost_model.h"
#include "pipeline/test_support.h"

namespace churnml {
namespace {

const onnx::NodeProto* FindNode(const onnx::ModelProto& m, const std::string& op) {
  for (const onnx::NodeProto& n : m.graph().node()) {
    if (n.op_type() == op) return &n;
  }
  return nullptr;
}

const onnx::AttributeProto* Attr(const onnx::NodeProto& n, const std::string& name) {
  for (const onnx::AttributeProto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const onnx::TensorProto* Initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const onnx::TensorProto& t : m.graph().initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

std::multiset<std::string> OpTypes(const onnx::ModelProto& m) {
  std::multiset<std::string> ops;
  for (const onnx::NodeProto& n : m.graph().node()) ops.insert(n.op_type());
  return ops;
}

// A model kind the export does not know.
class ConstantModel final : public Model {
 public:
  explicit ConstantModel(size_t n) : n_(n) {}
  std::string_view kind() const override { return "constant"; }
  size_t num_features() const override { return n_; }
  nlohmann::json hyperparameters() const override { return nlohmann::json::object(); }
  Status Save(const std::filesystem::path&) const override { return Status::Ok(); }

 protected:
  Status DoPredictProba(const FeatureMatrix&, std::span<double> out) const override {
    for (double& p : out) p = 0.5;
    return Status::Ok();
  }

 private:
  size_t n_;
};

class OnnxExportTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    auto loaded = LoadCsv(Generate("data.csv", 2000, 11), Schema::Telco());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    data_ = std::move(loaded->dataset);
  }

  std::unique_ptr<ModelArtifact> Artifact(const std::string& kind,
                                          PreprocessorOptions options = {}) {
    auto pre = Preprocessor::Fit(data_, options);
    EXPECT_TRUE(pre.ok());
    auto x = pre->Transform(data_);
    EXPECT_TRUE(x.ok());
    x_ = std::move(*x);
    nlohmann::json h = kind == "xgboost" ? nlohmann::json{{"n_estimators", 12}, {"max_depth", 4}}
                                         : nlohmann::json::object();
    auto model = registry_.Train(kind, x_, data_.target(), h);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    return std::make_unique<ModelArtifact>(Schema::Telco(), std::move(*pre), std::move(*model), 0.4,
                                           0.26, nlohmann::json::object());
  }

  // Saves `artifact` with an extra file and loads it back (the export reads
  // an artifact as churnml loads it).
  std::shared_ptr<const ModelArtifact> Reloaded(ModelArtifact& artifact, const std::string& file,
                                                const std::string& contents) {
    EXPECT_TRUE(artifact.AddFile(file, contents).ok());
    const auto dir = dir_ / ("artifact-" + file);
    EXPECT_TRUE(artifact.Save(dir, ExistingPolicy::kFail).ok());
    auto loaded = ModelArtifact::Load(dir, registry_);
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return *loaded;
  }

  static onnx::ModelProto Parse(const OnnxExport& e) {
    onnx::ModelProto m;
    EXPECT_TRUE(m.ParseFromString(e.bytes));
    return m;
  }

  ModelRegistry registry_;
  Dataset data_;
  FeatureMatrix x_;
};

TEST_F(OnnxExportTest, LogisticGraphHasOneTypedInputPerColumnAndTwoOutputs) {
  auto artifact = Artifact("logistic");
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  const onnx::ModelProto m = Parse(*exported);
  std::map<std::string, int> opsets;
  for (const auto& o : m.opset_import()) opsets[o.domain()] = static_cast<int>(o.version());
  EXPECT_EQ(opsets[""], 17);
  EXPECT_EQ(opsets["ai.onnx.ml"], 3);

  const auto& columns = artifact->preprocessor().columns();
  ASSERT_EQ(m.graph().input_size(), static_cast<int>(columns.size()));
  for (int i = 0; i < m.graph().input_size(); ++i) {
    const onnx::ValueInfoProto& in = m.graph().input(i);
    EXPECT_EQ(in.name(), columns[i].name);
    const int expected = columns[i].type == ColumnType::kCategorical ? onnx::TensorProto::STRING
                                                                     : onnx::TensorProto::DOUBLE;
    EXPECT_EQ(in.type().tensor_type().elem_type(), expected) << in.name();
    ASSERT_EQ(in.type().tensor_type().shape().dim_size(), 2);
    EXPECT_EQ(in.type().tensor_type().shape().dim(1).dim_value(), 1);
  }
  ASSERT_EQ(m.graph().output_size(), 2);
  EXPECT_EQ(m.graph().output(0).name(), "probability");
  EXPECT_EQ(m.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(m.graph().output(1).name(), "label");
  EXPECT_EQ(m.graph().output(1).type().tensor_type().elem_type(), onnx::TensorProto::INT64);

  const auto ops = OpTypes(m);
  EXPECT_EQ(ops.count("LinearClassifier"), 1u);
  EXPECT_EQ(ops.count("TreeEnsembleClassifier"), 0u);
  size_t categorical = 0;
  for (const auto& c : columns) categorical += c.type == ColumnType::kCategorical;
  EXPECT_EQ(ops.count("LabelEncoder"), categorical);
  EXPECT_EQ(ops.count("OneHotEncoder"), categorical);
  EXPECT_EQ(ops.count("Log"), 0u);  // no calibration
  EXPECT_EQ(exported->calibration, "none");
  EXPECT_EQ(exported->threshold, 0.4);
  const onnx::TensorProto* threshold = Initializer(m, "churnml.threshold");
  ASSERT_NE(threshold, nullptr);
  EXPECT_EQ(threshold->double_data(0), 0.4);
}

TEST_F(OnnxExportTest, PreprocessingConstantsAreTheFittedValuesInDouble) {
  auto artifact = Artifact("logistic");
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  const onnx::ModelProto m = Parse(*exported);
  const onnx::TensorProto* medians = Initializer(m, "churnml.numeric.median");
  const onnx::TensorProto* means = Initializer(m, "churnml.numeric.mean");
  const onnx::TensorProto* scales = Initializer(m, "churnml.numeric.scale");
  ASSERT_TRUE(medians && means && scales);
  int k = 0;
  for (const auto& c : artifact->preprocessor().columns()) {
    if (c.type == ColumnType::kCategorical) {
      const onnx::NodeProto* encoder = nullptr;
      for (const auto& n : m.graph().node()) {
        if (n.op_type() == "LabelEncoder" && n.input(0) == c.name) encoder = &n;
      }
      ASSERT_NE(encoder, nullptr) << c.name;
      const auto* keys = Attr(*encoder, "keys_strings");
      const auto* values = Attr(*encoder, "values_int64s");
      ASSERT_TRUE(keys && values);
      ASSERT_EQ(keys->strings_size(), static_cast<int>(c.categories.size()) + 1);
      for (size_t i = 0; i < c.categories.size(); ++i) {
        EXPECT_EQ(keys->strings(static_cast<int>(i)), c.categories[i]);
        EXPECT_EQ(values->ints(static_cast<int>(i)), static_cast<int64_t>(i));
      }
      // The empty string (a missing cell) maps to the mode; anything else to -1.
      EXPECT_EQ(keys->strings(keys->strings_size() - 1), "");
      EXPECT_EQ(values->ints(values->ints_size() - 1), static_cast<int64_t>(c.mode));
      EXPECT_EQ(Attr(*encoder, "default_int64")->i(), -1);
      continue;
    }
    EXPECT_EQ(medians->double_data(k), c.median) << c.name;
    EXPECT_EQ(means->double_data(k), c.mean) << c.name;
    EXPECT_EQ(scales->double_data(k), c.scale) << c.name;
    ++k;
  }
  const onnx::NodeProto* onehot = FindNode(m, "OneHotEncoder");
  ASSERT_NE(onehot, nullptr);
  EXPECT_EQ(Attr(*onehot, "zeros")->i(), 1);  // "ignore": unknown → all zeros
}

TEST_F(OnnxExportTest, ErrorPolicyMakesTheOneHotEncoderFailOnUnknownCategories) {
  auto artifact = Artifact("logistic", {.unknown_category = UnknownCategoryPolicy::kError});
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  const onnx::ModelProto m = Parse(*exported);
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == "OneHotEncoder") {
      EXPECT_EQ(Attr(n, "zeros")->i(), 0);
    }
  }
}

// The exported coefficients, evaluated on churnml's own features, give
// churnml's probabilities (within float32 rounding of the weights and
// features).
TEST_F(OnnxExportTest, LinearClassifierCoefficientsReproduceTheModel) {
  auto artifact = Artifact("logistic");
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok());
  const onnx::ModelProto m = Parse(*exported);
  const onnx::NodeProto* lc = FindNode(m, "LinearClassifier");
  ASSERT_NE(lc, nullptr);
  EXPECT_EQ(Attr(*lc, "post_transform")->s(), "LOGISTIC");
  const auto* coef = Attr(*lc, "coefficients");
  const auto* intercepts = Attr(*lc, "intercepts");
  const size_t f = x_.cols();
  ASSERT_EQ(coef->floats_size(), static_cast<int>(2 * f));
  ASSERT_EQ(intercepts->floats_size(), 2);
  std::vector<double> expected(x_.rows());
  ASSERT_TRUE(artifact->model().PredictProba(x_, expected).ok());
  double worst = 0;
  for (size_t r = 0; r < x_.rows(); ++r) {
    double s = intercepts->floats(1);
    for (size_t j = 0; j < f; ++j) {
      EXPECT_EQ(coef->floats(static_cast<int>(j)), -coef->floats(static_cast<int>(f + j)));
      s += static_cast<double>(coef->floats(static_cast<int>(f + j))) *
           static_cast<float>(x_.at(r, j));
    }
    worst = std::max(worst, std::fabs(1 / (1 + std::exp(-s)) - expected[r]));
  }
  EXPECT_LT(worst, 1e-6);
}

// Walks the exported trees the way the ONNX spec says (BRANCH_LT: x < value
// takes the true branch) on churnml's features rounded to float, and
// compares the margin with XGBoost's own.
TEST_F(OnnxExportTest, TreeEnsembleReproducesXGBoostMargins) {
  auto artifact = Artifact("xgboost");
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  const onnx::ModelProto m = Parse(*exported);
  const auto ops = OpTypes(m);
  EXPECT_EQ(ops.count("TreeEnsembleClassifier"), 1u);
  EXPECT_EQ(ops.count("LinearClassifier"), 0u);
  const onnx::NodeProto* te = FindNode(m, "TreeEnsembleClassifier");
  ASSERT_NE(te, nullptr);
  EXPECT_EQ(Attr(*te, "post_transform")->s(), "LOGISTIC");
  const auto& treeids = Attr(*te, "nodes_treeids")->ints();
  const auto& nodeids = Attr(*te, "nodes_nodeids")->ints();
  const auto& features = Attr(*te, "nodes_featureids")->ints();
  const auto& modes = Attr(*te, "nodes_modes")->strings();
  const auto& values = Attr(*te, "nodes_values")->floats();
  const auto& yes = Attr(*te, "nodes_truenodeids")->ints();
  const auto& no = Attr(*te, "nodes_falsenodeids")->ints();
  const auto& missing = Attr(*te, "nodes_missing_value_tracks_true")->ints();
  const auto& leaf_trees = Attr(*te, "class_treeids")->ints();
  const auto& leaf_nodes = Attr(*te, "class_nodeids")->ints();
  const auto& leaf_ids = Attr(*te, "class_ids")->ints();
  const auto& weights = Attr(*te, "class_weights")->floats();
  const float base = Attr(*te, "base_values")->floats(0);
  ASSERT_EQ(missing.size(), treeids.size());
  std::set<int64_t> trees(treeids.begin(), treeids.end());
  EXPECT_EQ(trees.size(), 12u);

  std::map<std::pair<int64_t, int64_t>, int> index;
  for (int i = 0; i < treeids.size(); ++i) {
    ASSERT_TRUE(modes[i] == "BRANCH_LT" || modes[i] == "LEAF") << modes[i];
    index[{treeids[i], nodeids[i]}] = i;
  }
  std::map<std::pair<int64_t, int64_t>, float> leaf;
  for (int i = 0; i < weights.size(); ++i) {
    EXPECT_EQ(leaf_ids[i], 0);
    leaf[{leaf_trees[i], leaf_nodes[i]}] = weights[i];
  }
  const auto* xgb = dynamic_cast<const XGBoostModel*>(&artifact->model());
  ASSERT_NE(xgb, nullptr);
  std::vector<double> margin(x_.rows());
  ASSERT_TRUE(xgb->PredictMargin(x_, margin).ok());
  double worst = 0;
  for (size_t r = 0; r < x_.rows(); ++r) {
    double sum = base;
    for (int64_t t : trees) {
      int i = index.at({t, 0});
      while (modes[i] == "BRANCH_LT") {
        const float x = static_cast<float>(x_.at(r, static_cast<size_t>(features[i])));
        i = index.at({t, x < values[i] ? yes[i] : no[i]});
      }
      sum += leaf.at({t, nodeids[i]});
    }
    worst = std::max(worst, std::fabs(sum - margin[r]));
  }
  EXPECT_LT(worst, 1e-5);
}

TEST_F(OnnxExportTest, PlattCalibrationIsAppliedAfterTheModel) {
  auto artifact = Artifact("logistic");
  auto platt = Calibrator::Platt(-1.25, 0.125);
  ASSERT_TRUE(platt.ok());
  artifact->SetCalibration(*platt);
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_EQ(exported->calibration, "platt");
  const onnx::ModelProto m = Parse(*exported);
  const auto ops = OpTypes(m);
  EXPECT_EQ(ops.count("Log"), 1u);
  EXPECT_EQ(ops.count("Exp"), 1u);
  ASSERT_NE(Initializer(m, "churnml.platt.a"), nullptr);
  EXPECT_EQ(Initializer(m, "churnml.platt.a")->double_data(0), -1.25);
  EXPECT_EQ(Initializer(m, "churnml.platt.b")->double_data(0), 0.125);
  // The label compares the calibrated probability: it is the Cast of the
  // calibration's output that feeds GreaterOrEqual.
  const onnx::NodeProto* cast = nullptr;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == "Cast" && n.output(0) == "probability") cast = &n;
  }
  ASSERT_NE(cast, nullptr);
  EXPECT_EQ(cast->input(0), "churnml.platt.p");
}

TEST_F(OnnxExportTest, IsotonicCalibrationIsRefusedByName) {
  auto artifact = Artifact("xgboost");
  auto isotonic = Calibrator::Isotonic({0.1, 0.9}, {0.2, 0.8});
  ASSERT_TRUE(isotonic.ok());
  artifact->SetCalibration(*isotonic);
  auto exported = ExportOnnx(*artifact);
  ASSERT_FALSE(exported.ok());
  EXPECT_EQ(exported.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(exported.status().message().find("isotonic calibration"), std::string::npos)
      << exported.status().message();
  EXPECT_EQ(exported.status().message().find('\n'), std::string::npos);
}

TEST_F(OnnxExportTest, UnknownArtifactFileIsRefusedByName) {
  auto artifact = Artifact("logistic");
  auto reloaded = Reloaded(*artifact, "adjustments.json", "{}");
  auto exported = ExportOnnx(*reloaded);
  ASSERT_FALSE(exported.ok());
  EXPECT_EQ(exported.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(exported.status().message().find("\"adjustments.json\""), std::string::npos)
      << exported.status().message();
}

TEST_F(OnnxExportTest, UnknownModelKindIsRefusedByName) {
  auto pre = Preprocessor::Fit(data_, {});
  ASSERT_TRUE(pre.ok());
  const size_t n = pre->num_features();
  ModelArtifact artifact(Schema::Telco(), std::move(*pre), std::make_unique<ConstantModel>(n), 0.5,
                         0.26, nlohmann::json::object());
  auto exported = ExportOnnx(artifact);
  ASSERT_FALSE(exported.ok());
  EXPECT_EQ(exported.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(exported.status().message().find("\"constant\""), std::string::npos)
      << exported.status().message();
}

TEST_F(OnnxExportTest, WriteReplacesTheFileWholeAndLeavesNoTemporary) {
  auto artifact = Artifact("logistic");
  auto exported = ExportOnnx(*artifact);
  ASSERT_TRUE(exported.ok());
  const auto path = dir_ / "model.onnx";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  ASSERT_TRUE(WriteOnnxFile(*exported, path).ok());
  auto bytes = ReadBoundedFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, exported->bytes);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);  // data.csv and model.onnx
}

}  // namespace
}  // namespace churnml
