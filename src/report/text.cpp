// Human output: findings grouped by file, the line with the mention highlighted, why it matters.
#include <map>

#include "core/bytes.h"
#include "core/counted.h"
#include "report/report.h"

namespace ntpsweep::report {
namespace {

struct Style {
  bool color;
  std::string_view on(std::string_view code) const { return color ? code : ""; }
  std::string_view off() const { return color ? "\033[0m" : ""; }
};

constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kRed = "\033[1;31m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kCyan = "\033[36m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kMagenta = "\033[35m";

std::string_view SeverityColor(Severity s) {
  return s == Severity::kError ? kRed : s == Severity::kWarning ? kYellow : kCyan;
}

// Byte offset of 1-based code-point column `col` in `line`.
size_t ByteOfColumn(std::string_view line, uint32_t col) {
  size_t i = 0;
  for (uint32_t c = 1; c < col && i < line.size(); ++c) {
    ++i;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

std::string Expand(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\t') out += "    ";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out;
}

// "3 symbolic links skipped": why a walk left files out, in words.
std::string SkippedPhrase(const std::string& why, size_t n) {
  static const std::map<std::string, std::pair<const char*, const char*>> kNouns = {
      {"symlink", {"symbolic link", "symbolic links"}},
      {"special-file", {"special file", "special files"}},
      {"vcs-directory", {"VCS directory", "VCS directories"}},
      {"ntpsweep-file", {"ntpsweep file", "ntpsweep files"}},
      {"excluded", {"path excluded", "paths excluded"}},
      {"not-included", {"path not included", "paths not included"}},
      {"unchanged", {"unchanged file", "unchanged files"}},
      {"other-shard", {"file of other shards", "files of other shards"}}};
  if (why == "archive-not-opened")  // --archives off (input/dispatch.h)
    return Counted(n, "archive, compressed file or image", "archives, compressed files or images") +
           " not opened (--archives off)";
  if (why == "ignored")  // .gitignore / .ignore (input/ignore_files.h)
    return Counted(n, "path", "paths") + " left out by .gitignore/.ignore (--no-ignore reads them)";
  auto it = kNouns.find(why);
  if (it == kNouns.end()) return std::to_string(n) + ' ' + why + " skipped";
  return Counted(n, it->second.first, it->second.second) +
         (why == "excluded" || why == "not-included" ? "" : " skipped");
}

}  // namespace

void WriteText(std::ostream& out, const ScanResult& result, const ReportContext& ctx,
               bool color) {
  Style st{color};
  std::string current;
  std::map<Severity, size_t> by_severity;
  size_t files = 0, shown = 0, suppressed = 0, below = 0;
  std::map<BaselineState, size_t> by_state;
  for (const Finding& f : result.findings) {
    if (f.suppression) ++suppressed;
    else if (f.severity < ctx.min_level) ++below;
    if (!Shown(f, ctx)) continue;
    ++shown;
    ++by_state[f.baseline_state];
    ++by_severity[f.severity];
    std::string where = EscapeControls(f.location.Render());  // a name may hold a newline
    if (where != current) {
      if (!current.empty()) out << '\n';
      out << st.on(kBold) << st.on(kMagenta) << where << st.off() << '\n';
      current = where;
      ++files;
    }
    out << "  " << f.span.line << ':' << f.span.column << "  " << st.on(SeverityColor(f.severity))
        << SeverityName(f.severity) << st.off() << "  " << f.message << "  " << st.on(kDim) << '['
        << f.rule_id << ", " << ActivityName(f.activity);
    if (f.baseline_state != BaselineState::kNone) out << ", " << BaselineStateName(f.baseline_state);
    if (f.suppression)
      out << ", suppressed" << (f.suppression->justification.empty() ? "" : ": ")
          << f.suppression->justification;
    out << ']' << st.off() << '\n';
    std::string_view line = f.line_text;
    size_t b = ByteOfColumn(line, f.span.column);
    size_t e = f.span.end_line == f.span.line ? ByteOfColumn(line, f.span.end_column) : line.size();
    if (e < b) e = b;
    std::string pre = Expand(line.substr(0, b)), mid = Expand(line.substr(b, e - b)),
                post = Expand(line.substr(e));
    out << "      | " << pre << st.on(kRed) << mid << st.off() << post << '\n';
    if (!color) out << "      | " << std::string(pre.size(), ' ') << std::string(mid.size(), '^') << '\n';
    for (const RelatedLocation& r : f.related)  // scan/linkage.h
      out << "      = " << st.on(kDim) << "related: " << st.off()
          << EscapeControls(r.location.Render()) << ':' << r.span.line << ':' << r.span.column
          << "  " << r.message << '\n';
  }
  // -q: findings, error notices and the summary line.
  auto listed = [&](const Notice& n) { return !ctx.quiet || n.level == Notice::Level::kError; };
  size_t notices_listed = 0;
  for (const Notice& n : result.notices) notices_listed += listed(n) ? 1 : 0;
  if (notices_listed) {
    if (!result.findings.empty()) out << '\n';
    for (const Notice& n : result.notices)
      if (listed(n))
        out << st.on(kYellow) << "notice" << st.off() << " (" << NoticeLevelName(n.level) << ", "
          << n.id << "): " << EscapeControls(n.message) << '\n';  // messages name paths
  }
  if (!result.findings.empty() || !result.notices.empty()) out << '\n';
  size_t total = shown;
  out << st.on(kBold) << Counted(total, "finding", "findings") << st.off();
  if (total) {
    out << " (";
    bool first = true;
    for (Severity s : {Severity::kError, Severity::kWarning, Severity::kNote}) {
      if (!by_severity[s]) continue;
      out << (first ? "" : ", ") << by_severity[s] << ' ' << SeverityName(s);
      first = false;
    }
    out << ") in " << Counted(files, "file", "files");
  }
  const ScanStats& s = result.stats;
  if (suppressed) out << "; " << suppressed << " suppressed";
  if (below)
    out << "; " << below << " below --min-level " << SeverityName(ctx.min_level) << " left out";
  if (ctx.have_baseline)
    out << "; baseline: " << by_state[BaselineState::kNew] << " new, "
        << by_state[BaselineState::kUnchanged] << " unchanged, "
        << by_state[BaselineState::kUpdated] << " updated, " << ctx.absent.size() << " absent";
  out << "; " << Counted(s.entries, "text file", "text files") << " scanned ("
      << Counted(s.bytes, "byte", "bytes") << ")";
  if (s.binary_skipped) out << ", " << Counted(s.binary_skipped, "binary file", "binary files") << " skipped";
  for (const auto& [why, n] : s.skipped) out << ", " << SkippedPhrase(why, n);
  if (!result.notices.empty()) out << ", " << Counted(result.notices.size(), "notice", "notices");
  out << "; hosts: ";
  for (size_t i = 0; i < ctx.hosts.size(); ++i) out << (i ? ", " : "") << ctx.hosts[i];
  out << '\n';
}

}  // namespace ntpsweep::report
