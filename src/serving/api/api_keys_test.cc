#include "serving/api/api_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kKeyA = "ka-0123456789abcdef0123456789abcdef";  // 35 characters
const std::string kKeyB = "kb-ffffffffffffffffffffffffffffffff";
const std::string kKeyC = "kc-00000000000000000000000000000000";

ApiKeySources FileOnly(const std::string& file) {
  ApiKeySources sources;
  sources.file = file;
  return sources;
}

ApiKeySources KeysOnly(const std::string& keys) {
  ApiKeySources sources;
  sources.keys = keys;
  return sources;
}

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("CHURNML_TEST_TMPDIR");
    dir_ = std::filesystem::path(root != nullptr ? root : "/tmp") /
           ("api_keys_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& text, unsigned mode = 0600) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ApiKeysTest, LoadsFileSkippingBlankLinesAndComments) {
  const std::string path =
      WriteFile("keys", "# service keys\n\n" + kKeyA + "\n  " + kKeyB + "  \r\n# old\n");
  Result<ApiKeySet> set = ApiKeySet::Load(FileOnly(path));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->size(), 2u);
  EXPECT_TRUE(set->warnings().empty());
  ASSERT_EQ(set->key_ids().size(), 2u);
  EXPECT_EQ(set->key_ids()[0].size(), 8u);
}

TEST_F(ApiKeysTest, LoadsFileAndCommaSeparatedString) {
  const std::string path = WriteFile("keys", kKeyA + "\n");
  Result<ApiKeySet> set = ApiKeySet::Load({path, kKeyB + " , " + kKeyC + ",", "CHURNML_API_KEYS"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->size(), 3u);
  EXPECT_EQ(set->Authenticate("Bearer " + kKeyC).key_index, 2u);
}

TEST_F(ApiKeysTest, ShortKeyNamesFileAndLineButNotTheKey) {
  const std::string path = WriteFile("keys", "# c\n" + kKeyA + "\nshort-secret-key\n");
  Result<ApiKeySet> set = ApiKeySet::Load(FileOnly(path));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(set.status().message(),
              HasSubstr(path + ":3: API key is 16 characters, at least 32"));
  EXPECT_THAT(set.status().message(), Not(HasSubstr("short-secret-key")));
}

TEST_F(ApiKeysTest, ShortKeyInStringNamesItsItem) {
  Result<ApiKeySet> set = ApiKeySet::Load(KeysOnly(kKeyA + ",tiny"));
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(),
              HasSubstr("CHURNML_API_KEYS item 2: API key is 4 characters"));
  EXPECT_THAT(set.status().message(), Not(HasSubstr("tiny")));
}

TEST_F(ApiKeysTest, RejectsDuplicatesBlanksEmptySourcesAndMissingFile) {
  const std::string dup = WriteFile("dup", kKeyA + "\n" + kKeyA + "\n");
  Result<ApiKeySet> d = ApiKeySet::Load(FileOnly(dup));
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(),
              HasSubstr(dup + ":2: duplicate API key (same as " + dup + ":1)"));

  Result<ApiKeySet> blank = ApiKeySet::Load(KeysOnly("key with spaces 0123456789abcdefghijkl"));
  ASSERT_FALSE(blank.ok());
  EXPECT_THAT(blank.status().message(), HasSubstr("item 1: API key contains a blank"));

  const std::string empty = WriteFile("empty", "# nothing\n\n");
  Result<ApiKeySet> e = ApiKeySet::Load(FileOnly(empty));
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("holds no key"));

  Result<ApiKeySet> missing = ApiKeySet::Load(FileOnly((dir_ / "nope").string()));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);
}

TEST_F(ApiKeysTest, WarnsWhenTheFileIsReadableByOthers) {
  const std::string path = WriteFile("open", kKeyA + "\n", 0644);
  Result<ApiKeySet> set = ApiKeySet::Load(FileOnly(path));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->warnings().size(), 1u);
  EXPECT_THAT(set->warnings()[0], HasSubstr("readable by group or others (mode 0644)"));
}

TEST_F(ApiKeysTest, AuthenticatesBearerTokens) {
  Result<ApiKeySet> set = ApiKeySet::Load(KeysOnly(kKeyA + "," + kKeyB));
  ASSERT_TRUE(set.ok());
  AuthOutcome a = set->Authenticate("Bearer " + kKeyA);
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.key_index, 0u);
  EXPECT_EQ(a.key_id, set->key_ids()[0]);
  AuthOutcome b = set->Authenticate("  bearer   " + kKeyB + " ");
  EXPECT_EQ(b.status, AuthStatus::kOk);
  EXPECT_EQ(b.key_index, 1u);
  EXPECT_NE(a.key_id, b.key_id);
}

// Browsers send the key as the password of HTTP Basic credentials.
TEST_F(ApiKeysTest, AuthenticatesBasicCredentialsCarryingTheKeyAsPassword) {
  Result<ApiKeySet> set = ApiKeySet::Load(KeysOnly(kKeyA + "," + kKeyB));
  ASSERT_TRUE(set.ok());
  // base64("agent:" + kKeyA), base64(":" + kKeyA), base64("agent:" + kKeyB)
  AuthOutcome a =
      set->Authenticate("Basic YWdlbnQ6a2EtMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.key_index, 0u);
  EXPECT_EQ(set->Authenticate("basic OmthLTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm").key_index,
            0u);
  AuthOutcome b =
      set->Authenticate("Basic YWdlbnQ6a2ItZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=");
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(b.key_index, 1u);
  // base64 of the key without "user:", of "agent:" (no key), and not base64.
  EXPECT_EQ(set->Authenticate("Basic a2EtMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").status,
            AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Basic YWdlbnQ6").status, AuthStatus::kMalformed);
  EXPECT_EQ(
      set->Authenticate("Basic YWdlbnQ6a2EtMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY").status,
      AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Basic " + std::string(2000, 'A')).status, AuthStatus::kMalformed);
}

TEST(DecodeBase64, DecodesPaddedTextAndRefusesTheRest) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("TWFu", &out));
  EXPECT_EQ(out, "Man");
  ASSERT_TRUE(DecodeBase64("TWE=", &out));
  EXPECT_EQ(out, "Ma");
  ASSERT_TRUE(DecodeBase64("TQ==", &out));
  EXPECT_EQ(out, "M");
  ASSERT_TRUE(DecodeBase64("", &out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(DecodeBase64("TQ=", &out));       // not a multiple of 4
  EXPECT_FALSE(DecodeBase64("T===", &out));      // too much padding
  EXPECT_FALSE(DecodeBase64("TQ=A", &out));      // padding inside
  EXPECT_FALSE(DecodeBase64("TW=u", &out));      // padding inside
  EXPECT_FALSE(DecodeBase64("TWE=TWFu", &out));  // padding before the end
  EXPECT_FALSE(DecodeBase64("TW-u", &out));      // not the base64 alphabet
}

TEST_F(ApiKeysTest, ReportsWhyAuthenticationFailed) {
  Result<ApiKeySet> set = ApiKeySet::Load(KeysOnly(kKeyA));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->Authenticate("").status, AuthStatus::kMissing);
  EXPECT_EQ(set->Authenticate("   ").status, AuthStatus::kMissing);
  EXPECT_EQ(set->Authenticate(kKeyA).status, AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Basic " + kKeyA).status, AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Bearer").status, AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Bearer    ").status, AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Bearer a b").status, AuthStatus::kMalformed);
  EXPECT_EQ(set->Authenticate("Bearer" + kKeyA).status, AuthStatus::kMalformed);
  AuthOutcome wrong = set->Authenticate("Bearer " + kKeyB);
  EXPECT_EQ(wrong.status, AuthStatus::kInvalid);
  EXPECT_EQ(wrong.key_id, "");
  EXPECT_EQ(set->Authenticate("Bearer " + kKeyA + "x").status, AuthStatus::kInvalid);
  EXPECT_EQ(AuthStatusName(AuthStatus::kMalformed), "malformed");

  ApiKeySet none;
  EXPECT_EQ(none.Authenticate("Bearer " + kKeyA).status, AuthStatus::kInvalid);
}

}  // namespace
}  // namespace churnml::serving
