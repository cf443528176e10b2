// The command line: a table of subcommands; each parses its options into a plain value and
// runs. No scanning logic lives here.
#include "cli/cli.h"

#include <iostream>

#include "cli/command.h"
#include "cli/config.h"

namespace ntpsweep::cli {
namespace {

// Adding a subcommand is adding its file and a line here.
constexpr RegisterFn kCommands[] = {RegisterScan, RegisterRules, RegisterInit, RegisterMerge, RegisterInventory, RegisterFix};

}  // namespace

Output::Output(const std::string& path, std::string_view who) : to_stdout_(path.empty()) {
  if (to_stdout_) return;
  file_.open(path, std::ios::binary | std::ios::trunc);
  ok_ = static_cast<bool>(file_);
  if (!ok_) std::cerr << who << ": cannot write " << path << '\n';
}

std::ostream& Output::stream() { return to_stdout_ ? std::cout : file_; }

int Main(int argc, char** argv) {
  CLI::App app{
      "ntpsweep: find every reference to a retired NTP server in repositories, build "
      "scripts, configs and images"};
  app.set_version_flag("--version", std::string("ntpsweep ") + NTPSWEEP_VERSION);
  app.require_subcommand(1);
  std::vector<Command> commands;
  for (RegisterFn reg : kCommands)
    for (Command& c : reg(app)) commands.push_back(std::move(c));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitClean : kExitError;
  }
  try {
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const rules::RuleError& e) {
    std::cerr << "ntpsweep: " << e.what() << '\n';
    return kExitError;
  } catch (const ConfigError& e) {
    std::cerr << "ntpsweep: " << e.what() << '\n';
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "ntpsweep: " << e.what() << '\n';
    return kExitError;
  }
  return kExitError;
}

}  // namespace ntpsweep::cli
