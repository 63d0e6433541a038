// The store's record of a model version's artifact checksums (schema version
// 3), on SQLite and on a real PostgreSQL server (scripts/with_postgres.sh
// exports CHURNML_TEST_PG_URI; CHURNML_ALLOW_NO_PG=1 skips those cases).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tracking/artifact_checksums.h"
#include "tracking/names.h"
#include "tracking/sql_connection.h"
#include "tracking/store_backend_fixture.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using testing::StoreBackend;
using testing::StoreBackendTest;

class ModelVersionChecksumsTest : public StoreBackendTest {
 protected:
  ModelVersionChecksumsTest() : StoreBackendTest("checksums") {}

  void SetUp() override {
    StoreBackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    StoreOptions options;
    options.uri = uri_;
    options.artifact_root = dir_ / "artifacts";
    auto store = TrackingStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  void TearDown() override {
    store_.reset();
    StoreBackendTest::TearDown();
  }

  // A run whose stored artifact holds `files` (name → contents).
  std::string RunWithArtifact(const std::map<std::string, std::string>& files) {
    auto run = store_->CreateRun("churn");
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    const fs::path local = dir_ / "local" / *run;
    fs::create_directories(local);
    for (const auto& [name, contents] : files) std::ofstream(local / name) << contents;
    EXPECT_TRUE(store_->StoreArtifact(*run, local).ok());
    EXPECT_TRUE(store_->FinishRun(*run, RunStatus::kFinished).ok());
    return *run;
  }

  // Raw SQL on the store's database (to damage the record).
  Status Exec(const std::string& sql) {
    Result<std::unique_ptr<SqlConnection>> connection =
        GetParam() == StoreBackend::kSqlite
            ? OpenSqliteConnection({.file = fs::path(uri_) / "churnml.db"})
            : OpenPostgresConnection({uri_, std::chrono::seconds(10)});
    if (!connection.ok()) return connection.status();
    return (*connection)->ExecScript(sql);
  }

  std::unique_ptr<TrackingStore> store_;
};

TEST_P(ModelVersionChecksumsTest, RegistrationRecordsEveryFileAndResolvingReturnsTheRecord) {
  const std::string run =
      RunWithArtifact({{"model.json", "{\"files\": {}}"}, {"profile.json", "[1, 2]"}});
  auto version = store_->RegisterModelVersion("churn", run);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  ASSERT_TRUE(store_->SetAlias("churn", "champion", *version).ok());
  const ArtifactChecksums expected = {{"model.json", Sha256Hex("{\"files\": {}}")},
                                      {"profile.json", Sha256Hex("[1, 2]")}};
  for (const std::string ref : {"churn/1", "churn@champion", "churn@latest"}) {
    auto resolved = store_->ResolveModel(ref);
    ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
    EXPECT_EQ(resolved->artifact_sha256, expected) << ref;
  }
  auto shown = store_->GetModelVersion("churn", 1);
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->artifact_sha256, expected);
  // The record is what the files were at registration, not what they are now.
  auto resolved = store_->ResolveModel("churn/1");
  std::ofstream(resolved->artifact_path / "profile.json", std::ios::trunc) << "[9]";
  EXPECT_EQ(store_->ResolveModel("churn/1")->artifact_sha256, expected);
}

TEST_P(ModelVersionChecksumsTest, AnArtifactWithASubdirectoryOrSymlinkIsNotRegistered) {
  const std::string run = RunWithArtifact({{"model.json", "{}"}});
  auto stored = store_->GetRun(run);
  ASSERT_TRUE(stored.ok() && stored->artifact_path);
  fs::create_symlink("/etc/passwd", *stored->artifact_path / "weights.bin");
  auto version = store_->RegisterModelVersion("churn", run);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(version.status().message(), HasSubstr("weights.bin"));
  EXPECT_EQ(store_->ListModels()->size(), 0u);  // the transaction rolled back
}

TEST_P(ModelVersionChecksumsTest, ADamagedRecordFailsResolvingInsteadOfSkippingTheCheck) {
  const std::string run = RunWithArtifact({{"model.json", "{}"}});
  ASSERT_TRUE(store_->RegisterModelVersion("churn", run).ok());
  ASSERT_TRUE(Exec("UPDATE model_versions SET artifact_sha256 = 'not a record'").ok());
  auto resolved = store_->ResolveModel("churn/1");
  ASSERT_FALSE(resolved.ok());
  EXPECT_THAT(resolved.status().message(), HasSubstr("checksum record of version 1"));
  EXPECT_THAT(resolved.status().message(), HasSubstr("is damaged"));
}

TEST_P(ModelVersionChecksumsTest, AVersionRegisteredBeforeTheRecordHasAnEmptyOne) {
  const std::string run = RunWithArtifact({{"model.json", "{}"}});
  ASSERT_TRUE(store_->RegisterModelVersion("churn", run).ok());
  ASSERT_TRUE(Exec("UPDATE model_versions SET artifact_sha256 = NULL").ok());
  auto resolved = store_->ResolveModel("churn/1");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_TRUE(resolved->artifact_sha256.empty());
}

CHURNML_INSTANTIATE_STORE_BACKENDS(Stores, ModelVersionChecksumsTest);

}  // namespace
}  // namespace churnml::tracking
