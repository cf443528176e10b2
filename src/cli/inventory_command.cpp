// `ntpsweep inventory [PATH...]`: every time source configured anywhere, no target needed.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "report/inventory.h"
#include "scan/inventory.h"

namespace ntpsweep::cli {
namespace {

struct InventoryArgs {
  std::vector<std::string> operands;
  std::vector<std::string> rule_dirs;
  bool no_builtin = false;
  std::vector<std::string> disable_rules;
  std::vector<std::string> exclude;
  bool include_vcs = false;
  std::string format = "text";
  std::string output;
  std::string color = "auto";
  size_t max_file_size = 64u << 20;
  bool stats = false;
  bool no_prefilter = false;
};

int RunInventoryCommand(const InventoryArgs& args) {
  rules::RuleSet rule_set;
  LoadRules(&rule_set, !args.no_builtin, args.rule_dirs);
  rule_set.Disable(args.disable_rules);
  scan::ScanOptions options;
  options.operands = args.operands.empty() ? std::vector<std::string>{"."} : args.operands;
  options.walk.exclude = args.exclude;
  options.walk.include_vcs = args.include_vcs;
  options.max_file_bytes = args.max_file_size;
  options.walk.limits.max_file_bytes = options.max_file_bytes;
  options.prefilter = !args.no_prefilter;
  scan::InventoryResult result = scan::RunInventory(options, rule_set);

  Output output(args.output);
  if (!output.ok()) return kExitError;
  std::ostream& out = output.stream();
  auto output_start = std::chrono::steady_clock::now();
  if (args.format == "json") {
    report::WriteInventoryJson(out, result);
  } else if (args.format == "csv") {
    report::WriteInventoryCsv(out, result);
  } else {
    bool color = args.color == "always" ||
                 (args.color == "auto" && args.output.empty() && isatty(STDOUT_FILENO) &&
                  !(std::getenv("NO_COLOR") && *std::getenv("NO_COLOR")));
    report::WriteInventoryText(out, result, color);
  }
  out.flush();
  if (!out) {
    std::cerr << "ntpsweep: writing the inventory failed\n";
    return kExitError;
  }
  if (args.stats)
    WriteStats(std::cerr, result.stats,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - output_start).count());
  if (!args.output.empty() && args.format != "text")
    std::cerr << "ntpsweep: " << result.sources.size() << " time sources written to " << args.output << '\n';
  return result.input_error ? kExitError : kExitClean;
}

}  // namespace

std::vector<Command> RegisterInventory(CLI::App& parent) {
  auto args = std::make_shared<InventoryArgs>();
  InventoryArgs& a = *args;
  CLI::App* cmd = parent.add_subcommand(
      "inventory", "List every time source configured anywhere (no --host needed), grouped by server");
  cmd->add_option("paths", a.operands, "Files or directories to read (default: .)");
  cmd->add_option("--format", a.format, "Output format")->check(CLI::IsMember({"text", "json", "csv"}));
  cmd->add_option("-o,--output", a.output, "Write the inventory to FILE instead of stdout");
  cmd->add_option("--rules", a.rule_dirs, "Directory of extra rule files (repeatable)")->allow_extra_args(false);
  cmd->add_flag("--no-builtin-rules", a.no_builtin, "Do not load the built-in rule pack");
  cmd->add_option("--disable-rule", a.disable_rules, "Rule id to turn off (repeatable)")->allow_extra_args(false);
  cmd->add_option("--exclude", a.exclude, "Glob of paths to skip (repeatable)")->allow_extra_args(false);
  cmd->add_flag("--include-vcs", a.include_vcs, "Also read .git, .hg and .svn directories");
  cmd->add_option("--color", a.color, "Colour in text output")->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--max-file-size", a.max_file_size, "Bytes of one file read (default: 67108864)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--stats", a.stats,
                "After the inventory, print on stderr what was read, what the prefilter spared and the time per phase");
  cmd->add_flag("--no-prefilter", a.no_prefilter,
                "Read every file with every reader that applies (a check of the prefilter; slow)");
  return {{cmd, [args] { return RunInventoryCommand(*args); }}};
}

}  // namespace ntpsweep::cli
