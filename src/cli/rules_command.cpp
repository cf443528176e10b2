// `ntpsweep rules ...`: list the rules and run their examples.
#include <iostream>
#include <memory>

#include "core/counted.h"
#include "cli/command.h"
#include "scan/rule_examples.h"

namespace ntpsweep::cli {
namespace {

struct RulesArgs {
  std::vector<std::string> dirs;
  bool no_builtin = false;
  std::string id;  // rules show
};

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

int RunRulesShow(const RulesArgs& args) {
  rules::RuleSet set;
  LoadRules(&set, !args.no_builtin, args.dirs, {}, rules::RuleSet::Builtin::kWhole);
  const rules::Rule* r = set.Find(args.id);
  if (!r) {
    std::cerr << "ntpsweep: rules show: no rule '" << args.id << "' (ntpsweep rules list)\n";
    return kExitError;
  }
  std::cout << r->id << " (" << r->name << ")\n"
            << "  severity:          " << SeverityName(r->severity) << '\n'
            << "  class:             " << ActivityName(r->activity) << '\n'
            << "  precision:         " << r->precision << '\n'
            << "  security-severity: " << r->security_severity << '\n'
            << "  tags:              " << Join(r->tags, ", ") << '\n';
  if (!r->syntax.empty()) std::cout << "  syntax:            " << r->syntax << '\n';
  if (!r->directives.empty()) std::cout << "  directives:        " << Join(r->directives, ", ") << '\n';
  if (r->key_pattern) std::cout << "  key_pattern:       " << r->key_pattern->pattern() << '\n';
  if (!r->paths.empty()) std::cout << "  paths:             " << Join(r->paths, ", ") << '\n';
  std::cout << "  examples:          " << r->examples.size() << '\n'
            << "  defined at:        " << r->source << "\n\n"
            << r->short_description << "\n\n"
            << r->full_description << "\n\n"
            << r->help << (r->help.ends_with('\n') ? "" : "\n");
  return kExitClean;
}

int RunRulesValidate(const RulesArgs& args) {
  // Loading is the validation: the schema and what GitHub needs of a rule (descriptions, at
  // most 10 tags, a numeric security-severity...) fail with file:line:column, and loading
  // beside the built-in pack finds id collisions. Examples are run by `rules test`.
  rules::RuleSet set;
  LoadRules(&set, !args.no_builtin, args.dirs);
  size_t own = 0;
  for (const auto& r : set.rules())
    for (const std::string& d : args.dirs)
      if (r->source.starts_with(d.ends_with('/') ? d : d + "/")) {
        ++own;
        break;
      }
  if (own == 0) {
    std::cerr << "ntpsweep: rules validate: no rules in " << Join(args.dirs, ", ") << '\n';
    return kExitError;
  }
  std::cout << "rules validate: " << own << (own == 1 ? " rule" : " rules") << " valid\n";
  return kExitClean;
}

int RunRulesTest(const RulesArgs& args) {
  rules::RuleSet set;
  // The test of the built-in pack: its examples, and every regex compiles with its groups.
  LoadRules(&set, !args.no_builtin, args.dirs, {}, rules::RuleSet::Builtin::kWhole);
  scan::ExampleReport report = scan::RunRuleExamples(set);
  for (const auto& f : report.failures)
    std::cout << "FAIL " << f.rule_id << " (" << f.where << "): " << f.message << '\n';
  std::cout << "rules test: " << Counted(report.rules, "rule", "rules") << ", "
            << Counted(report.examples, "example", "examples") << "\n"
            << report.passed << " passed, " << report.failures.size() << " failed\n";
  return report.failures.empty() ? kExitClean : kExitFindings;
}

int RunRulesList(const RulesArgs& args) {
  rules::RuleSet set;
  LoadRules(&set, !args.no_builtin, args.dirs);
  // id, severity, tags, summary: tab-separated for scripts.
  for (const auto& r : set.rules())
    std::cout << r->id << '\t' << SeverityName(r->severity) << '\t' << Join(r->tags, ",") << '\t'
              << r->short_description << '\n';
  return kExitClean;
}

}  // namespace

void LoadRules(rules::RuleSet* set, bool builtin, const std::vector<std::string>& dirs,
               const std::vector<std::string>& wheres, rules::RuleSet::Builtin builtin_how) {
  if (builtin) set->LoadBuiltin(builtin_how);
  for (size_t i = 0; i < dirs.size(); ++i) {
    try {
      set->LoadDirectory(dirs[i]);
    } catch (const rules::RuleError& e) {
      if (i >= wheres.size() || wheres[i].empty()) throw;
      throw rules::RuleError(wheres[i] + ": " + e.what());  // the config entry that named it
    }
  }
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
  CLI::App* rules_show = rules_cmd->add_subcommand("show", "Show one rule in full");
  rules_show->add_option("id", rules_args.id, "Rule id")->required();
  rules_show->add_option("--rules", rules_args.dirs, "Extra rule directory (repeatable)")
      ->allow_extra_args(false);
  rules_show->add_flag("--no-builtin-rules", rules_args.no_builtin, "Only the --rules dirs");
  CLI::App* rules_validate = rules_cmd->add_subcommand(
      "validate", "Check rule files: schema, id collisions, what GitHub needs of a rule");
  rules_validate->add_option("dirs", rules_args.dirs, "Rule directories")->required();
  rules_validate->add_flag("--no-builtin-rules", rules_args.no_builtin,
                           "Do not check ids against the built-in pack");
  return {{rules_test, [args] { return RunRulesTest(*args); }},
          {rules_list, [args] { return RunRulesList(*args); }},
          {rules_show, [args] { return RunRulesShow(*args); }},
          {rules_validate, [args] { return RunRulesValidate(*args); }}};
}

}  // namespace ntpsweep::cli
