#include "audit/language.h"

#include <gtest/gtest.h>

namespace churnml::audit {
namespace {

TEST(DetectLanguage, ByNameExtensionAndShebang) {
  EXPECT_EQ(DetectLanguage("deploy/Dockerfile", ""), Language::kDockerfile);
  EXPECT_EQ(DetectLanguage("Dockerfile.gpu", ""), Language::kDockerfile);
  EXPECT_EQ(DetectLanguage("x/.env.production", ""), Language::kEnv);
  EXPECT_EQ(DetectLanguage("requirements-dev.txt", ""), Language::kRequirements);
  EXPECT_EQ(DetectLanguage("CMakeLists.txt", ""), Language::kCMake);
  EXPECT_EQ(DetectLanguage("a/b.PY", ""), Language::kPython);
  EXPECT_EQ(DetectLanguage("x.tsx", ""), Language::kJavaScript);
  EXPECT_EQ(DetectLanguage(".github/workflows/ci.yml", ""), Language::kYaml);
  EXPECT_EQ(DetectLanguage("bin/tool", "#!/usr/bin/env python3\nprint(1)"), Language::kPython);
  EXPECT_EQ(DetectLanguage("bin/run", "#!/bin/bash\n"), Language::kShell);
  EXPECT_EQ(DetectLanguage("README", "hello"), Language::kOther);
}

}  // namespace
}  // namespace churnml::audit
