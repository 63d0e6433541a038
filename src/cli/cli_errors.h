// The command line's error edge: every parse error, uncaught exception and
// failed write to standard output becomes one line on stderr,
// `churnml: error: <message>`, and exit status 2 (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace churnml::cli {

// One line for a CLI11 parse error, in churnml's words: an unknown command
// or flag names the closest valid one ("unknown flag --outt for train; did
// you mean --out?"), a missing subcommand lists the choices, and anything
// else names the command it concerns. `root` is the top-level app after the
// failed parse.
std::string DescribeParseError(CLI::App& root, const CLI::ParseError& error);

// Adds `names` (CLI11 syntax, e.g. "--output,-o") as a hidden former
// spelling of `canonical`: a value given there counts as given to
// `canonical` (so its required(), default and env variable work as one), and
// a typo near it is answered with the canonical name.
CLI::Option* AddFlagAlias(CLI::App* app, const std::string& names, CLI::Option* canonical);

// Flushes stdout (C stdio and std::cout) and checks that every byte written
// there arrived. Returns `exit_code` when it did; otherwise prints
// "churnml: error: writing standard output: <reason>" and returns 2.
int FinishStandardOutput(int exit_code);

}  // namespace churnml::cli
