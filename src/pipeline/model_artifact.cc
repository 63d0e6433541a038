#include "pipeline/model_artifact.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <set>

#include "common/build_info.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "models/model_files.h"
#include "tracking/artifact_checksums.h"

namespace churnml {
namespace fs = std::filesystem;

namespace {

constexpr char kModelJson[] = "model.json";
constexpr char kPreprocessorJson[] = "preprocessor.json";
constexpr char kCalibrationJson[] = "calibration.json";
constexpr char kFilesKey[] = "files";
constexpr std::string_view kSha256Prefix = "sha256:";
constexpr char kEnsembleKey[] = "ensemble";
// Member i's files are stored as "member-<i>.<name>".
constexpr std::string_view kMemberPrefixStart = "member-";

std::string MemberPrefix(size_t index) {
  return std::string(kMemberPrefixStart) + std::to_string(index + 1) + ".";
}

std::string UtcNow() { return FormatUtcSeconds(std::chrono::system_clock::now()); }

// model.json's "files": {"name": "sha256:<hex>"} for every other file.
Result<std::map<std::string, std::string, std::less<>>> ParseListedFiles(
    const nlohmann::json& files, const std::string& where, bool require_preprocessor) {
  auto bad = [&where](const std::string& what) {
    return InvalidArgumentError(where + ": field \"files\": " + what);
  };
  if (!files.is_object()) return bad("expected an object of file name to \"sha256:<hex>\"");
  if (files.size() > tracking::kMaxArtifactFiles) {
    return bad("more than " + std::to_string(tracking::kMaxArtifactFiles) + " files");
  }
  std::map<std::string, std::string, std::less<>> out;
  for (const auto& [name, value] : files.items()) {
    if (!tracking::IsArtifactFileName(name) || name == kModelJson) {
      return bad("\"" + name.substr(0, 64) + "\" is not a file name an artifact may list");
    }
    if (!value.is_string() || !value.get_ref<const std::string&>().starts_with(kSha256Prefix) ||
        !tracking::IsSha256Hex(value.get_ref<const std::string&>().substr(kSha256Prefix.size()))) {
      return bad("\"" + name + "\": expected \"sha256:\" and 64 lowercase hex digits");
    }
    out.emplace(name, value.get<std::string>().substr(kSha256Prefix.size()));
  }
  if (require_preprocessor && out.find(kPreprocessorJson) == out.end()) {
    return bad("preprocessor.json is not listed");
  }
  return out;
}

// A finite number in [0, 1] at `doc[field]`.
Result<double> Probability(const nlohmann::json& doc, const char* field, const std::string& where) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_number()) {
    return InvalidArgumentError(where + ": field \"" + field + "\" is missing or not a number");
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0.0 || v > 1.0) {
    return InvalidArgumentError(where + ": field \"" + field + "\" is " + FormatDouble(v) +
                                ", not a probability in [0, 1]");
  }
  return v;
}

// Every fitted column must be a feature of the schema with the same kind of
// type, or Transform would fail on every request instead of at load.
Status CheckPreprocessorAgainstSchema(const Preprocessor& pre, const Schema& schema,
                                      const std::string& where) {
  for (const FeatureColumnTransform& t : pre.columns()) {
    std::optional<size_t> index = schema.IndexOf(t.name);
    const bool is_feature =
        index && std::find(schema.feature_indices().begin(), schema.feature_indices().end(),
                           *index) != schema.feature_indices().end();
    if (!is_feature) {
      return InvalidArgumentError(where + ": column \"" + t.name +
                                  "\" is not a feature of the schema in model.json");
    }
    const bool categorical = schema.column(*index).type == ColumnType::kCategorical;
    if (categorical != (t.type == ColumnType::kCategorical)) {
      return InvalidArgumentError(where + ": column \"" + t.name +
                                  "\" has a different type than in the schema in model.json");
    }
  }
  return Status::Ok();
}

}  // namespace

// Reads an artifact's files for Load: each once, bounded in size, and
// checked against every checksum that names it — the one in model.json's
// "files" and the store's record — before its bytes are handed to a parser.
// The bytes come from `source`: the directory (regular files only), or,
// for an ensemble member, the ensemble's own reader under the member's
// prefix (so the ensemble's checksums are checked too).
class ModelArtifact::Reader {
 public:
  using Source = std::function<Result<std::string>(std::string_view name, size_t max_bytes)>;

  Reader(fs::path dir, std::string prefix, Source source, ArtifactLoadOptions options)
      : dir_(std::move(dir)),
        prefix_(std::move(prefix)),
        source_(std::move(source)),
        options_(std::move(options)) {}

  static Source Directory(const fs::path& dir) {
    return [dir](std::string_view name, size_t max_bytes) {
      return ReadBoundedFile(dir / name, max_bytes);
    };
  }

  // Where `name` lives, for messages.
  fs::path Path(std::string_view name) const { return dir_ / (prefix_ + std::string(name)); }
  // The artifact, for messages: the directory, or the member's files in it.
  std::string Label() const {
    return prefix_.empty() ? dir_.string() : (dir_ / (prefix_ + "*")).string();
  }
  const fs::path& dir() const { return dir_; }
  const std::string& prefix() const { return prefix_; }
  const ArtifactLoadOptions& options() const { return options_; }

  // model.json's "files" (format version 2 and later).
  void SetListed(std::map<std::string, std::string, std::less<>> listed) {
    listed_ = std::move(listed);
    has_listed_ = true;
  }
  bool has_listed() const { return has_listed_; }
  const std::map<std::string, std::string, std::less<>>& listed() const { return listed_; }
  bool WasRead(const std::string& name) const { return read_.count(name) > 0; }

  // The descriptive JSON files get the small limit, whatever their prefix.
  static size_t LimitFor(std::string_view name) {
    if (const size_t dot = name.find('.');
        name.starts_with(kMemberPrefixStart) && dot != std::string_view::npos) {
      name.remove_prefix(dot + 1);
    }
    const bool metadata =
        name == kModelJson || name == kPreprocessorJson || name == kHyperparametersFile;
    return metadata ? kMaxArtifactMetadataBytes : kMaxArtifactFileBytes;
  }

  Result<std::string> Read(std::string_view name) { return Read(name, LimitFor(name)); }

  Result<std::string> Read(std::string_view name, size_t max_bytes) {
    const std::string path = Path(name).string();
    if (name != kModelJson && has_listed_ && listed_.find(name) == listed_.end()) {
      return InvalidArgumentError(path +
                                  ": not listed in model.json's \"files\", so it cannot be "
                                  "verified; refusing to load it");
    }
    CHURNML_ASSIGN_OR_RETURN(std::string bytes, source_(name, max_bytes));
    const std::string sha256 = tracking::Sha256Hex(bytes);
    if (auto it = listed_.find(name); it != listed_.end() && it->second != sha256) {
      return InvalidArgumentError(path +
                                  ": checksum mismatch: its SHA-256 is not the one model.json "
                                  "lists (the file changed after the artifact was written)");
    }
    if (auto it = options_.expected_sha256.find(std::string(name));
        it != options_.expected_sha256.end() && it->second != sha256) {
      return InvalidArgumentError(
          path + ": checksum mismatch: its SHA-256 is not the one the store recorded" +
          (options_.record_name.empty() ? std::string() : " for " + options_.record_name) +
          " at registration (the file changed after it was registered)");
    }
    read_.insert(std::string(name));
    return bytes;
  }

 private:
  fs::path dir_;
  std::string prefix_;
  Source source_;
  ArtifactLoadOptions options_;
  std::map<std::string, std::string, std::less<>> listed_;
  bool has_listed_ = false;
  std::set<std::string> read_;
};

ModelArtifact::ModelArtifact(Schema schema, Preprocessor preprocessor, std::unique_ptr<Model> model,
                             double threshold, double positive_rate, nlohmann::json metadata)
    : schema_(std::move(schema)),
      preprocessor_(std::move(preprocessor)),
      model_(std::move(model)),
      threshold_(threshold),
      positive_rate_(positive_rate),
      metadata_(std::move(metadata)) {}

Status ModelArtifact::AddFile(std::string name, std::string contents) {
  if (!tracking::IsArtifactFileName(name) || name == kModelJson || name == kPreprocessorJson ||
      name == kHyperparametersFile || name == kCalibrationJson) {
    return InvalidArgumentError("artifact file name \"" + name.substr(0, 64) +
                                "\" is not allowed (a plain name of [A-Za-z0-9._-], not one the "
                                "artifact writes itself)");
  }
  files_[std::move(name)] = std::move(contents);
  return Status::Ok();
}

Result<std::string_view> ModelArtifact::File(std::string_view name) const {
  auto it = files_.find(name);
  if (it == files_.end())
    return NotFoundError("the artifact has no file \"" + std::string(name) + "\"");
  return std::string_view(it->second);
}

Status ModelArtifact::Save(const fs::path& dir, ExistingPolicy policy) const {
  CHURNML_ASSIGN_OR_RETURN(StagedDirectory staged, StagedDirectory::Create(dir, policy));
  nlohmann::json doc = metadata_;
  doc["format_version"] = is_ensemble() ? kEnsembleArtifactFormatVersion : kArtifactFormatVersion;
  doc["kind"] = std::string(model_->kind());
  doc["created_at"] = UtcNow();
  doc["churnml_version"] = kVersion;
  doc["git_commit"] = kGitCommit;
  doc["schema"] = schema_.ToJson();
  doc["feature_names"] = preprocessor_.feature_names();
  doc["threshold"] = threshold_;
  doc["positive_rate"] = positive_rate_;
  doc["hyperparameters"] = model_->hyperparameters();
  if (calibration_) {
    doc["calibration"] = std::string(CalibrationMethodName(calibration_->method()));
    CHURNML_RETURN_IF_ERROR(WriteFileAtomically(staged.path() / kCalibrationJson,
                                                DumpJson(calibration_->ToJson()) + "\n"));
  } else {
    doc.erase("calibration");
  }
  if (is_ensemble()) {
    doc[kEnsembleKey] = {{"members", member_records_}};
  } else {
    doc.erase(kEnsembleKey);
    CHURNML_RETURN_IF_ERROR(WriteFileAtomically(staged.path() / kPreprocessorJson,
                                                DumpJson(preprocessor_.ToJson(), 2) + "\n"));
  }
  CHURNML_RETURN_IF_ERROR(model_->Save(staged.path()));
  for (const auto& [name, contents] : files_) {
    CHURNML_RETURN_IF_ERROR(WriteFileAtomically(staged.path() / name, contents));
  }
  // model.json is written last and lists the checksum of every file
  // written before it, whatever the model kind wrote.
  CHURNML_ASSIGN_OR_RETURN(tracking::ArtifactChecksums checksums,
                           tracking::ChecksumArtifactDirectory(staged.path()));
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [name, sha256] : checksums) files[name] = std::string(kSha256Prefix) + sha256;
  doc[kFilesKey] = std::move(files);
  CHURNML_RETURN_IF_ERROR(WriteFileAtomically(staged.path() / kModelJson, DumpJson(doc, 2) + "\n"));
  return staged.Commit();
}

Result<std::shared_ptr<const ModelArtifact>> ModelArtifact::Load(
    const fs::path& dir, const ModelRegistry& registry, const ArtifactLoadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFoundError("model " + dir.string() + " not found (expected a model directory)");
  }
  Reader reader(dir, "", Reader::Directory(dir), options);
  return LoadFrom(reader, registry, 0);
}

Result<EnsembleMember> ModelArtifact::LoadMember(const fs::path& dir, const ModelRegistry& registry,
                                                 const ArtifactLoadOptions& options,
                                                 std::string source) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFoundError("model " + dir.string() + " not found (expected a model directory)");
  }
  EnsembleMember member;
  member.source = std::move(source);
  // Load reads model.json and every file it lists exactly once: what it
  // verified is what is kept.
  Reader::Source disk = Reader::Directory(dir);
  Reader reader(
      dir, "",
      [&disk, &member](std::string_view name, size_t max_bytes) -> Result<std::string> {
        CHURNML_ASSIGN_OR_RETURN(std::string bytes, disk(name, max_bytes));
        member.files[std::string(name)] = bytes;
        return bytes;
      },
      options);
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadFrom(reader, registry, 1);
  if (!artifact.ok()) return artifact.status();
  if (!reader.has_listed()) {
    return FailedPreconditionError(dir.string() +
                                   " has artifact format version 1 (no checksums), which an "
                                   "ensemble cannot verify; retrain it first");
  }
  member.artifact = std::move(*artifact);
  return member;
}

Result<std::unique_ptr<ModelArtifact>> ModelArtifact::MakeEnsemble(
    Schema schema, std::unique_ptr<EnsembleModel> combiner, std::vector<EnsembleMember> members,
    double threshold, double positive_rate, nlohmann::json metadata) {
  if (members.size() < 2 || members.size() > kMaxEnsembleMembers) {
    return InvalidArgumentError("an ensemble has 2 to " + std::to_string(kMaxEnsembleMembers) +
                                " members, got " + std::to_string(members.size()));
  }
  if (combiner == nullptr || combiner->num_features() != members.size()) {
    return InvalidArgumentError("the ensemble's combiner does not have one weight per member");
  }
  const nlohmann::json schema_json = schema.ToJson();
  const EnsembleModel* ensemble = combiner.get();
  auto out = std::make_unique<ModelArtifact>(std::move(schema), Preprocessor(), std::move(combiner),
                                             threshold, positive_rate, std::move(metadata));
  out->ensemble_ = ensemble;
  out->member_records_ = nlohmann::json::array();
  for (size_t i = 0; i < members.size(); ++i) {
    EnsembleMember& m = members[i];
    const std::string name = "member " + std::to_string(i + 1) + " (" + m.source + ")";
    if (m.artifact == nullptr || m.artifact->is_ensemble()) {
      return InvalidArgumentError(name + " is an ensemble; ensembles do not nest");
    }
    if (m.artifact->schema().ToJson() != schema_json) {
      return InvalidArgumentError(name + " was trained on a different schema than the ensemble's");
    }
    if (m.files.count(kModelJson) == 0) {
      return InvalidArgumentError(name + " has no model.json among its files");
    }
    const std::string prefix = MemberPrefix(i);
    for (auto& [file, bytes] : m.files) {
      const std::string stored = prefix + file;
      if (!tracking::IsArtifactFileName(stored)) {
        return InvalidArgumentError(name + ": file \"" + file.substr(0, 64) +
                                    "\" cannot be stored in an artifact");
      }
      out->files_[stored] = std::move(bytes);
    }
    out->member_records_.push_back({{"prefix", prefix},
                                    {"source", m.source},
                                    {"kind", std::string(m.artifact->model().kind())}});
    out->members_.push_back(std::move(m.artifact));
  }
  return out;
}

Status ModelArtifact::LoadEnsembleParts(Reader& reader, const nlohmann::json& doc,
                                        const ModelRegistry& registry, int depth,
                                        ModelArtifact* out) {
  const std::string where = reader.Path(kModelJson).string();
  if (depth > 0) {
    return InvalidArgumentError(where +
                                ": an ensemble member is itself an ensemble; ensembles "
                                "do not nest");
  }
  ModelFiles files(reader.dir(), [&reader](std::string_view name) { return reader.Read(name); });
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<EnsembleModel> combiner, EnsembleModel::Load(files));
  if (doc["hyperparameters"] != combiner->hyperparameters()) {
    return InvalidArgumentError(
        reader.Label() + ": hyperparameters in model.json and hyperparameters.json disagree");
  }
  auto e = doc.find(kEnsembleKey);
  if (e == doc.end() || !e->is_object() || e->size() != 1 || !e->contains("members") ||
      !(*e)["members"].is_array()) {
    return InvalidArgumentError(where +
                                ": field \"ensemble\" must be {\"members\": [...]} for kind "
                                "\"ensemble\"");
  }
  const nlohmann::json& records = (*e)["members"];
  if (records.size() != combiner->num_features()) {
    return InvalidArgumentError(where + ": " + std::to_string(records.size()) + " members for " +
                                std::to_string(combiner->num_features()) + " weights");
  }
  const nlohmann::json schema_json = out->schema_.ToJson();
  for (size_t i = 0; i < records.size(); ++i) {
    const nlohmann::json& r = records[i];
    const std::string field = "field \"ensemble\": member " + std::to_string(i + 1);
    const std::string prefix = MemberPrefix(i);
    if (!r.is_object() || r.size() != 3 || !r.contains("prefix") || !r.contains("source") ||
        !r.contains("kind") || r["prefix"] != prefix || !r["source"].is_string() ||
        r["source"].get_ref<const std::string&>().size() > 4096 || !r["kind"].is_string()) {
      return InvalidArgumentError(where + ": " + field + ": expected {\"prefix\": \"" + prefix +
                                  "\", \"source\": text, \"kind\": text}");
    }
    Reader member(
        reader.dir(), prefix,
        [&reader, prefix](std::string_view name, size_t max_bytes) {
          return reader.Read(prefix + std::string(name), max_bytes);
        },
        ArtifactLoadOptions{});
    CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ModelArtifact> loaded,
                             LoadFrom(member, registry, depth + 1));
    if (loaded->model().kind() != r["kind"].get<std::string>()) {
      return InvalidArgumentError(where + ": " + field + " is a " +
                                  std::string(loaded->model().kind()) + " model, not " +
                                  r["kind"].get<std::string>());
    }
    if (loaded->schema().ToJson() != schema_json) {
      return InvalidArgumentError(member.Label() +
                                  ": the member's schema differs from the ensemble's");
    }
    out->members_.push_back(std::move(loaded));
  }
  out->member_records_ = records;
  out->ensemble_ = combiner.get();
  out->model_ = std::move(combiner);
  return Status::Ok();
}

Result<std::shared_ptr<const ModelArtifact>> ModelArtifact::LoadFrom(Reader& reader,
                                                                     const ModelRegistry& registry,
                                                                     int depth) {
  const std::string where = reader.Path(kModelJson).string();
  std::vector<std::string> warnings;
  nlohmann::json doc;
  {
    CHURNML_ASSIGN_OR_RETURN(std::string text, reader.Read(kModelJson));
    CHURNML_ASSIGN_OR_RETURN(doc, ParseBoundedJson(text, where));
  }
  auto field_error = [&](const std::string& field) {
    return InvalidArgumentError(where + ": field \"" + field +
                                "\" is missing or has the wrong type");
  };
  if (!doc.is_object() || !doc.contains("format_version") ||
      !doc["format_version"].is_number_integer()) {
    return field_error("format_version");
  }
  const int64_t version = doc["format_version"].get<int64_t>();
  if (version < kOldestArtifactFormatVersion || version > kEnsembleArtifactFormatVersion) {
    return FailedPreconditionError(where + ": artifact format version " + std::to_string(version) +
                                   " is not supported by churnml " + kVersion +
                                   " (reads versions " +
                                   std::to_string(kOldestArtifactFormatVersion) + " to " +
                                   std::to_string(kEnsembleArtifactFormatVersion) + ")");
  }
  for (const char* field :
       {"kind", "schema", "feature_names", "threshold", "positive_rate", "hyperparameters"}) {
    if (!doc.contains(field)) return field_error(field);
  }
  if (!doc["kind"].is_string()) return field_error("kind");
  const std::string kind = doc["kind"].get<std::string>();
  const bool ensemble = kind == kEnsembleKind;
  if (ensemble && version < kEnsembleArtifactFormatVersion) {
    return InvalidArgumentError(where + ": kind \"ensemble\" needs format version " +
                                std::to_string(kEnsembleArtifactFormatVersion));
  }
  if (version >= 2) {
    if (!doc.contains(kFilesKey)) return field_error(kFilesKey);
    CHURNML_ASSIGN_OR_RETURN(auto listed, ParseListedFiles(doc[kFilesKey], where, !ensemble));
    reader.SetListed(std::move(listed));
  } else {
    warnings.push_back(reader.Label() + " has artifact format version 1, which records no " +
                       "checksums of its files; it was checked for damage but cannot be " +
                       "verified (retrain to get format version " +
                       std::to_string(kArtifactFormatVersion) + ")");
  }
  const ArtifactLoadOptions& options = reader.options();
  if (!options.record_name.empty() && options.expected_sha256.empty()) {
    warnings.push_back(options.record_name +
                       " was registered before the store recorded artifact checksums; its "
                       "files are checked against model.json only");
  }
  if (!doc["feature_names"].is_array()) return field_error("feature_names");
  if (!doc["hyperparameters"].is_object()) return field_error("hyperparameters");
  CHURNML_ASSIGN_OR_RETURN(double threshold, Probability(doc, "threshold", where));
  CHURNML_ASSIGN_OR_RETURN(double positive_rate, Probability(doc, "positive_rate", where));
  Result<Schema> schema = Schema::FromJson(doc["schema"]);
  if (!schema.ok()) return schema.status().WithContext(where + ": field \"schema\"");

  std::shared_ptr<ModelArtifact> artifact;
  if (ensemble) {
    if (!doc["feature_names"].empty()) return field_error("feature_names");
    if (doc.contains("calibration")) {
      return InvalidArgumentError(where + ": an ensemble carries no calibration of its own");
    }
    artifact = std::make_shared<ModelArtifact>(std::move(*schema), Preprocessor(), nullptr,
                                               threshold, positive_rate, nlohmann::json());
    CHURNML_RETURN_IF_ERROR(LoadEnsembleParts(reader, doc, registry, depth, artifact.get()));
  } else {
    const std::string pre_where = reader.Path(kPreprocessorJson).string();
    Result<Preprocessor> preprocessor = [&]() -> Result<Preprocessor> {
      CHURNML_ASSIGN_OR_RETURN(std::string text, reader.Read(kPreprocessorJson));
      CHURNML_ASSIGN_OR_RETURN(nlohmann::json pre_doc, ParseBoundedJson(text, pre_where));
      return Preprocessor::FromJson(pre_doc);
    }();
    if (!preprocessor.ok()) {
      if (preprocessor.status().message().starts_with(pre_where)) return preprocessor.status();
      return preprocessor.status().WithContext(pre_where);
    }
    if (doc["feature_names"] != nlohmann::json(preprocessor->feature_names())) {
      return InvalidArgumentError(reader.Label() +
                                  ": feature names in model.json and preprocessor.json disagree");
    }
    CHURNML_RETURN_IF_ERROR(CheckPreprocessorAgainstSchema(*preprocessor, *schema, pre_where));

    ModelFiles files(reader.dir(), [&reader](std::string_view name) { return reader.Read(name); });
    CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, registry.Load(kind, files));
    if (model->num_features() != preprocessor->num_features()) {
      return InvalidArgumentError(reader.Label() + ": the " + kind + " model takes " +
                                  std::to_string(model->num_features()) +
                                  " features, preprocessor.json produces " +
                                  std::to_string(preprocessor->num_features()));
    }
    if (doc["hyperparameters"] != model->hyperparameters()) {
      return InvalidArgumentError(
          reader.Label() + ": hyperparameters in model.json and hyperparameters.json disagree");
    }

    // calibration.json: present exactly when model.json names a method.
    std::optional<Calibrator> calibration;
    if (auto c = doc.find("calibration"); c != doc.end()) {
      if (!c->is_string()) return field_error("calibration");
      const std::string cal_where = reader.Path(kCalibrationJson).string();
      CHURNML_ASSIGN_OR_RETURN(std::string text, reader.Read(kCalibrationJson));
      CHURNML_ASSIGN_OR_RETURN(nlohmann::json cal_doc, ParseBoundedJson(text, cal_where));
      CHURNML_ASSIGN_OR_RETURN(Calibrator cal, Calibrator::FromJson(cal_doc, cal_where));
      if (CalibrationMethodName(cal.method()) != c->get<std::string>()) {
        return InvalidArgumentError(cal_where + ": method \"" +
                                    std::string(CalibrationMethodName(cal.method())) +
                                    "\" differs from model.json's \"calibration\"");
      }
      calibration = std::move(cal);
    } else if (reader.has_listed() && reader.listed().count(kCalibrationJson) > 0) {
      return InvalidArgumentError(where +
                                  ": calibration.json is listed but field \"calibration\" "
                                  "is missing");
    }
    artifact = std::make_shared<ModelArtifact>(std::move(*schema), std::move(*preprocessor),
                                               std::move(model), threshold, positive_rate,
                                               nlohmann::json());
    artifact->calibration_ = std::move(calibration);
  }
  // Every listed file is verified now, used or not: a damaged file is
  // refused at load, never discovered later.
  for (const auto& [name, sha256] : reader.listed()) {
    if (reader.WasRead(name)) continue;
    CHURNML_ASSIGN_OR_RETURN(std::string bytes, reader.Read(name));
    artifact->files_.emplace(name, std::move(bytes));
  }
  artifact->metadata_ = std::move(doc);
  artifact->warnings_ = std::move(warnings);
  return std::shared_ptr<const ModelArtifact>(std::move(artifact));
}

Result<FeatureMatrix> ModelArtifact::MemberProbabilities(const Dataset& data) const {
  if (!is_ensemble()) return FailedPreconditionError("this model is not an ensemble");
  FeatureMatrix x(data.num_rows(), members_.size());
  std::vector<double> p;
  for (size_t k = 0; k < members_.size(); ++k) {
    Status s = members_[k]->PredictProba(data, &p);
    if (!s.ok()) return s.WithContext("ensemble member " + std::to_string(k + 1));
    if (p.size() != x.rows()) return InternalError("ensemble member returned a wrong row count");
    for (size_t r = 0; r < p.size(); ++r) x.at(r, k) = p[r];
  }
  return x;
}

Status ModelArtifact::PredictProba(const Dataset& data, std::vector<double>* probabilities) const {
  CHURNML_ASSIGN_OR_RETURN(FeatureMatrix features, is_ensemble() ? MemberProbabilities(data)
                                                                 : preprocessor_.Transform(data));
  probabilities->resize(features.rows());
  return PredictFeatures(features, *probabilities);
}

Status ModelArtifact::PredictFeatures(const FeatureMatrix& features,
                                      std::span<double> probabilities) const {
  CHURNML_RETURN_IF_ERROR(model_->PredictProba(features, probabilities));
  if (calibration_) calibration_->Apply(probabilities);
  return Status::Ok();
}

Status ModelArtifact::PredictUncalibrated(const Dataset& data,
                                          std::vector<double>* probabilities) const {
  if (is_ensemble()) return PredictProba(data, probabilities);
  CHURNML_ASSIGN_OR_RETURN(FeatureMatrix features, preprocessor_.Transform(data));
  probabilities->resize(features.rows());
  return model_->PredictProba(features, *probabilities);
}

}  // namespace churnml
