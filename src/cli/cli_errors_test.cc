#include "cli/cli_errors.h"

#include <gtest/gtest.h>

namespace churnml::cli {
namespace {

// A small app shaped like churnml's: global flags, commands, a nested group.
struct TestApp {
  CLI::App app{"test"};
  std::string store, data, out, model;
  int threads = 0;
  TestApp() {
    app.name("churnml");
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--store", store);
    CLI::App* train = app.add_subcommand("train", "");
    train->add_option("--data", data)->required();
    train->add_option("--out", out);
    train->add_option("--model", model);
    CLI::Option* threads_opt = train->add_option("--threads", threads);
    AddFlagAlias(train, "--jobs,-j", threads_opt);
    CLI::App* data_cmd = app.add_subcommand("data", "");
    data_cmd->require_subcommand(1);
    data_cmd->add_subcommand("generate", "");
    data_cmd->add_subcommand("validate", "");
  }
  // The one line for parsing `args`, or "" when they parse.
  std::string Error(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      return DescribeParseError(app, e);
    }
    return "";
  }
};

TEST(DescribeParseError, SuggestsTheCommandATypoMeant) {
  EXPECT_EQ(TestApp().Error({"trian"}), "unknown command trian; did you mean train?");
}

TEST(DescribeParseError, ListsCommandsWhenNothingIsClose) {
  EXPECT_EQ(TestApp().Error({"banana"}), "unknown command banana (commands: train, data)");
}

TEST(DescribeParseError, SuggestsANestedCommand) {
  EXPECT_EQ(TestApp().Error({"data", "valdate"}),
            "unknown command data valdate; did you mean data validate?");
}

TEST(DescribeParseError, SuggestsTheFlagATypoMeant) {
  EXPECT_EQ(TestApp().Error({"train", "--data", "x.csv", "--outt", "dir"}),
            "unknown flag --outt for churnml train; did you mean --out?");
}

TEST(DescribeParseError, SuggestsTheCanonicalNameForAHiddenAliasTypo) {
  EXPECT_EQ(TestApp().Error({"train", "--data", "x.csv", "--jbos=2"}),
            "unknown flag --jbos for churnml train; did you mean --threads?");
}

TEST(AddFlagAlias, SetsTheCanonicalOptionAndItsRequirement) {
  TestApp t;
  CLI::Option* out = t.app.get_subcommand("train")->get_option("--out");
  out->required();
  AddFlagAlias(t.app.get_subcommand("train"), "--output", out);
  EXPECT_EQ(t.Error({"train", "--data", "x.csv", "--output", "dir", "-j", "3"}), "");
  EXPECT_EQ(t.out, "dir");
  EXPECT_EQ(t.threads, 3);
}

TEST(AddFlagAlias, IsHiddenFromHelp) {
  TestApp t;
  std::string help = t.app.get_subcommand("train")->help();
  EXPECT_NE(help.find("--threads"), std::string::npos);
  EXPECT_EQ(help.find("--jobs"), std::string::npos);
}

TEST(DescribeParseError, NamesTheHelpWhenNoFlagIsClose) {
  EXPECT_EQ(TestApp().Error({"train", "--data", "x.csv", "--zzzzzz"}),
            "unknown flag --zzzzzz for churnml train (see churnml train --help)");
}

TEST(DescribeParseError, SaysWhichCommandsAGroupNeeds) {
  EXPECT_EQ(TestApp().Error({"data"}),
            "churnml data needs a command: generate, validate (see churnml data --help)");
}

TEST(DescribeParseError, NamesTheCommandOfAMissingFlag) {
  EXPECT_EQ(TestApp().Error({"train"}), "train: --data is required (see churnml train --help)");
}

TEST(DescribeParseError, LeavesAGlobalFlagsErrorWithoutTheCommand) {
  TestApp t;
  t.app.get_option("--store")->check(
      [](const std::string& v) { return v == "bad" ? std::string("not a store") : std::string(); });
  EXPECT_EQ(t.Error({"--store", "bad", "train", "--data", "x.csv"}), "--store: not a store");
}

TEST(DescribeParseError, ReportsAStrayArgument) {
  EXPECT_EQ(TestApp().Error({"train", "--data", "x.csv", "extra"}),
            "unexpected argument extra for churnml train (see churnml train --help)");
}

TEST(DescribeParseError, NeverQuotesAHugeArgumentInFull) {
  std::string huge = "--" + std::string(100000, 'a');
  std::string line = TestApp().Error({"train", "--data", "x.csv", huge});
  EXPECT_LT(line.size(), 300u);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace churnml::cli
