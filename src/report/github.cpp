// GitHub Actions workflow commands: each finding becomes `::error file=...,line=...::message`,
// which the runner turns into a pull-request annotation without code scanning.
#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

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

// A file on disk is named as it is in the repository; only a chain into an archive or image
// uses the `!` grammar, whose doubled '!' would name a file that does not exist.
std::string AnnotationPath(const Location& location) {
  return location.chain.size() == 1 ? location.chain[0] : location.Render();
}

std::string_view Command(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "notice";
}

}  // namespace

void WriteGithub(std::ostream& out, const ScanResult& result, const ReportContext& ctx) {
  // GitHub shows 10 error, 10 warning and 10 notice annotations per step and drops the rest:
  // the ones that matter go first, and what was left out is said.
  constexpr size_t kPerLevel = 10;
  auto is_new = [](const Finding& f) {
    return f.baseline_state == BaselineState::kNew || f.baseline_state == BaselineState::kNone;
  };
  std::vector<const Finding*> chosen;
  size_t known = 0;  // in the baseline (unchanged or updated), not asked for
  for (const Finding& f : result.findings) {
    if (f.suppression || f.severity == Severity::kNone || f.severity < ctx.min_level)
      continue;  // never annotate those
    if (!is_new(f) && !ctx.annotate_all) {
      ++known;
      continue;
    }
    chosen.push_back(&f);
  }
  std::stable_sort(chosen.begin(), chosen.end(), [&](const Finding* a, const Finding* b) {
    if (is_new(*a) != is_new(*b)) return is_new(*a);
    return a->severity > b->severity;
  });
  struct Annotation {
    int level;  // 0 error, 1 warning, 2 notice
    bool finding;
    std::string line;
  };
  std::vector<Annotation> all;
  RootLocations at_root(ctx.srcroot);
  for (const Finding* fp : chosen) {
    const Finding& f = *fp;
    std::string title = f.rule_id;
    if (f.baseline_state != BaselineState::kNone)
      title += std::string(" (") + std::string(BaselineStateName(f.baseline_state)) + ")";
    std::ostringstream l;
    l << "::" << Command(f.severity)
      << " file=" << EscapeProperty(AnnotationPath(at_root.Of(f.location)))
      << ",line=" << f.span.line << ",col=" << f.span.column;
    if (f.span.end_line) l << ",endLine=" << f.span.end_line;
    if (f.span.end_line == f.span.line && f.span.end_column)
      l << ",endColumn=" << f.span.end_column;
    l << ",title=" << EscapeProperty(title)
      << "::" << EscapeData(f.message + " [" + std::string(ActivityName(f.activity)) + "]");
    all.push_back({f.severity == Severity::kError     ? 0
                   : f.severity == Severity::kWarning ? 1
                                                      : 2,
                   true, l.str()});
  }
  for (const Notice& n : result.notices) {
    std::ostringstream l;
    int level = n.level == Notice::Level::kError ? 0 : n.level == Notice::Level::kWarning ? 1 : 2;
    l << "::" << (level == 0 ? "error" : level == 1 ? "warning" : "notice");
    if (!n.location.chain.empty()) {
      l << " file=" << EscapeProperty(AnnotationPath(at_root.Of(n.location)));
      if (n.line) l << ",line=" << n.line;
      if (n.column) l << ",col=" << n.column;
      l << ",title=" << EscapeProperty("ntpsweep " + n.id);
    } else {
      l << " title=" << EscapeProperty("ntpsweep " + n.id);
    }
    l << "::" << EscapeData(n.message);
    all.push_back({level, false, l.str()});
  }
  size_t per_level[3] = {0, 0, 0};
  for (const Annotation& a : all) ++per_level[a.level];
  bool overflow =
      known > 0 || per_level[0] > kPerLevel || per_level[1] > kPerLevel || per_level[2] > kPerLevel;
  // The closing count is a notice itself: it keeps one notice slot.
  const size_t cap[3] = {kPerLevel, kPerLevel, overflow ? kPerLevel - 1 : kPerLevel};
  size_t used[3] = {0, 0, 0}, findings_cut = 0, notices_cut = 0;
  for (const Annotation& a : all) {
    if (used[a.level] < cap[a.level]) {
      ++used[a.level];
      out << a.line << '\n';
    } else {
      ++(a.finding ? findings_cut : notices_cut);
    }
  }
  if (!overflow) return;
  auto count = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::vector<std::string> why;
  if (known)
    why.push_back(count(known, "finding", "findings") +
                  " already in the baseline (--annotate all shows them)");
  if (findings_cut)
    why.push_back(count(findings_cut, "finding", "findings") +
                  " beyond GitHub's 10 annotations per level and step");
  if (notices_cut) why.push_back(count(notices_cut, "notice", "notices"));
  std::ostringstream l;
  l << "Not annotated here";
  for (size_t i = 0; i < why.size(); ++i) l << (i ? "; " : ": ") << why[i];
  l << ". The job summary and the SARIF report list them all.";
  out << "::notice title=ntpsweep::" << EscapeData(l.str()) << '\n';
}

}  // namespace ntpsweep::report
