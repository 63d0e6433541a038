// Reads churnml.yaml into CLI11's configuration items, so a YAML file can
// set any flag of any command. Keys nest by command path:
//
//   store: ./mlruns
//   train:
//     model: xgboost
//     n-estimators: 200
//   data:
//     generate:
//       rows: 10000
//
// Flags given on the command line win over the file. Errors name the file
// and line: "churnml.yaml:3: unknown key train.modle; did you mean
// train.model?" (CLI11's own wording names neither).
#pragma once

#include <CLI/CLI.hpp>
#include <istream>
#include <string>
#include <vector>

#include "common/status.h"

namespace churnml::cli {

class YamlConfig : public CLI::Config {
 public:
  // `root` is the top-level app: keys are checked against its commands and
  // flags, and the file name comes from its --config option. Not owned; it
  // must outlive this formatter.
  explicit YamlConfig(const CLI::App* root) : root_(root) {}

  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  const CLI::App* root_;
};

// The serve keys a SIGHUP reload reads again from the config file
// (docs/serving.md, "Reloading experiments"): serve.variant (a list of
// NAME=MODELREF:WEIGHT, or one such string) and serve.shadow (a model
// reference; "off", "" or null turn the shadow off). A key absent from the
// file leaves that setting as it is.
struct ServeReloadKeys {
  bool has_variants = false;
  std::vector<std::string> variants;
  bool has_shadow = false;
  std::string shadow;  // "" = off
};

// Reads `file`. IOError when it cannot be read; InvalidArgument naming
// file:line for YAML that does not parse, a serve section that is not a
// mapping, or a key of the wrong shape.
Result<ServeReloadKeys> ReadServeReloadKeys(const std::string& file);

// Gives every option without an environment variable the name
// CHURNML_<COMMAND>_<OPTION> (e.g. CHURNML_TRAIN_N_ESTIMATORS); options of the
// top-level app get CHURNML_<OPTION> (CHURNML_STORE).
void AssignEnvironmentNames(CLI::App& app);

}  // namespace churnml::cli
