// `ntpsweep rules ...`: list the rules and run their examples.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "scan/rule_examples.h"

namespace ntpsweep::cli {
namespace {

struct RulesArgs {
  std::vector<std::string> dirs;
  bool no_builtin = false;
};

int RunRulesTest(const RulesArgs& args) {
  rules::RuleSet set;
  LoadRules(&set, !args.no_builtin, args.dirs);
  scan::ExampleReport report = scan::RunRuleExamples(set);
  for (const auto& f : report.failures)
    std::cout << "FAIL " << f.rule_id << " (" << f.where << "): " << f.message << '\n';
  std::cout << "rules test: " << report.rules << " rules, " << report.examples << " examples\n"
            << report.passed << " passed, " << report.failures.size() << " failed\n";
  return report.failures.empty() ? kExitClean : kExitFindings;
}

int RunRulesList(const RulesArgs& args) {
  rules::RuleSet set;
  LoadRules(&set, !args.no_builtin, args.dirs);
  for (const auto& r : set.rules())
    std::cout << r->id << '\t' << SeverityName(r->severity) << '\t' << r->short_description << '\n';
  return kExitClean;
}

}  // namespace

void LoadRules(rules::RuleSet* set, bool builtin, const std::vector<std::string>& dirs) {
  if (builtin) set->LoadBuiltin();
  for (const std::string& d : dirs) set->LoadDirectory(d);
}

std::vector<Command> RegisterRules(CLI::App& parent) {
  auto args = std::make_shared<RulesArgs>();
  RulesArgs& rules_args = *args;
  CLI::App* rules_cmd = parent.add_subcommand("rules", "Work with rules");
  rules_cmd->require_subcommand(1);
  CLI::App* rules_test = rules_cmd->add_subcommand("test", "Run every rule's examples");
  rules_test->add_option("dirs", rules_args.dirs, "Extra rule directories");
  rules_test->add_flag("--no-builtin-rules", rules_args.no_builtin, "Test only the given dirs");
  CLI::App* rules_list = rules_cmd->add_subcommand("list", "List rules");
  rules_list->add_option("dirs", rules_args.dirs, "Extra rule directories");
  rules_list->add_flag("--no-builtin-rules", rules_args.no_builtin, "List only the given dirs");
  return {{rules_test, [args] { return RunRulesTest(*args); }},
          {rules_list, [args] { return RunRulesList(*args); }}};
}

}  // namespace ntpsweep::cli
