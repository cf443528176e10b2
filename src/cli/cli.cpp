// The command line: a table of subcommands; each parses its options into a plain value and
// runs. No scanning logic lives here.
#include "cli/cli.h"

#include <iostream>

#include "cli/command.h"
#include "cli/config.h"

namespace ntpsweep::cli {
namespace {

// Adding a subcommand is adding its file and a line here.
constexpr RegisterFn kCommands[] = {RegisterScan, RegisterRules, RegisterInit, RegisterMerge,
                                   RegisterInventory, RegisterWatch, RegisterFix};

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
  // "--baseline=" would take the next word as its value (CLI11): an empty value is an error.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("--") && arg.size() > 3 && arg.find('=') == arg.size() - 1) {
      std::cerr << "ntpsweep: " << arg << " has an empty value: write " << arg
                << "VALUE, or leave the option out\n";
      return kExitError;
    }
  }
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
