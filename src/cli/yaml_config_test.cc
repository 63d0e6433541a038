#include "cli/yaml_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cli/cli_errors.h"

namespace churnml::cli {
namespace {

// An app with churnml's config wiring, reading `yaml` from a temporary file.
struct ConfigApp {
  CLI::App app{"test"};
  std::string store = "./mlruns", model = "logistic", rows_text;
  int64_t rows = 0;
  std::string path;
  explicit ConfigApp(const std::string& yaml) {
    const char* tmp = std::getenv("CHURNML_TEST_TMPDIR");
    std::string dir = tmp != nullptr ? tmp : "/tmp";
    std::filesystem::create_directories(dir);
    path = dir + "/yaml_config_test_" + std::to_string(::getpid()) + ".yaml";
    std::ofstream(path) << yaml;
    app.name("churnml");
    app.config_formatter(std::make_shared<YamlConfig>(&app));
    app.set_config("--config", "churnml.yaml");
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.add_option("--store", store);
    CLI::App* train = app.add_subcommand("train", "");
    train->add_option("--model", model);
    CLI::App* data = app.add_subcommand("data", "");
    data->add_subcommand("generate", "")->add_option("--rows", rows);
  }
  ~ConfigApp() { std::remove(path.c_str()); }
  // "" when parsing `train --config FILE` succeeds, else the error line.
  std::string Parse() {
    std::vector<std::string> args = {"--config", path, "train"};
    std::reverse(args.begin(), args.end());
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      return DescribeParseError(app, e);
    }
    return "";
  }
};

TEST(YamlConfig, SetsFlagsOfCommandsAndNestedCommands) {
  ConfigApp c("store: /tmp/s\ntrain:\n  model: xgboost\ndata:\n  generate:\n    rows: 12\n");
  EXPECT_EQ(c.Parse(), "");
  EXPECT_EQ(c.store, "/tmp/s");
  EXPECT_EQ(c.model, "xgboost");
  EXPECT_EQ(c.rows, 12);
}

TEST(YamlConfig, NamesFileLineAndTheClosestKeyForATypo) {
  ConfigApp c("store: ./mlruns\ntrain:\n  modle: xgboost\n");
  EXPECT_EQ(c.Parse(), c.path + ":3: unknown key train.modle; did you mean train.model?");
}

TEST(YamlConfig, NamesAnUnknownCommandSection) {
  ConfigApp c("trian:\n  model: xgboost\n");
  EXPECT_EQ(c.Parse(), c.path + ":2: unknown key trian.model; did you mean train.model?");
}

TEST(YamlConfig, RejectsAKeyNothingResembles) {
  ConfigApp c("colour: blue\n");
  EXPECT_EQ(c.Parse(), c.path + ":1: unknown key colour");
}

TEST(YamlConfig, NamesTheLineOfASyntaxError) {
  ConfigApp c("train:\n  model: [xgboost\n");
  std::string line = c.Parse();
  EXPECT_EQ(line.rfind(c.path + ":", 0), 0u) << line;
  EXPECT_NE(line.find(':', c.path.size() + 1), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(YamlConfig, RejectsATopLevelThatIsNotAMapping) {
  ConfigApp c("- a\n- b\n");
  EXPECT_EQ(c.Parse(), c.path + ":1: the top level must be a mapping of keys (e.g. train:)");
}

// A file with `yaml`, for ReadServeReloadKeys.
std::string ReloadFile(const std::string& yaml) {
  const char* tmp = std::getenv("CHURNML_TEST_TMPDIR");
  std::string dir = tmp != nullptr ? tmp : "/tmp";
  std::filesystem::create_directories(dir);
  std::string path = dir + "/serve_reload_test_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << yaml;
  return path;
}

TEST(ServeReloadKeys, ReadsVariantListAndShadow) {
  std::string path = ReloadFile(
      "store: ./mlruns\nserve:\n  model: churn@champion\n  variant:\n"
      "    - challenger=churn@challenger:30\n    - b=churn/4:5\n  shadow: churn@candidate\n");
  Result<ServeReloadKeys> keys = ReadServeReloadKeys(path);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_TRUE(keys->has_variants);
  EXPECT_EQ(keys->variants,
            (std::vector<std::string>{"challenger=churn@challenger:30", "b=churn/4:5"}));
  EXPECT_TRUE(keys->has_shadow);
  EXPECT_EQ(keys->shadow, "churn@candidate");
}

TEST(ServeReloadKeys, AbsentKeysStayUnsetAndOffTurnsTheShadowOff) {
  Result<ServeReloadKeys> none = ReadServeReloadKeys(ReloadFile("serve:\n  port: 8000\n"));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_variants);
  EXPECT_FALSE(none->has_shadow);
  Result<ServeReloadKeys> off =
      ReadServeReloadKeys(ReloadFile("serve:\n  shadow: off\n  variant: []\n"));
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_TRUE(off->has_shadow);
  EXPECT_EQ(off->shadow, "");
  EXPECT_TRUE(off->has_variants);
  EXPECT_TRUE(off->variants.empty());
}

TEST(ServeReloadKeys, NamesFileAndLineOfAMisshapenKey) {
  std::string path = ReloadFile("serve:\n  shadow:\n    model: x\n");
  Result<ServeReloadKeys> keys = ReadServeReloadKeys(path);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().message(), path + ":3: serve.shadow must be a model reference or off");
  EXPECT_EQ(ReadServeReloadKeys(path + ".missing").status().code(), StatusCode::kIOError);
  Result<ServeReloadKeys> broken = ReadServeReloadKeys(ReloadFile("serve: [a\n"));
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace churnml::cli
