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
// Flags given on the command line win over the file; unknown keys are errors.
#pragma once

#include <CLI/CLI.hpp>
#include <istream>
#include <string>
#include <vector>

namespace churnml::cli {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Gives every option without an environment variable the name
// CHURNML_<COMMAND>_<OPTION> (e.g. CHURNML_TRAIN_N_ESTIMATORS); options of the
// top-level app get CHURNML_<OPTION> (CHURNML_STORE).
void AssignEnvironmentNames(CLI::App& app);

}  // namespace churnml::cli
