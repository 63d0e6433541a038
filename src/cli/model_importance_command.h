// `churnml models show REF --importance`: the named feature importance of a
// model artifact (pipeline/model_importance.h), as tables or JSON.
#pragma once

#include <string>

#include "cli/command.h"

namespace churnml::cli {

struct ImportanceFlags {
  std::string ref;  // a directory, NAME@ALIAS or NAME/VERSION
  bool json = false;
  int top = 20;  // encoded columns listed; 0 = all
};

// Prints the importance of `flags.ref`'s artifact; returns the exit code.
int ShowModelImportance(const ImportanceFlags& flags, const CommandContext& ctx);

}  // namespace churnml::cli
