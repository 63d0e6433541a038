#include "data/id_hash_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/strings.h"
#include "data/csv_loader.h"

namespace churnml {
namespace {

TEST(IdHashSet, ReportsTheFirstRowWithAnEqualHash) {
  IdHashSet set;
  constexpr int kIds = 200000;
  for (int i = 0; i < kIds; ++i) {
    Result<int64_t> first = set.Insert(set.Hash("id-" + std::to_string(i)), i + 1);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(*first, 0) << i;
  }
  EXPECT_EQ(set.size(), static_cast<size_t>(kIds));
  for (int i = 0; i < kIds; i += 997) {
    EXPECT_EQ(*set.Insert(set.Hash("id-" + std::to_string(i)), kIds + 1 + i), i + 1) << i;
  }
  // 12 bytes per slot, at most 80% full after doubling: under 30 bytes per id.
  EXPECT_LT(set.memory_bytes(), size_t{kIds} * 30);
}

TEST(IdHashSet, RefusesRowsBeyond32Bits) {
  IdHashSet set;
  EXPECT_TRUE(set.Insert(7, 4294967295).ok());
  Result<int64_t> r = set.Insert(8, 4294967296);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "row 4,294,967,296: the duplicate-id check handles at most 4,294,967,295 rows");
  EXPECT_FALSE(set.Insert(9, 0).ok());
}

TEST(IdHashSet, ReserveAvoidsGrowth) {
  IdHashSet set;
  set.Reserve(100000);
  const size_t bytes = set.memory_bytes();
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(*set.Insert(set.Hash(std::to_string(i)), i + 1), 0);
  EXPECT_EQ(set.memory_bytes(), bytes);
  EXPECT_LT(bytes, size_t{100000} * 12 * 5 / 4 + 1024);
}

const char kHeader[] =
    "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
    "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
    "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,Churn\n";
const char kRest[] =
    ",Female,0,Yes,No,1,No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,"
    "Electronic check,29.85,29.85,No\n";

class CompactDuplicateCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(::testing::TempDir()) /
             ("churnml-ids-" + std::to_string(::getpid()) + ".csv"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  // Writes a Telco file with these ids and validates it (kDiscard, kDrop):
  // the compact check, with `hash` in place of XXH3.
  Result<LoadResult> Validate(const std::vector<std::string>& ids,
                              uint64_t (*hash)(std::string_view)) {
    {
      std::ofstream out(path_, std::ios::binary | std::ios::trunc);
      out << kHeader;
      for (const std::string& id : ids) out << id << kRest;
    }
    LoadOptions o;
    o.invalid_rows = InvalidRowPolicy::kDrop;
    o.storage = RowStorage::kDiscard;
    o.chunk_bytes = 4096;
    o.id_hash = hash;
    return LoadCsv(path_, Schema::Telco(), o);
  }

  // The same file through the in-memory IdRegistry (no re-reading).
  Result<LoadResult> Reference() {
    LoadOptions o;
    o.invalid_rows = InvalidRowPolicy::kDrop;
    o.storage = RowStorage::kDiscard;
    o.chunk_bytes = 4096;
    Result<CsvChunkReader> reader = CsvChunkReader::Open(path_, {4096, kDefaultMaxLineBytes});
    EXPECT_TRUE(reader.ok());
    return LoadCsv(*reader, Schema::Telco(), o);
  }

  static std::vector<std::string> Messages(const LoadResult& r) {
    std::vector<std::string> out;
    for (const ValidationIssue& i : r.issues.issues()) out.push_back(i.message);
    return out;
  }

  std::string path_;
};

uint64_t EveryIdCollides(std::string_view /*id*/) { return 42; }
uint64_t ByFirstByte(std::string_view id) { return id.empty() ? 0 : static_cast<uint8_t>(id[0]); }

TEST_F(CompactDuplicateCheck, SameHashDifferentIdsAreNotDuplicates) {
  Result<LoadResult> r = Validate({"a1", "a2", "a3", "b1"}, EveryIdCollides);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->issues.count(), 0);
  EXPECT_EQ(r->rows_kept, 4);
  EXPECT_EQ(r->rows_dropped, 0);
}

TEST_F(CompactDuplicateCheck, EqualIdsAreDuplicatesOfTheRightRowDespiteCollisions) {
  // All ids share one hash: the first row's id differs from most, so the
  // rows that repeat a later id must name that later row, not row 1.
  Result<LoadResult> r =
      Validate({"a1", "a2", "a1", "a3", "a2", "a2", "a4", "a3"}, EveryIdCollides);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Messages(*r), (std::vector<std::string>{
                              "row 3, column \"customerID\": \"a1\" repeats the id of row 1",
                              "row 5, column \"customerID\": \"a2\" repeats the id of row 2",
                              "row 6, column \"customerID\": \"a2\" repeats the id of row 2",
                              "row 8, column \"customerID\": \"a3\" repeats the id of row 4"}));
  EXPECT_EQ(r->issues.issues()[0].rule, "duplicate_id");
  EXPECT_EQ(r->rows_kept, 4);
  EXPECT_EQ(r->rows_dropped, 4);
  Result<LoadResult> ref = Reference();
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(Messages(*ref), Messages(*r));
  EXPECT_EQ(ref->rows_kept, r->rows_kept);
}

TEST_F(CompactDuplicateCheck, MatchesTheExactRegistryAcrossChunksAndPasses) {
  // Long ids fill the 2 MiB of pending candidates, so the file is re-read
  // mid-stream as well as at the end; hashes by first byte collide often.
  std::vector<std::string> ids;
  ids.reserve(302);
  for (int i = 0; i < 300; ++i) {
    const std::string tail = std::to_string(i % 50);
    ids.push_back(std::string(1, static_cast<char>('a' + i % 3)) + std::string(40000, 'x') + tail);
  }
  ids.push_back("other");
  ids.push_back("other");
  Result<LoadResult> r = Validate(ids, ByFirstByte);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Result<LoadResult> ref = Reference();
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(r->issues.count(), ref->issues.count());
  EXPECT_GT(r->issues.count(), 100);
  ASSERT_EQ(r->issues.issues().size(), ref->issues.issues().size());
  for (size_t i = 0; i < r->issues.issues().size(); ++i) {
    EXPECT_EQ(r->issues.issues()[i].row, ref->issues.issues()[i].row) << i;
    EXPECT_EQ(r->issues.issues()[i].value, ref->issues.issues()[i].value) << i;
    EXPECT_EQ(r->issues.issues()[i].message, ref->issues.issues()[i].message) << i;
  }
  EXPECT_EQ(r->rows_kept, ref->rows_kept);
  EXPECT_EQ(r->rows_dropped, ref->rows_dropped);
}

TEST_F(CompactDuplicateCheck, RealHashFindsRepeats) {
  std::vector<std::string> ids;
  ids.reserve(5001);
  for (int i = 0; i < 5000; ++i) ids.push_back("id-" + std::to_string(i));
  ids.push_back("id-17");
  Result<LoadResult> r = Validate(ids, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Messages(*r),
            (std::vector<std::string>{
                "row 5,001, column \"customerID\": \"id-17\" repeats the id of row 18"}));
}

}  // namespace
}  // namespace churnml
