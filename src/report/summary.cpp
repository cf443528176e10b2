// Markdown for the job summary ($GITHUB_STEP_SUMMARY): what the check found, in a few tables.
#include <algorithm>
#include <map>

#include "core/counted.h"
#include "report/report.h"

namespace ntpsweep::report {
namespace {

std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '`') out += '\'';
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

void WriteSummary(std::ostream& out, const ScanResult& result, const ReportContext& ctx) {
  std::map<std::string, std::map<Severity, size_t>> by_rule;
  std::map<std::string, size_t> by_activity, by_file;
  std::map<BaselineState, size_t> by_state;
  size_t shown = 0, suppressed = 0, errors = 0, warnings = 0, notes = 0;
  for (const Finding& f : result.findings) {
    if (f.severity < ctx.min_level) continue;  // --min-level
    if (f.suppression) {
      ++suppressed;
      continue;
    }
    ++shown;
    ++by_rule[f.rule_id][f.severity];
    ++by_activity[std::string(ActivityName(f.activity))];
    ++by_file[f.location.Render()];
    ++by_state[f.baseline_state];
    (f.severity == Severity::kError ? errors : f.severity == Severity::kWarning ? warnings : notes)++;
  }
  out << "## ntpsweep: " << shown << (shown == 1 ? " reference" : " references")
      << " to the old time server\n\n";
  out << "| errors | warnings | notes | suppressed |";
  if (ctx.have_baseline) out << " new | unchanged | updated | absent |";
  out << "\n|---:|---:|---:|---:|";
  if (ctx.have_baseline) out << "---:|---:|---:|---:|";
  out << "\n| " << errors << " | " << warnings << " | " << notes << " | " << suppressed << " |";
  if (ctx.have_baseline)
    out << ' ' << by_state[BaselineState::kNew] << " | " << by_state[BaselineState::kUnchanged]
        << " | " << by_state[BaselineState::kUpdated] << " | " << ctx.absent.size() << " |";
  out << "\n\n";
  if (!ctx.hosts.empty()) {
    out << "Hosts: ";
    for (size_t i = 0; i < ctx.hosts.size(); ++i) out << (i ? ", " : "") << '`' << Cell(ctx.hosts[i]) << '`';
    out << "\n\n";
  }
  if (!by_rule.empty()) {
    out << "### By rule\n\n| rule | error | warning | note | total |\n|---|---:|---:|---:|---:|\n";
    for (auto& [rule, sev] : by_rule)
      out << "| `" << Cell(rule) << "` | " << sev[Severity::kError] << " | "
          << sev[Severity::kWarning] << " | " << sev[Severity::kNote] << " | "
          << sev[Severity::kError] + sev[Severity::kWarning] + sev[Severity::kNote] << " |\n";
    out << "\n### By class\n\n| class | findings |\n|---|---:|\n";
    for (auto& [activity, n] : by_activity) out << "| " << activity << " | " << n << " |\n";
    std::vector<std::pair<std::string, size_t>> files(by_file.begin(), by_file.end());
    std::stable_sort(files.begin(), files.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    constexpr size_t kTop = 10;
    out << "\n### Top files\n\n| file | findings |\n|---|---:|\n";
    for (size_t i = 0; i < files.size() && i < kTop; ++i)
      out << "| `" << Cell(files[i].first) << "` | " << files[i].second << " |\n";
    if (files.size() > kTop) out << "\n" << Counted(files.size() - kTop, "more file", "more files") << ".\n";
  }
  if (ctx.have_baseline && by_state[BaselineState::kNew]) {
    out << "\n### New since the baseline\n\n";
    size_t listed = 0;
    for (const Finding& f : result.findings) {
      if (f.suppression || f.baseline_state != BaselineState::kNew || f.severity < ctx.min_level)
        continue;
      if (++listed > 20) break;
      out << "- `" << Cell(f.location.Render()) << ':' << f.span.line << "` " << Cell(f.message)
          << " (`" << Cell(f.rule_id) << "`)\n";
    }
    if (by_state[BaselineState::kNew] > 20) out << "- ... and " << by_state[BaselineState::kNew] - 20 << " more\n";
  }
  size_t warn_notices = 0;
  for (const Notice& n : result.notices)
    if (n.level != Notice::Level::kNote) ++warn_notices;
  if (warn_notices) out << "\n" << Counted(warn_notices, "notice", "notices") << " (unreadable files, expired or unused suppressions): see the log.\n";
  out << '\n';
}

}  // namespace ntpsweep::report
