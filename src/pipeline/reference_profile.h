// The reference profile: histograms of every raw feature, of the model's
// score and the label rate, frozen when a model is trained and stored in its
// artifact as profile.json (docs/artifact.md, docs/quality.md). Drift is
// measured by binning new rows into the same edges and comparing counts.
//
// Bins (fixed at training, never refitted):
//   numeric feature / score: quantile cut points e_0 < e_1 < … < e_{k-2}
//     (duplicates removed, so point masses do not make empty bins); value bin
//     i holds e_{i-1} <= v < e_i (bin 0 everything below e_0, the last bin
//     everything at or above e_{k-2}); then one bin for missing values;
//   categorical feature: one bin per training level, then "unseen" (a level
//     the training data did not have), then "missing".
// Counts are exact integers, so profiles over the same edges merge by
// addition (Merge): replicas and batches combine without raw data.
//
// Parsing (Parse/FromJson) treats the file as hostile: sizes are bounded
// (kMaxProfileFeatures, kMaxProfileBins, kMaxLevelBytes, kMaxProfileBytes),
// edges must be finite and strictly increasing, counts non-negative integers.
// Values are plain data: thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "data/dataset.h"

namespace churnml {

// The file name of the profile inside a model artifact.
inline constexpr char kProfileFileName[] = "profile.json";
inline constexpr int kProfileFormatVersion = 1;
inline constexpr size_t kMaxProfileFeatures = 4096;
inline constexpr size_t kMaxProfileBins = 1024;  // per histogram, missing/unseen included
inline constexpr size_t kMaxLevelBytes = 1024;
inline constexpr size_t kMaxProfileBytes = size_t{16} << 20;

enum class HistogramKind { kNumeric, kCategorical };

struct Histogram {
  std::string name;
  HistogramKind kind = HistogramKind::kNumeric;
  std::vector<double> edges;        // numeric: interior cut points, strictly increasing
  std::vector<std::string> levels;  // categorical: training levels in order
  // numeric: edges.size() + 1 value bins, then missing;
  // categorical: levels.size() bins, then unseen, then missing.
  std::vector<int64_t> counts;

  size_t missing_bin() const { return counts.size() - 1; }
  // Bin of a number: by the edges, NaN → missing. Numeric only.
  size_t NumericBin(double value) const;
  // Counts every value into its NumericBin. Equal to a loop of NumericBin
  // but without the binary search's unpredictable branches (a value's bin
  // is the number of edges at or below it, counted edge by edge over blocks
  // of values): drift over wide tables spends its time here. Numeric only.
  void AddNumbers(std::span<const double> values);
  int64_t Total() const;
  // Share of rows in the missing bin (0 for an empty histogram).
  double MissingRate() const;
  // The same bins with every count zero.
  Histogram EmptyCopy() const;
  // Adds `other`'s counts. InvalidArgument unless names, kinds, edges and
  // levels are identical.
  Status Merge(const Histogram& other);
};

struct ProfileOptions {
  int numeric_bins = 10;  // quantile bins per numeric feature, 2..kMaxProfileBins-2
  int score_bins = 10;    // quantile bins of the score
};

struct ReferenceProfile {
  int64_t rows = 0;                 // rows binned into `features`
  double label_rate = 0;            // share of positives among them (0 without labels)
  int64_t positives = 0;            // rows with label 1 (0 without labels)
  std::vector<Histogram> features;  // the schema's feature columns, in order
  Histogram score;                  // the model's probability

  // Index of the feature histogram named `name`, or -1.
  int FeatureIndex(std::string_view name) const;
  // The same bins with every count zero.
  ReferenceProfile EmptyCopy() const;
  // Adds `other`'s counts (same bins, else InvalidArgument naming the feature).
  Status Merge(const ReferenceProfile& other);

  nlohmann::json ToJson() const;
  static Result<ReferenceProfile> FromJson(const nlohmann::json& doc);
  // Parses profile.json text (at most kMaxProfileBytes). InvalidArgument
  // names the field that is wrong.
  static Result<ReferenceProfile> Parse(std::string_view text);
};

// Fits the bins on `data` (the training split) and counts it; the score
// histogram is fitted on and counts `scores` (the model's probabilities on
// rows it did not train on). InvalidArgument for bad options or an empty
// dataset.
Result<ReferenceProfile> BuildReferenceProfile(const Dataset& data, std::span<const double> scores,
                                               const ProfileOptions& options = {});

// Counts `data` and `scores` into `reference`'s bins (reference's counts are
// not included). Features are matched by name; InvalidArgument names a
// profiled feature missing from the data. Categorical levels are matched by
// their text. `scores` may be empty (the score histogram stays empty).
Result<ReferenceProfile> BinLikeReference(const ReferenceProfile& reference, const Dataset& data,
                                          std::span<const double> scores);

}  // namespace churnml
