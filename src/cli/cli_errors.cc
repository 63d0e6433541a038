#include "cli/cli_errors.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "common/errno_text.h"
#include "common/strings.h"
#include "common/suggest.h"

namespace churnml::cli {
namespace {

// "churnml data validate" for the app at the end of the parsed path.
std::string CommandPath(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    path = path.empty() ? a->get_name() : a->get_name() + " " + path;
  }
  return path;
}

// The deepest subcommand the parser entered.
CLI::App* DeepestParsed(CLI::App& root) {
  CLI::App* app = &root;
  for (;;) {
    std::vector<CLI::App*> parsed = app->get_subcommands();
    if (parsed.empty()) return app;
    app = parsed.back();
  }
}

std::vector<std::string> SubcommandNames(CLI::App& app) {
  std::vector<std::string> names;
  for (CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

// Long flag names (without "--") a user may give at `app`: its own and, as
// the parser falls through to them, its parents'. Hidden aliases count as
// known names but are suggested under their option's first (canonical) name.
struct FlagNames {
  std::vector<std::string> names;      // every long name
  std::vector<std::string> canonical;  // the suggestion for names[i]
};

constexpr std::string_view kAliasOf = "former spelling of --";

FlagNames KnownFlags(CLI::App* app) {
  FlagNames flags;
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      const std::vector<std::string>& lnames = opt->get_lnames();
      if (lnames.empty()) continue;
      std::string canonical = lnames.front();
      if (opt->get_description().starts_with(kAliasOf)) {
        canonical = opt->get_description().substr(kAliasOf.size());
      }
      for (const std::string& name : lnames) {
        flags.names.push_back(name);
        flags.canonical.push_back(canonical);
      }
    }
  }
  return flags;
}

std::string UnknownFlag(CLI::App* app, std::string flag) {
  const size_t eq = flag.find('=');
  if (eq != std::string::npos) flag.resize(eq);
  std::string bare = flag;
  while (!bare.empty() && bare.front() == '-') bare.erase(bare.begin());
  FlagNames known = KnownFlags(app);
  std::string message = "unknown flag " + Abbreviate(flag) + " for " + CommandPath(app);
  std::optional<std::string> match = ClosestMatch(bare, known.names);
  if (match) {
    for (size_t i = 0; i < known.names.size(); ++i) {
      if (known.names[i] == *match) return message + "; did you mean --" + known.canonical[i] + "?";
    }
  }
  return message + " (see " + CommandPath(app) + " --help)";
}

std::string UnknownCommand(CLI::App* app, const std::string& word) {
  std::vector<std::string> names = SubcommandNames(*app);
  const std::string path = CommandPath(app);
  std::string prefix = path == "churnml" ? "" : path.substr(std::strlen("churnml ")) + " ";
  std::optional<std::string> match = ClosestMatch(word, names);
  if (match) {
    return "unknown command " + prefix + Abbreviate(word) + "; did you mean " + prefix + *match +
           "?";
  }
  return "unknown command " + prefix + Abbreviate(word) + " (commands: " + Join(names, ", ") + ")";
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

std::string DescribeParseError(CLI::App& root, const CLI::ParseError& error) {
  CLI::App* app = DeepestParsed(root);
  // Words the parser could not place: a mistyped command or flag, or one
  // argument too many.
  std::vector<std::string> extras = root.remaining(true);
  if (!extras.empty() && error.get_name() != "ConfigError") {
    const std::string& first = extras.front();
    if (first.size() > 1 && first.front() == '-') return UnknownFlag(app, first);
    if (!app->get_subcommands({}).empty()) return UnknownCommand(app, first);
    return "unexpected argument " + Abbreviate(first) + " for " + CommandPath(app) + " (see " +
           CommandPath(app) + " --help)";
  }
  if (error.get_name() == "RequiredError" && !app->get_subcommands({}).empty() &&
      app->get_subcommands().empty() && app->get_require_subcommand_min() > 0) {
    const std::string path = CommandPath(app);
    return path + " needs a command: " + Join(SubcommandNames(*app), ", ") + " (see " + path +
           " --help)";
  }
  if (error.get_name() == "ConfigError" || app == &root) return OneLine(error.what());
  // A global flag's error ("--log-level: ...") is not the command's.
  const std::string what = error.what();
  const size_t colon = what.find(':');
  if (what.starts_with("--") && colon != std::string::npos &&
      root.get_option_no_throw(what.substr(0, colon)) != nullptr) {
    return OneLine(what);
  }
  return CommandPath(app).substr(std::strlen("churnml ")) + ": " + OneLine(error.what()) +
         " (see " + CommandPath(app) + " --help)";
}

CLI::Option* AddFlagAlias(CLI::App* app, const std::string& names, CLI::Option* canonical) {
  CLI::Option* alias = app->add_option_function<std::string>(
      names, [canonical](const std::string& value) { canonical->add_result(value); },
      std::string(kAliasOf) + canonical->get_lnames().front());
  // Run at parse time, before the canonical option's own callback reads its
  // results and before required() is checked.
  alias->trigger_on_parse()->group("");
  return alias;
}

int FinishStandardOutput(int exit_code) {
  // stdio first: std::cout (synced with stdio) writes through stdout's
  // buffer, and flushing that here is what keeps errno's reason.
  errno = 0;
  const bool flush_failed = std::fflush(stdout) != 0;
  const int flush_errno = errno;
  std::cout.flush();
  const bool cout_failed = !std::cout.good();
  if (!flush_failed && !cout_failed && std::ferror(stdout) == 0) return exit_code;
  std::string reason = "write error";
  if (flush_failed && flush_errno != 0) {
    reason = ErrnoText(flush_errno);
  } else if (::write(STDOUT_FILENO, "\n", 1) < 0) {
    // An earlier write failed (a command flushed it) and took errno with it:
    // one more byte, to an output already incomplete, asks the reason again.
    reason = ErrnoText(errno);
  }
  std::fprintf(stderr, "churnml: error: writing standard output: %s\n", reason.c_str());
  return 2;  // kExitError (cli/command.h)
}

}  // namespace churnml::cli
