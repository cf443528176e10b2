// Findings -> text, JSON and SARIF. Knows nothing of how entries were found.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "rules/rule.h"
#include "scan/scan.h"

namespace ntpsweep::report {

struct ReportContext {
  const rules::RuleSet* rules = nullptr;
  std::vector<std::string> hosts;  // targets as given
  std::string srcroot;             // absolute directory that %SRCROOT% stands for, with '/'
  std::string category = "ntpsweep";  // SARIF automationDetails.id is "<category>/"
  std::string docs_url;            // base for rule helpUri: <docs_url>/blob/main/docs/rules.md#id
};

void WriteText(std::ostream& out, const scan::ScanResult& result, const ReportContext& ctx,
               bool color);
void WriteJson(std::ostream& out, const scan::ScanResult& result, const ReportContext& ctx);
void WriteSarif(std::ostream& out, const scan::ScanResult& result, const ReportContext& ctx);

// A URI reference for a displayed path: relative paths stay relative (percent-encoded, never
// scheme-like), absolute ones become file:// URIs.
std::string PathToUri(const std::string& path, bool* relative);

}  // namespace ntpsweep::report
