// GitHub Actions workflow commands: each finding becomes `::error file=...,line=...::message`,
// which the runner turns into a pull-request annotation without code scanning.
#include <map>

#include "report/report.h"

namespace ntpsweep::report {
namespace {

// Workflow command escaping (actions/toolkit, @actions/core command.ts).
std::string EscapeData(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string EscapeProperty(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

std::string_view Command(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "notice";
}

}  // namespace

void WriteGithub(std::ostream& out, const ScanResult& result, const ReportContext& ctx) {
  for (const Finding& f : result.findings) {
    if (f.suppression || f.severity == Severity::kNone) continue;  // never annotate those
    std::string title = f.rule_id;
    if (f.baseline_state != BaselineState::kNone)
      title += std::string(" (") + std::string(BaselineStateName(f.baseline_state)) + ")";
    out << "::" << Command(f.severity) << " file=" << EscapeProperty(f.location.Render())
        << ",line=" << f.span.line << ",col=" << f.span.column;
    if (f.span.end_line) out << ",endLine=" << f.span.end_line;
    if (f.span.end_line == f.span.line && f.span.end_column) out << ",endColumn=" << f.span.end_column;
    out << ",title=" << EscapeProperty(title) << "::"
        << EscapeData(f.message + " [" + std::string(ActivityName(f.activity)) + "]") << '\n';
  }
  for (const Notice& n : result.notices) {
    out << "::" << (n.level == Notice::Level::kError ? "error" : n.level == Notice::Level::kWarning ? "warning" : "notice");
    if (!n.location.chain.empty()) {
      out << " file=" << EscapeProperty(n.location.Render());
      if (n.line) out << ",line=" << n.line;
      if (n.column) out << ",col=" << n.column;
      out << ",title=" << EscapeProperty("ntpsweep " + n.id);
    } else {
      out << " title=" << EscapeProperty("ntpsweep " + n.id);
    }
    out << "::" << EscapeData(n.message) << '\n';
  }
  (void)ctx;
}

}  // namespace ntpsweep::report
