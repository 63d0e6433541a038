// libFuzzer target: every input is read as a profile.json (a hostile file
// inside a model artifact). Parse must return a value or an error, never
// crash, hang or allocate beyond the bounds in reference_profile.h; an
// accepted profile must satisfy every invariant drift relies on, survive a
// round trip, merge with itself, and compare with itself without drift.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "pipeline/drift.h"
#include "pipeline/reference_profile.h"

namespace {

using namespace churnml;

void Require(bool condition) {
  if (!condition) std::abort();
}

void CheckHistogram(const Histogram& h) {
  Require(h.counts.size() >= 2 && h.counts.size() <= kMaxProfileBins);
  if (h.kind == HistogramKind::kNumeric) {
    Require(h.counts.size() == h.edges.size() + 2);
    for (size_t i = 0; i < h.edges.size(); ++i) {
      Require(std::isfinite(h.edges[i]));
      if (i > 0) Require(h.edges[i] > h.edges[i - 1]);
    }
    Require(h.NumericBin(NAN) == h.missing_bin());
  } else {
    Require(h.counts.size() == h.levels.size() + 2);
  }
  for (int64_t c : h.counts) Require(c >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<ReferenceProfile> parsed = ReferenceProfile::Parse(text);
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty());
    return 0;
  }
  const ReferenceProfile& p = *parsed;
  Require(p.features.size() <= kMaxProfileFeatures);
  Require(p.positives <= p.rows);
  for (const Histogram& h : p.features) {
    CheckHistogram(h);
    Require(h.Total() == p.rows);
  }
  CheckHistogram(p.score);
  Result<ReferenceProfile> again = ReferenceProfile::Parse(p.ToJson().dump());
  Require(again.ok() && again->ToJson() == p.ToJson());
  ReferenceProfile doubled = p;
  Require(doubled.Merge(p).ok());
  Result<DriftComparison> same = CompareProfiles(p, p, DriftRules{});
  Require(same.ok());
  Require(same->drifted_features == 0 && !same->score_drifted);
  return 0;
}
