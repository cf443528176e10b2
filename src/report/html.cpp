// One self-contained HTML page (docs/output.md): counts, a chart of what remains, findings by
// server and by repository or image. No script, nothing fetched: a Content-Security-Policy of
// default-src 'none' says so to the browser. Every name is escaped, however hostile.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "core/bytes.h"
#include "report/report.h"

namespace ntpsweep::report {
namespace {

// Bytes of the UTF-8 sequence at `s[i]` when it is well-formed, else 0.
size_t Utf8Length(std::string_view s, size_t i) {
  unsigned char lead = static_cast<unsigned char>(s[i]);
  size_t n = lead < 0x80           ? 1
             : (lead >> 5) == 0x6  ? 2
             : (lead >> 4) == 0xE  ? 3
             : (lead >> 3) == 0x1E ? 4
                                   : 0;
  if (n == 0 || i + n > s.size() || !IsValidUtf8(s.substr(i, n))) return 0;
  return n;
}

uint32_t CodePoint(std::string_view seq) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(seq[k])); };
  if (seq.size() == 1) return b(0);
  if (seq.size() == 2) return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
  if (seq.size() == 3) return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
  return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
}

// Text for an HTML text node or a quoted attribute: markup characters as references, bytes that
// are not UTF-8 as U+FFFD, control characters as \xHH (as in text output), and the characters
// that reorder text (bidi embeddings, overrides, isolates, marks) as visible \u escapes, so a
// name shows what it is.
std::string Html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    uint32_t cp = CodePoint(s.substr(i, n));
    if (cp == '&')
      out += "&amp;";
    else if (cp == '<')
      out += "&lt;";
    else if (cp == '>')
      out += "&gt;";
    else if (cp == '"')
      out += "&quot;";
    else if (cp == '\'')
      out += "&#39;";
    else if (cp == '\t')
      out += ' ';
    else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
      out += buf;
    } else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
               (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

constexpr std::array<Severity, 3> kLevels = {Severity::kError, Severity::kWarning, Severity::kNote};
constexpr std::array<Activity, 7> kClasses = {
    Activity::kActive,    Activity::kTemplate,   Activity::kReference, Activity::kMention,
    Activity::kCommented, Activity::kBackupCopy, Activity::kShadowed};

std::string_view LevelColor(Severity s) {
  return s == Severity::kError ? "#c62828" : s == Severity::kWarning ? "#e07000" : "#1565c0";
}

struct Counts {
  std::map<Severity, size_t> by_level;
  size_t total = 0;
  void Add(const Finding& f) {
    ++by_level[f.severity];
    ++total;
  }
};

// A path without "./" in front and '/' behind, for prefix comparison.
std::string PlainPath(std::string p) {
  while (p.starts_with("./") && p.size() > 2) p.erase(0, 2);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// The repository or image a finding belongs to: the archive or image it is inside (the
// outermost file of its chain), else the longest operand (a checkout, a directory, a file)
// its path is under, else its path.
std::string SourceGroup(const Finding& f, const std::vector<std::string>& operands) {
  if (f.location.chain.empty()) return "";
  const std::string& outer = f.location.chain.front();
  if (f.location.chain.size() > 1) return outer;
  const std::string path = PlainPath(outer);
  std::string best;
  for (const std::string& operand : operands) {
    std::string o = PlainPath(operand);
    bool under =
        o == "." ? !path.starts_with('/') && !path.starts_with("../")
                 : path == o || (path.starts_with(o) && (o.back() == '/' || path[o.size()] == '/'));
    if (under && o.size() > best.size()) best = o;
  }
  return best.empty() ? path : best;
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "3 errors, 1 warning": the levels present, most severe first.
std::string LevelWords(const Counts& c) {
  std::string out;
  for (Severity s : kLevels) {
    auto it = c.by_level.find(s);
    if (it == c.by_level.end() || it->second == 0) continue;
    if (!out.empty()) out += ", ";
    std::string name(SeverityName(s));
    out += Plural(it->second, name, name + "s");
  }
  return out.empty() ? "none" : out;
}

// A horizontal bar per row, its segments by level: what remains to be retired.
void WriteChart(std::ostream& out, std::string_view title,
                const std::vector<std::pair<std::string, Counts>>& rows) {
  constexpr int kLabel = 300, kBar = 360, kRow = 24, kTop = 8;
  size_t max = 1;
  for (const auto& [label, c] : rows) max = std::max(max, c.total);
  const int height = kTop + kRow * static_cast<int>(rows.size()) + 28;
  out << "<figure class=\"chart\"><figcaption>" << Html(title) << "</figcaption>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" << kLabel + kBar + 60
      << "\" height=\"" << height << "\" viewBox=\"0 0 " << kLabel + kBar + 60 << ' ' << height
      << "\"><title>" << Html(title) << "</title>\n";
  int y = kTop;
  for (const auto& [label, c] : rows) {
    std::string shown = label;
    if (shown.size() > 48) {  // cut at a character boundary, not inside a UTF-8 sequence
      size_t cut = 45;
      while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
      shown = shown.substr(0, cut) + "...";
    }
    out << "<text x=\"" << kLabel - 8 << "\" y=\"" << y + 16 << "\" text-anchor=\"end\">"
        << Html(shown) << "</text>";
    double x = kLabel;
    for (Severity s : kLevels) {
      auto it = c.by_level.find(s);
      if (it == c.by_level.end() || it->second == 0) continue;
      double w = static_cast<double>(it->second) * kBar / static_cast<double>(max);
      char rect[160];
      std::snprintf(rect, sizeof rect,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x,
                    y + 3, w, kRow - 6, std::string(LevelColor(s)).c_str());
      out << rect;
      x += w;
    }
    out << "<text x=\"" << static_cast<int>(x) + 6 << "\" y=\"" << y + 16 << "\">" << c.total
        << "</text>\n";
    y += kRow;
  }
  int lx = kLabel;
  for (Severity s : kLevels) {
    out << "<rect x=\"" << lx << "\" y=\"" << y + 8 << "\" width=\"12\" height=\"12\" fill=\""
        << LevelColor(s) << "\"/><text x=\"" << lx + 16 << "\" y=\"" << y + 19 << "\">"
        << SeverityName(s) << "</text>";
    lx += 90;
  }
  out << "\n</svg></figure>\n";
}

void WriteFindingsTable(std::ostream& out, const std::vector<const Finding*>& findings,
                        const ReportContext& ctx, bool server_column) {
  out << "<table class=\"findings\"><thead><tr><th>Where</th><th>Level</th><th>Class</th>"
      << "<th>Rule</th>" << (server_column ? "<th>Server</th>" : "")
      << (ctx.have_baseline ? "<th>Baseline</th>" : "") << "<th>What</th></tr></thead><tbody>\n";
  for (const Finding* f : findings) {
    out << "<tr><td class=\"where\"><code>" << Html(f->location.Render()) << ':' << f->span.line
        << ':' << f->span.column << "</code></td><td><span class=\"level "
        << SeverityName(f->severity) << "\">" << SeverityName(f->severity) << "</span></td><td>"
        << ActivityName(f->activity) << "</td><td><code>" << Html(f->rule_id) << "</code></td>";
    if (server_column) out << "<td><code>" << Html(f->target) << "</code></td>";
    if (ctx.have_baseline) out << "<td>" << BaselineStateName(f->baseline_state) << "</td>";
    out << "<td>" << Html(f->message);
    if (f->suppression)
      out << " <em>(suppressed: " << Html(f->suppression->justification) << ")</em>";
    out << "<pre>" << Html(f->line_text) << "</pre>";
    for (const RelatedLocation& r : f->related)
      out << "<div class=\"related\">see <code>" << Html(r.location.Render()) << ':' << r.span.line
          << "</code>: " << Html(r.message) << "</div>";
    out << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void WriteGroups(std::ostream& out,
                 const std::vector<std::pair<std::string, std::vector<const Finding*>>>& groups,
                 const ReportContext& ctx, bool server_column) {
  for (const auto& [name, findings] : groups) {
    Counts c;
    for (const Finding* f : findings) c.Add(*f);
    out << "<section class=\"group\"><h3><code>" << Html(name) << "</code> <span class=\"count\">"
        << Plural(c.total, "reference", "references") << " (" << LevelWords(c) << ")</span></h3>\n";
    if (!findings.empty()) WriteFindingsTable(out, findings, ctx, server_column);
    out << "</section>\n";
  }
}

constexpr std::string_view kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 6px}code,pre{font:12px/1.4 ui-monospace,monospace}
pre{margin:4px 0 0;white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:2px 4px}
table{border-collapse:collapse;margin:4px 0 12px}th,td{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num,th.num{text-align:right}
td.where{overflow-wrap:anywhere;max-width:28em}.count{font-weight:normal;color:#555}
.level{color:#fff;border-radius:3px;padding:0 5px}.level.error{background:#c62828}
.level.warning{background:#e07000}.level.note{background:#1565c0}
.chart{margin:8px 0 16px}.chart figcaption{font-weight:600;margin-bottom:4px}
.chart svg text{font:12px system-ui,sans-serif;fill:#1b1b1b}.related{color:#555;margin-top:2px}
nav a{margin-right:12px}footer{margin-top:32px;color:#777;font-size:12px}
)";

}  // namespace

void WriteHtml(std::ostream& out, const ScanResult& result, const ReportContext& ctx) {
  Counts all;
  size_t suppressed = 0;
  std::map<Activity, Counts> by_class;
  std::map<BaselineState, size_t> by_state;
  std::map<std::string, std::vector<const Finding*>> by_server_map, by_source_map;
  for (const Finding& f : result.findings) {
    if (f.suppression) ++suppressed;
    if (!Shown(f, ctx)) continue;
    all.Add(f);
    by_class[f.activity].Add(f);
    ++by_state[f.baseline_state];
    by_server_map[f.target].push_back(&f);
    by_source_map[SourceGroup(f, ctx.operands)].push_back(&f);
  }
  // Servers in the order given, those with nothing left included; then any other target.
  std::vector<std::pair<std::string, std::vector<const Finding*>>> by_server, by_source;
  for (const std::string& host : ctx.hosts) {
    if (std::any_of(by_server.begin(), by_server.end(),
                    [&](const auto& g) { return g.first == host; }))
      continue;
    auto it = by_server_map.find(host);
    by_server.emplace_back(host,
                           it == by_server_map.end() ? std::vector<const Finding*>{} : it->second);
  }
  for (const auto& [target, findings] : by_server_map)
    if (std::find(ctx.hosts.begin(), ctx.hosts.end(), target) == ctx.hosts.end())
      by_server.emplace_back(target, findings);
  by_source.assign(by_source_map.begin(), by_source_map.end());

  const std::string headline =
      "ntpsweep: " + Plural(all.total, "reference", "references") + " to the old time server";
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"ntpsweep " << NTPSWEEP_VERSION << "\">\n"
      << "<title>" << Html(headline) << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n"
      << "<header><h1>" << Html(headline) << "</h1>\n<p>Servers: ";
  for (size_t i = 0; i < ctx.hosts.size(); ++i)
    out << (i ? ", " : "") << "<code>" << Html(ctx.hosts[i]) << "</code>";
  out << ". " << LevelWords(all) << "; " << Plural(result.notices.size(), "notice", "notices");
  if (suppressed && !ctx.include_suppressed) out << "; " << suppressed << " suppressed left out";
  out << ".</p>\n<nav><a href=\"#summary\">Summary</a><a href=\"#by-server\">By server</a>"
      << "<a href=\"#by-source\">By repository or image</a><a href=\"#notices\">Notices</a></nav>"
      << "</header>\n";

  out << "<section id=\"summary\"><h2>Summary</h2>\n<table class=\"counts\"><thead><tr>"
      << "<th>Class</th>";
  for (Severity s : kLevels) out << "<th class=\"num\">" << SeverityName(s) << "</th>";
  out << "<th class=\"num\">total</th></tr></thead><tbody>\n";
  auto count_cells = [&out](const Counts& c) {
    for (Severity s : kLevels) {
      auto it = c.by_level.find(s);
      out << "<td class=\"num\">" << (it == c.by_level.end() ? 0 : it->second) << "</td>";
    }
    out << "<td class=\"num\">" << c.total << "</td></tr>\n";
  };
  for (Activity a : kClasses) {
    auto it = by_class.find(a);
    if (it == by_class.end()) continue;
    out << "<tr><td>" << ActivityName(a) << "</td>";
    count_cells(it->second);
  }
  out << "<tr><th>all</th>";
  count_cells(all);
  out << "</tbody></table>\n";
  if (ctx.have_baseline)
    out << "<table class=\"baseline\"><thead><tr><th class=\"num\">new</th><th class=\"num\">"
           "unchanged</th><th class=\"num\">updated</th><th class=\"num\">absent</th></tr>"
           "</thead><tbody><tr><td class=\"num\">"
        << by_state[BaselineState::kNew] << "</td><td class=\"num\">"
        << by_state[BaselineState::kUnchanged] << "</td><td class=\"num\">"
        << by_state[BaselineState::kUpdated] << "</td><td class=\"num\">" << ctx.absent.size()
        << "</td></tr></tbody></table>\n";
  std::vector<std::pair<std::string, Counts>> server_rows, source_rows;
  for (const auto& [name, findings] : by_server) {
    Counts c;
    for (const Finding* f : findings) c.Add(*f);
    server_rows.emplace_back(name, c);
  }
  for (const auto& [name, findings] : by_source) {
    Counts c;
    for (const Finding* f : findings) c.Add(*f);
    source_rows.emplace_back(name, c);
  }
  WriteChart(out, "What remains, by server", server_rows);
  // The sources with the most left; the full list is below.
  std::stable_sort(source_rows.begin(), source_rows.end(),
                   [](const auto& a, const auto& b) { return a.second.total > b.second.total; });
  constexpr size_t kTopSources = 12;
  if (source_rows.size() > kTopSources) source_rows.resize(kTopSources);
  if (!source_rows.empty()) WriteChart(out, "What remains, by repository or image", source_rows);
  out << "</section>\n";

  out << "<section id=\"by-server\"><h2>By server</h2>\n";
  WriteGroups(out, by_server, ctx, false);
  out << "</section>\n<section id=\"by-source\"><h2>By repository or image</h2>\n";
  if (by_source.empty()) out << "<p>No references.</p>\n";
  WriteGroups(out, by_source, ctx, true);
  out << "</section>\n";
  if (ctx.have_baseline && !ctx.absent.empty()) {
    out << "<section id=\"absent\"><h2>Gone since the baseline</h2>\n<ul>\n";
    for (const Finding& f : ctx.absent)
      out << "<li><code>" << Html(f.location.Render()) << ':' << f.span.line << "</code> "
          << Html(f.message) << "</li>\n";
    out << "</ul></section>\n";
  }
  out << "<section id=\"notices\"><h2>Notices</h2>\n";
  if (result.notices.empty()) {
    out << "<p>None: every input was read completely.</p>\n";
  } else {
    out << "<table><thead><tr><th>Level</th><th>Id</th><th>Where</th><th>Message</th></tr>"
           "</thead><tbody>\n";
    for (const Notice& n : result.notices) {
      out << "<tr><td>" << NoticeLevelName(n.level) << "</td><td><code>" << Html(n.id)
          << "</code></td><td class=\"where\"><code>" << Html(n.location.Render());
      if (n.line) out << ':' << n.line;
      out << "</code></td><td>" << Html(n.message) << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  out << "</section>\n<footer>ntpsweep " << NTPSWEEP_VERSION
      << ". A self-contained page: no script, nothing loaded from the network.</footer>\n"
      << "</body></html>\n";
}

}  // namespace ntpsweep::report
