#include "pipeline/reference_profile.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_map>

namespace churnml {
namespace {

using nlohmann::json;

// Counts above 2^53 would not survive a round trip through a JSON double.
constexpr int64_t kMaxCount = int64_t{1} << 53;

std::string_view KindName(HistogramKind kind) {
  return kind == HistogramKind::kNumeric ? "numeric" : "categorical";
}

// Puts the order statistics at the sorted, distinct `positions` (offsets
// from `base`) of [first, last) in place, as std::sort would: the middle one
// first, then each side. O(n log positions), not a full sort.
void SelectOrderStatistics(double* base, double* first, double* last, const size_t* pos_begin,
                           const size_t* pos_end) {
  if (pos_begin == pos_end) return;
  const size_t* mid = pos_begin + (pos_end - pos_begin) / 2;
  double* nth = base + *mid;
  std::nth_element(first, nth, last);
  SelectOrderStatistics(base, first, nth, pos_begin, mid);
  SelectOrderStatistics(base, nth + 1, last, mid + 1, pos_end);
}

// Quantile cut points of the finite values in `values` (NaN skipped):
// unique, strictly increasing, each above the minimum so no bin is empty by
// construction.
std::vector<double> QuantileEdges(std::vector<double> values, int bins) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  std::vector<double> edges;
  if (values.empty()) return edges;
  const size_t n = values.size();
  // Only the quantiles are needed: the same values a full sort gives at
  // these positions (a sort of 800k training values per column was most of
  // train's save stage).
  std::vector<size_t> positions;
  for (int j = 1; j < bins; ++j) {
    const size_t pos = static_cast<size_t>(static_cast<double>(j) * n / bins);
    if (positions.empty() || pos > positions.back()) positions.push_back(pos);
  }
  const double lowest = *std::min_element(values.begin(), values.end());
  SelectOrderStatistics(values.data(), values.data(), values.data() + n, positions.data(),
                        positions.data() + positions.size());
  for (size_t pos : positions) {
    const double q = values[pos];
    if (q > lowest && (edges.empty() || q > edges.back()) && std::isfinite(q)) {
      edges.push_back(q);
    }
  }
  return edges;
}

Histogram NumericHistogram(std::string name, std::span<const double> values, int bins) {
  Histogram h;
  h.name = std::move(name);
  h.kind = HistogramKind::kNumeric;
  h.edges = QuantileEdges(std::vector<double>(values.begin(), values.end()), bins);
  h.counts.assign(h.edges.size() + 2, 0);
  h.AddNumbers(values);
  return h;
}

// Maps a dataset column's level codes onto the histogram's bins by text.
std::vector<size_t> LevelBins(const Histogram& h, const std::vector<std::string>& levels) {
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < h.levels.size(); ++i) index.emplace(h.levels[i], i);
  std::vector<size_t> bins(levels.size(), h.levels.size());  // unseen by default
  for (size_t i = 0; i < levels.size(); ++i) {
    auto it = index.find(levels[i]);
    if (it != index.end()) bins[i] = it->second;
  }
  return bins;
}

void CountCategorical(const ColumnData& column, Histogram* h) {
  const std::vector<size_t> bins = LevelBins(*h, column.levels);
  const size_t unseen = h->levels.size();
  for (int32_t code : column.codes) {
    if (code == kMissingCode) {
      ++h->counts[h->missing_bin()];
    } else if (code < 0 || static_cast<size_t>(code) >= bins.size()) {
      ++h->counts[unseen];
    } else {
      ++h->counts[bins[static_cast<size_t>(code)]];
    }
  }
}

Status CountScores(std::span<const double> scores, Histogram* h) {
  h->AddNumbers(scores);
  return Status::Ok();
}

bool SameBins(const Histogram& a, const Histogram& b) {
  return a.name == b.name && a.kind == b.kind && a.edges == b.edges && a.levels == b.levels &&
         a.counts.size() == b.counts.size();
}

json HistogramJson(const Histogram& h) {
  json j = {{"name", h.name}, {"kind", KindName(h.kind)}};
  if (h.kind == HistogramKind::kNumeric) {
    j["edges"] = h.edges;
  } else {
    j["levels"] = h.levels;
  }
  j["counts"] = h.counts;
  return j;
}

// --- parsing a hostile file ---------------------------------------------

Status FieldError(const std::string& where, const std::string& what) {
  return InvalidArgumentError("profile " + where + ": " + what);
}

Status CheckKeys(const json& obj, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return FieldError(where, "unknown key \"" + key.substr(0, 64) + "\"");
    }
  }
  return Status::Ok();
}

Result<int64_t> CountValue(const json& v, const std::string& where) {
  if (!v.is_number_integer() ||
      (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)) {
    return FieldError(where, "counts must be non-negative integers");
  }
  const uint64_t u =
      v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
  if (u > static_cast<uint64_t>(kMaxCount)) return FieldError(where, "count too large");
  return static_cast<int64_t>(u);
}

Result<Histogram> ParseHistogram(const json& j, const std::string& where) {
  if (!j.is_object()) return FieldError(where, "must be an object");
  CHURNML_RETURN_IF_ERROR(CheckKeys(j, where, {"name", "kind", "edges", "levels", "counts"}));
  Histogram h;
  if (!j.contains("name") || !j["name"].is_string())
    return FieldError(where, "\"name\" must be a string");
  h.name = j["name"].get<std::string>();
  if (h.name.empty() || h.name.size() > kMaxLevelBytes) {
    return FieldError(where,
                      "\"name\" must have 1 to " + std::to_string(kMaxLevelBytes) + " bytes");
  }
  const std::string at = where + " (\"" + h.name.substr(0, 64) + "\")";
  if (!j.contains("kind") || !j["kind"].is_string())
    return FieldError(at, "\"kind\" must be a string");
  const std::string kind = j["kind"].get<std::string>();
  if (!j.contains("counts") || !j["counts"].is_array()) {
    return FieldError(at, "\"counts\" must be an array");
  }
  size_t expected_bins = 0;
  if (kind == "numeric") {
    h.kind = HistogramKind::kNumeric;
    if (j.contains("levels")) return FieldError(at, "a numeric histogram has no \"levels\"");
    if (!j.contains("edges") || !j["edges"].is_array()) {
      return FieldError(at, "\"edges\" must be an array");
    }
    const json& edges = j["edges"];
    if (edges.size() + 2 > kMaxProfileBins) return FieldError(at, "too many edges");
    for (const json& e : edges) {
      if (!e.is_number()) return FieldError(at, "edges must be numbers");
      const double v = e.get<double>();
      if (!std::isfinite(v)) return FieldError(at, "edges must be finite");
      if (!h.edges.empty() && !(v > h.edges.back())) {
        return FieldError(at, "edges must be strictly increasing");
      }
      h.edges.push_back(v);
    }
    expected_bins = h.edges.size() + 2;
  } else if (kind == "categorical") {
    h.kind = HistogramKind::kCategorical;
    if (j.contains("edges")) return FieldError(at, "a categorical histogram has no \"edges\"");
    if (!j.contains("levels") || !j["levels"].is_array()) {
      return FieldError(at, "\"levels\" must be an array");
    }
    const json& levels = j["levels"];
    if (levels.size() + 2 > kMaxProfileBins) return FieldError(at, "too many levels");
    for (const json& l : levels) {
      if (!l.is_string()) return FieldError(at, "levels must be strings");
      std::string level = l.get<std::string>();
      if (level.size() > kMaxLevelBytes) return FieldError(at, "a level is too long");
      if (std::find(h.levels.begin(), h.levels.end(), level) != h.levels.end()) {
        return FieldError(at, "levels must be unique");
      }
      h.levels.push_back(std::move(level));
    }
    expected_bins = h.levels.size() + 2;
  } else {
    return FieldError(at, "\"kind\" must be \"numeric\" or \"categorical\"");
  }
  const json& counts = j["counts"];
  if (counts.size() != expected_bins) {
    return FieldError(at, "has " + std::to_string(counts.size()) + " counts, expected " +
                              std::to_string(expected_bins));
  }
  int64_t total = 0;
  for (const json& c : counts) {
    CHURNML_ASSIGN_OR_RETURN(int64_t count, CountValue(c, at));
    if (count > kMaxCount - total) return FieldError(at, "counts sum too large");
    total += count;
    h.counts.push_back(count);
  }
  return h;
}

}  // namespace

size_t Histogram::NumericBin(double value) const {
  if (std::isnan(value)) return missing_bin();
  return static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), value) - edges.begin());
}

void Histogram::AddNumbers(std::span<const double> values) {
  // Bins fit in a byte up to 255 edges; profiles have about ten.
  if (edges.size() > 255) {
    for (double v : values) ++counts[NumericBin(v)];
    return;
  }
  constexpr size_t kBlock = 2048;
  uint8_t bins[kBlock];
  const size_t missing = missing_bin();
  for (size_t start = 0; start < values.size(); start += kBlock) {
    const size_t n = std::min(kBlock, values.size() - start);
    const double* v = values.data() + start;
    std::fill_n(bins, n, uint8_t{0});
    // upper_bound's index = the number of edges e with e <= v (NaN: none).
    for (double e : edges) {
      for (size_t i = 0; i < n; ++i) bins[i] = static_cast<uint8_t>(bins[i] + (v[i] >= e));
    }
    for (size_t i = 0; i < n; ++i) ++counts[std::isnan(v[i]) ? missing : bins[i]];
  }
}

int64_t Histogram::Total() const {
  return std::accumulate(counts.begin(), counts.end(), int64_t{0});
}

double Histogram::MissingRate() const {
  const int64_t total = Total();
  return total == 0 ? 0.0 : static_cast<double>(counts[missing_bin()]) / static_cast<double>(total);
}

Histogram Histogram::EmptyCopy() const {
  Histogram h = *this;
  std::fill(h.counts.begin(), h.counts.end(), 0);
  return h;
}

Status Histogram::Merge(const Histogram& other) {
  if (!SameBins(*this, other)) {
    return InvalidArgumentError("cannot merge histograms of \"" + name + "\" and \"" + other.name +
                                "\": their bins differ");
  }
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  return Status::Ok();
}

int ReferenceProfile::FeatureIndex(std::string_view name) const {
  for (size_t i = 0; i < features.size(); ++i) {
    if (features[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

ReferenceProfile ReferenceProfile::EmptyCopy() const {
  ReferenceProfile p;
  for (const Histogram& h : features) p.features.push_back(h.EmptyCopy());
  p.score = score.EmptyCopy();
  return p;
}

Status ReferenceProfile::Merge(const ReferenceProfile& other) {
  if (features.size() != other.features.size()) {
    return InvalidArgumentError("cannot merge profiles of " + std::to_string(features.size()) +
                                " and " + std::to_string(other.features.size()) + " features");
  }
  for (size_t i = 0; i < features.size(); ++i) {
    CHURNML_RETURN_IF_ERROR(features[i].Merge(other.features[i]));
  }
  CHURNML_RETURN_IF_ERROR(score.Merge(other.score));
  rows += other.rows;
  positives += other.positives;
  label_rate = rows == 0 ? 0.0 : static_cast<double>(positives) / static_cast<double>(rows);
  return Status::Ok();
}

nlohmann::json ReferenceProfile::ToJson() const {
  json features_json = json::array();
  for (const Histogram& h : features) features_json.push_back(HistogramJson(h));
  return {{"format_version", kProfileFormatVersion},
          {"rows", rows},
          {"positives", positives},
          {"label_rate", label_rate},
          {"features", std::move(features_json)},
          {"score", HistogramJson(score)}};
}

Result<ReferenceProfile> ReferenceProfile::FromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) return FieldError("document", "must be a JSON object");
  CHURNML_RETURN_IF_ERROR(CheckKeys(
      doc, "document", {"format_version", "rows", "positives", "label_rate", "features", "score"}));
  if (!doc.contains("format_version") || !doc["format_version"].is_number_integer()) {
    return FieldError("\"format_version\"", "missing or not an integer");
  }
  if (doc["format_version"].get<int64_t>() != kProfileFormatVersion) {
    return FailedPreconditionError("profile format version " + doc["format_version"].dump() +
                                   " is not supported (this build reads version " +
                                   std::to_string(kProfileFormatVersion) + ")");
  }
  ReferenceProfile p;
  for (const char* key : {"rows", "positives"}) {
    if (!doc.contains(key)) return FieldError(std::string("\"") + key + "\"", "missing");
  }
  CHURNML_ASSIGN_OR_RETURN(p.rows, CountValue(doc["rows"], "\"rows\""));
  CHURNML_ASSIGN_OR_RETURN(p.positives, CountValue(doc["positives"], "\"positives\""));
  if (p.positives > p.rows) return FieldError("\"positives\"", "exceeds \"rows\"");
  if (!doc.contains("label_rate") || !doc["label_rate"].is_number()) {
    return FieldError("\"label_rate\"", "missing or not a number");
  }
  p.label_rate = doc["label_rate"].get<double>();
  if (!(p.label_rate >= 0 && p.label_rate <= 1)) {
    return FieldError("\"label_rate\"", "must be in [0, 1]");
  }
  if (!doc.contains("features") || !doc["features"].is_array()) {
    return FieldError("\"features\"", "missing or not an array");
  }
  const json& features = doc["features"];
  if (features.size() > kMaxProfileFeatures) {
    return FieldError("\"features\"", "more than " + std::to_string(kMaxProfileFeatures));
  }
  for (size_t i = 0; i < features.size(); ++i) {
    CHURNML_ASSIGN_OR_RETURN(Histogram h,
                             ParseHistogram(features[i], "feature " + std::to_string(i)));
    if (p.FeatureIndex(h.name) >= 0) {
      return FieldError("feature " + std::to_string(i), "duplicate name \"" + h.name + "\"");
    }
    if (h.Total() != p.rows) {
      return FieldError("feature " + std::to_string(i) + " (\"" + h.name + "\")",
                        "counts sum to " + std::to_string(h.Total()) + ", not \"rows\" (" +
                            std::to_string(p.rows) + ")");
    }
    p.features.push_back(std::move(h));
  }
  if (!doc.contains("score")) return FieldError("\"score\"", "missing");
  CHURNML_ASSIGN_OR_RETURN(p.score, ParseHistogram(doc["score"], "\"score\""));
  if (p.score.kind != HistogramKind::kNumeric) {
    return FieldError("\"score\"", "must be a numeric histogram");
  }
  return p;
}

Result<ReferenceProfile> ReferenceProfile::Parse(std::string_view text) {
  if (text.size() > kMaxProfileBytes) {
    return InvalidArgumentError("profile is larger than " + std::to_string(kMaxProfileBytes) +
                                " bytes");
  }
  // nlohmann throws on bad input; its exceptions stop here. The depth of a
  // valid profile is 4: deeper documents are rejected before parsing.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > 8) return InvalidArgumentError("profile is nested too deeply");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("profile is not valid JSON: ") + e.what());
  }
  try {
    return FromJson(doc);
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("profile has a malformed value: ") + e.what());
  }
}

Result<ReferenceProfile> BuildReferenceProfile(const Dataset& data, std::span<const double> scores,
                                               const ProfileOptions& options) {
  const int max_bins = static_cast<int>(kMaxProfileBins) - 2;
  if (options.numeric_bins < 2 || options.numeric_bins > max_bins || options.score_bins < 2 ||
      options.score_bins > max_bins) {
    return InvalidArgumentError("profile bins must be between 2 and " + std::to_string(max_bins));
  }
  if (data.num_rows() == 0) return InvalidArgumentError("cannot profile an empty dataset");
  const Schema& schema = data.schema();
  ReferenceProfile p;
  p.rows = static_cast<int64_t>(data.num_rows());
  if (!data.target().empty()) {
    p.positives = std::accumulate(data.target().begin(), data.target().end(), int64_t{0});
    p.label_rate = static_cast<double>(p.positives) / static_cast<double>(p.rows);
  }
  for (size_t index : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(index);
    const ColumnData& column = data.column(index);
    if (spec.type == ColumnType::kCategorical) {
      Histogram h;
      h.name = spec.name;
      h.kind = HistogramKind::kCategorical;
      // Levels past the bound count as unseen.
      for (const std::string& level : column.levels) {
        if (h.levels.size() == kMaxProfileBins - 2) break;
        if (level.size() > kMaxLevelBytes) continue;
        h.levels.push_back(level);
      }
      h.counts.assign(h.levels.size() + 2, 0);
      CountCategorical(column, &h);
      p.features.push_back(std::move(h));
    } else {
      p.features.push_back(NumericHistogram(spec.name, column.numbers, options.numeric_bins));
    }
  }
  p.score = NumericHistogram("score", scores, options.score_bins);
  return p;
}

Result<ReferenceProfile> BinLikeReference(const ReferenceProfile& reference, const Dataset& data,
                                          std::span<const double> scores) {
  ReferenceProfile current = reference.EmptyCopy();
  const Schema& schema = data.schema();
  current.rows = static_cast<int64_t>(data.num_rows());
  if (!data.target().empty()) {
    current.positives = std::accumulate(data.target().begin(), data.target().end(), int64_t{0});
    current.label_rate =
        current.rows == 0 ? 0.0 : static_cast<double>(current.positives) / current.rows;
  }
  for (Histogram& h : current.features) {
    std::optional<size_t> index = schema.IndexOf(h.name);
    if (!index || schema.column(*index).role != ColumnRole::kFeature) {
      return InvalidArgumentError("profiled feature \"" + h.name +
                                  "\" is not a feature column of " + "the data's schema");
    }
    const ColumnData& column = data.column(*index);
    const bool categorical = schema.column(*index).type == ColumnType::kCategorical;
    if (categorical != (h.kind == HistogramKind::kCategorical)) {
      return InvalidArgumentError("feature \"" + h.name + "\" is " + std::string(KindName(h.kind)) +
                                  " in the profile but not in " + "the data's schema");
    }
    if (categorical) {
      CountCategorical(column, &h);
    } else {
      h.AddNumbers(column.numbers);
    }
  }
  CHURNML_RETURN_IF_ERROR(CountScores(scores, &current.score));
  return current;
}

}  // namespace churnml
