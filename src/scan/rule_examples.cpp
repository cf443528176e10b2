#include "scan/rule_examples.h"

#include <algorithm>
#include <set>

#include "scan/analyze.h"

namespace ntpsweep::scan {

ExampleReport RunRuleExamples(const rules::RuleSet& rules) {
  ExampleReport report;
  // The inventory's gate (no targets): an example's facts must pass its words and selection.
  const host::TargetSet no_targets;
  const Analyzer inventory(rules, no_targets);
  for (size_t index = 0; index < rules.rules().size(); ++index) {
    const auto& rule = rules.rules()[index];
    ++report.rules;
    std::string file = rule->source.substr(0, rule->source.find(':'));
    if (rule->examples.empty())
      report.failures.push_back({rule->id, rule->source, "the rule has no examples"});
    for (const rules::Example& ex : rule->examples) {
      ++report.examples;
      std::string where = file + ":" + std::to_string(ex.line);
      host::TargetSet targets;
      std::string error;
      bool ok = true;
      if (ex.hosts.empty()) {
        for (const char* h : rules::kDefaultExampleHosts) ok = ok && targets.Add(h, &error);
      } else {
        for (const std::string& h : ex.hosts) ok = ok && targets.Add(h, &error);
      }
      if (!ok) {
        report.failures.push_back({rule->id, where, "bad example host: " + error});
        continue;
      }
      Analyzer analyzer(rules, targets);
      std::set<uint32_t> got;
      std::vector<Notice> notices;
      for (const Finding& f : analyzer.Analyze(Location{{ex.path}}, ex.path, ex.text, &notices))
        if (f.rule_id == rule->id) got.insert(f.span.line);
      std::set<uint32_t> want(ex.lines.begin(), ex.lines.end());
      if (!want.empty() && rule->type != rules::MatchType::kText) {
        Screening gate = inventory.ScreenSources(ex.path, ex.text);
        if (!gate.applies.empty())
          inventory.KeepPossibleRules(ex.text, &gate.applies,
                                      gate.word_hits.empty() ? nullptr : &gate.word_hits);
        if (!gate.words || (!gate.applies.empty() && !gate.applies[index])) {
          report.failures.push_back(
              {rule->id, where, "the inventory's gate passes over the example (the rule's words)"});
          continue;
        }
      }
      if (got == want) ++report.passed;
      if (got != want) {
        auto list = [](const std::set<uint32_t>& s) {
          std::string out;
          for (uint32_t l : s) out += (out.empty() ? "" : ", ") + std::to_string(l);
          return "[" + out + "]";
        };
        report.failures.push_back({rule->id, where,
                                   "expected findings on lines " + list(want) + ", got " + list(got)});
      }
    }
  }
  return report;
}

}  // namespace ntpsweep::scan
