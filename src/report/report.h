// Findings -> text, JSON and SARIF. Knows nothing of how entries were found.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "rules/rule.h"

namespace ntpsweep::report {

struct ReportContext {
  const rules::RuleSet* rules = nullptr;
  std::vector<std::string> hosts;  // targets as given
  std::vector<std::string> operands;  // paths as given (HTML groups findings by them)
  std::string srcroot;             // absolute directory that %SRCROOT% stands for, with '/'
  std::string category = "ntpsweep";  // SARIF automationDetails.id is "<category>/"
  std::string docs_url;            // base for rule helpUri: <docs_url>/blob/main/docs/rules.md#id
  // CI gate (docs/ci.md). GitHub ignores SARIF `suppressions`, so suppressed findings are left
  // out of every report unless include_suppressed; absent (baseline) results only on request.
  bool include_suppressed = false;
  bool include_absent = false;
  bool have_baseline = false;
  // --format github: annotate every open finding (--annotate all), not only the new ones.
  bool annotate_all = false;
  // --min-level: findings below it are left out of every report (the exit code still counts
  // them against --fail-on). -q: text output drops notices below error.
  Severity min_level = Severity::kNote;
  bool quiet = false;
  std::vector<Finding> absent;          // baseline findings no longer present
  std::optional<VcsInfo> vcs;     // SARIF versionControlProvenance when in a git work tree
};

// Whether a finding appears in a report (not suppressed, or suppressed ones are asked for).
inline bool Shown(const Finding& f, const ReportContext& ctx) {
  return (!f.suppression || ctx.include_suppressed) && f.severity >= ctx.min_level;
}

void WriteText(std::ostream& out, const ScanResult& result, const ReportContext& ctx,
               bool color);
// The version of docs/schema/ntpsweep-report-N.schema.json that WriteJson's output follows.
inline constexpr int kJsonReportSchemaVersion = 1;
void WriteJson(std::ostream& out, const ScanResult& result, const ReportContext& ctx);
// GitHub code scanning rejects a SARIF run of more results than this (docs: SARIF limits).
inline constexpr size_t kSarifMaxResults = 25000;
// SARIF keeps the kSarifMaxResults most severe results (in report order) and says in a
// `results-left-out` notification how many it left out; the JSON report holds them all.
void WriteSarif(std::ostream& out, const ScanResult& result, const ReportContext& ctx);
// How many results WriteSarif leaves out for GitHub's limit (0 nearly always).
size_t SarifResultsLeftOut(const ScanResult& result, const ReportContext& ctx);
// One self-contained HTML page: counts by class and level, charts of what remains, findings by
// server and by repository or image (the operand or archive they are in), notices.
void WriteHtml(std::ostream& out, const ScanResult& result, const ReportContext& ctx);
// GitHub Actions workflow commands (::error file=...::): new findings (all with annotate_all),
// new before known and most severe first, then notices, at most GitHub's 10 per level and
// step, and one line counting what was left out.
void WriteGithub(std::ostream& out, const ScanResult& result, const ReportContext& ctx);
// Markdown for $GITHUB_STEP_SUMMARY: counts by rule, class and baseline state, top files.
void WriteSummary(std::ostream& out, const ScanResult& result, const ReportContext& ctx);

// Locations from the scan root (ctx.srcroot; core/fingerprint.h ScanRootLocation), as SARIF
// URIs and GitHub annotations name files, remembered per outermost path.
class RootLocations {
 public:
  explicit RootLocations(const std::string& root) : root_(root) {}
  Location Of(const Location& location);

 private:
  std::string root_;
  std::map<std::string, std::string> outer_;
};

// A URI reference for a displayed path: relative paths stay relative (percent-encoded, never
// scheme-like), absolute ones become file:// URIs.
std::string PathToUri(const std::string& path, bool* relative);

}  // namespace ntpsweep::report
