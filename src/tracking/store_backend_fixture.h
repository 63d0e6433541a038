#pragma once

// Test-only: a googletest fixture parameterised by store backend, so one
// conformance suite runs against SQLite and a real PostgreSQL. SQLite gets a
// fresh directory; PostgreSQL a fresh database on the server
// scripts/with_postgres.sh started (CHURNML_TEST_PG_URI), dropped afterwards,
// because test cases run in parallel processes. Without that server the
// PostgreSQL cases fail, unless CHURNML_ALLOW_NO_PG=1 skips them locally.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "tracking/names.h"
#include "tracking/sql_connection.h"

namespace churnml::tracking::testing {

enum class StoreBackend { kSqlite, kPostgres };

inline std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "Sqlite" : "Postgres";
}

#define CHURNML_INSTANTIATE_STORE_BACKENDS(prefix, suite)                       \
  INSTANTIATE_TEST_SUITE_P(                                                     \
      prefix, suite,                                                            \
      ::testing::Values(::churnml::tracking::testing::StoreBackend::kSqlite,    \
                        ::churnml::tracking::testing::StoreBackend::kPostgres), \
      ::churnml::tracking::testing::StoreBackendName)

class StoreBackendTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  // `label` names the temporary directory and database ("tracking", "jobs").
  explicit StoreBackendTest(std::string label) : label_(std::move(label)) {}

  void SetUp() override {
    const char* tmp = std::getenv("CHURNML_TEST_TMPDIR");
    dir_ = (tmp != nullptr ? std::filesystem::path(tmp) : std::filesystem::temp_directory_path()) /
           (label_ + "-" + Suffix());
    std::filesystem::create_directories(dir_);
    if (GetParam() == StoreBackend::kSqlite) {
      uri_ = (dir_ / "store").string();
      return;
    }
    const char* admin = std::getenv("CHURNML_TEST_PG_URI");
    if (admin == nullptr || *admin == '\0') {
      const char* allow = std::getenv("CHURNML_ALLOW_NO_PG");
      if (allow != nullptr && std::string(allow) == "1") {
        GTEST_SKIP() << "CHURNML_ALLOW_NO_PG=1: PostgreSQL conformance cases skipped";
      }
      FAIL() << "CHURNML_TEST_PG_URI is not set: run the tests through scripts/with_postgres.sh "
                "(e.g. scripts/with_postgres.sh ctest --test-dir build), or set "
                "CHURNML_ALLOW_NO_PG=1 to skip the PostgreSQL cases locally";
    }
    admin_uri_ = admin;
    database_ = "churnml_" + label_ + "_" + Suffix();
    auto connection = OpenPostgresConnection({admin_uri_, std::chrono::seconds(10)});
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    ASSERT_TRUE((*connection)->ExecScript("CREATE DATABASE " + database_).ok());
    uri_ = admin_uri_.substr(0, admin_uri_.rfind('/')) + "/" + database_;
  }

  void TearDown() override {
    if (!database_.empty()) {
      auto connection = OpenPostgresConnection({admin_uri_, std::chrono::seconds(10)});
      if (connection.ok()) {
        (*connection)
            ->ExecScript("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)")
            .IgnoreError();
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static std::string Suffix() { return NewRunId().substr(0, 12); }

  std::filesystem::path dir_;  // per test; SQLite's store lives in dir_/store
  std::string uri_;            // the store URI for this backend
  std::string admin_uri_;      // PostgreSQL only
  std::string database_;       // PostgreSQL only

 private:
  std::string label_;
};

}  // namespace churnml::tracking::testing
