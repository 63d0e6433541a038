// Shared fixtures for the pipeline tests: generated Telco data in a fresh
// temporary folder.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "data/synthetic_generator.h"

namespace churnml::testing {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("churnml-") + info->test_suite_name() + "-" + info->name() + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `rows` generated customers to dir_/name and returns the path.
  std::string Generate(const std::string& name, int64_t rows, uint64_t seed) {
    std::string path = (dir_ / name).string();
    Status s = GenerateCsv(path, {.rows = rows, .seed = seed});
    EXPECT_TRUE(s.ok()) << s.ToString();
    return path;
  }

  std::filesystem::path dir_;
};

}  // namespace churnml::testing
