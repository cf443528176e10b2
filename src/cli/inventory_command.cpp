// `ntpsweep inventory [PATH...]`: every time source configured anywhere, no target needed.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/plan.h"
#include "core/counted.h"
#include "report/inventory.h"
#include "scan/inventory.h"

namespace ntpsweep::cli {
namespace {

// What inventory alone takes; the rest is the scan plan's (plan.h).
struct InventoryArgs {
  CommandLineOptions shared;
  std::string format = "text";
  std::string output;
};

int RunInventoryCommand(const InventoryArgs& args) {
  ScanPlan plan = ResolveCommandPlan(args.shared, kForInventory);
  std::error_code ec;
  if (std::filesystem::is_directory(args.output, ec))
    throw ConfigError("--output: '" + args.output + "' is a directory, not a file");
  rules::RuleSet rule_set;
  LoadRules(&rule_set, plan.builtin_rules, plan.rule_dirs, plan.rule_dir_wheres);
  SelectRules(&rule_set, plan.enable_rules, plan.disable_rules, {});
  scan::ScanOptions options = ScanOptionsOf(plan, std::filesystem::current_path(ec).string());
  input::VerboseLog verbose(std::cerr);
  if (plan.verbose) options.walk.verbose = &verbose;
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
    bool color = plan.color == "always" ||
                 (plan.color == "auto" && args.output.empty() && isatty(STDOUT_FILENO) &&
                  !(std::getenv("NO_COLOR") && *std::getenv("NO_COLOR")));
    report::WriteInventoryText(out, result, color);
  }
  out.flush();
  if (!out) {
    std::cerr << "ntpsweep: writing the inventory failed\n";
    return kExitError;
  }
  if (plan.stats)
    WriteStats(std::cerr, result.stats,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - output_start).count());
  if (!args.output.empty() && args.format != "text" && !plan.quiet)
    std::cerr << "ntpsweep: " << Counted(result.sources.size(), "time source", "time sources")
              << " written to " << args.output << '\n';
  return result.input_error ? kExitError : kExitClean;
}

}  // namespace

std::vector<Command> RegisterInventory(CLI::App& parent) {
  auto args = std::make_shared<InventoryArgs>();
  InventoryArgs& a = *args;
  CLI::App* cmd = parent.add_subcommand(
      "inventory", "List every time source configured anywhere (no --host needed), grouped by server");
  a.shared.Register(cmd, kForInventory);
  cmd->add_option("--format", a.format, "Output format")->check(CLI::IsMember({"text", "json", "csv"}));
  cmd->add_option("-o,--output", a.output, "Write the inventory to FILE instead of stdout");
  return {{cmd, [args] { return RunInventoryCommand(*args); }}};
}

}  // namespace ntpsweep::cli
