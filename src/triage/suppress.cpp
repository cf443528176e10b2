#include "triage/suppress.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "core/file.h"
#include "core/glob.h"
#include "core/strings.h"

namespace ntpsweep::triage {
namespace {

// Comment introducers of the syntaxes ntpsweep reads and most others: shell/YAML/INI/HCL (#, ;),
// C-like (//, /*), XML/HTML (<!--), SQL/Lua/Haskell (--), TeX/Erlang (%), chrony (!), Jinja ({#),
// VB/ini (').
constexpr std::string_view kIntroducers[] = {"<!--", "{#", "//", "/*", "--", "#", ";", "%", "!", "'"};

bool IsRuleChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Blanks only: an entry is one line, and a form feed in a reason is the user's.
std::string TrimBlanks(std::string_view s) { return std::string(Trim(s, " \t\r")); }

// The reason text without a block comment's closer.
std::string CleanReason(std::string_view s) {
  std::string r = TrimBlanks(s);
  for (bool again = true; again;) {
    again = false;
    for (std::string_view closer : {"-->", "*/", "#}", "%}", "}}"}) {
      if (r.size() >= closer.size() && r.compare(r.size() - closer.size(), closer.size(), closer) == 0) {
        r = TrimBlanks(std::string_view(r).substr(0, r.size() - closer.size()));
        again = true;
      }
    }
  }
  return r;
}

// Parses what follows the marker: rule ids, then `--` and the reason.
void ParseMarkerTail(std::string_view tail, InlineMarker* m) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < tail.size() && (tail[i] == ' ' || tail[i] == '\t' || tail[i] == ',')) ++i;
  };
  for (;;) {
    skip_space();
    if (i >= tail.size()) return;
    if (tail.substr(i).starts_with("--") &&
        (i + 2 == tail.size() || tail[i + 2] == ' ' || tail[i + 2] == '\t')) {
      m->reason = CleanReason(tail.substr(i + 2));
      return;
    }
    size_t b = i;
    while (i < tail.size() && IsRuleChar(tail[i])) ++i;
    if (i == b || (i < tail.size() && tail[i] != ' ' && tail[i] != '\t' && tail[i] != ',')) {
      return;  // not a rule id (a comment closer, prose): the rest is not ours
    }
    m->rules.emplace_back(tail.substr(b, i - b));
  }
}

bool Covers(const InlineMarker& m, const Finding& f) {
  if (f.span.line != m.line && !(m.whole_line && f.span.line == m.line + 1)) return false;
  return m.rules.empty() || std::find(m.rules.begin(), m.rules.end(), f.rule_id) != m.rules.end();
}

bool MatchesEntry(const IgnoreEntry& e, const Finding& f, const std::string& root) {
  if (!e.rule.empty() && e.rule != f.rule_id) return false;
  if (!e.fingerprint.empty()) return e.fingerprint == f.fingerprint;
  const std::string rendered = f.location.Render();
  if (GlobMatch(e.path_glob, rendered)) return true;
  if (f.location.chain.empty()) return false;
  if (GlobMatch(e.path_glob, f.location.chain.front())) return true;
  std::string relative = RootRelative(f.location.chain.front(), root);
  return !relative.empty() && GlobMatch(e.path_glob, relative);
}

Location Where(const IgnoreEntry& e) {
  Location l;
  if (!e.file.empty()) l.chain.push_back(e.file);
  return l;
}

}  // namespace

std::vector<InlineMarker> FindInlineMarkers(std::string_view text) {
  std::vector<InlineMarker> out;
  size_t pos = 0;
  uint32_t line = 1;
  size_t counted_to = 0;  // line numbers are counted incrementally up to here
  while ((pos = text.find(kInlineMarker, pos)) != std::string_view::npos) {
    for (; counted_to < pos; ++counted_to)
      if (text[counted_to] == '\n') ++line;
    size_t bol = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    bol = (bol == std::string_view::npos || pos == 0) ? 0 : bol + 1;
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view before = text.substr(bol, pos - bol);
    size_t after = pos + kInlineMarker.size();
    pos = after;
    // `ntpsweep:ignored`, `ntpsweep:ignore-all` are other words; a closer may follow directly.
    if (after < eol) {
      std::string_view next = text.substr(after, eol - after);
      char c = next[0];
      bool boundary = c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '*' || c == '#' ||
                      c == '%' || c == '}' || next.starts_with("--");
      if (!boundary) continue;
    }
    // The earliest comment introducer before the marker starts the comment.
    size_t comment = std::string_view::npos;
    for (std::string_view intro : kIntroducers) {
      size_t at = before.find(intro);
      if (at != std::string_view::npos && at < comment) comment = at;
    }
    if (comment == std::string_view::npos) continue;
    InlineMarker m;
    m.line = line;
    m.column = static_cast<uint32_t>(pos - kInlineMarker.size() - bol + 1);
    m.whole_line = TrimBlanks(before.substr(0, comment)).empty();
    ParseMarkerTail(text.substr(after, eol - after), &m);
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

// Every file scanned is searched for the marker: glibc's memmem, not string_view::find's
// memchr stop at every 'n' (half the time on perl modules and configs).
bool HasInlineMarker(std::string_view text) {
  return memmem(text.data(), text.size(), kInlineMarker.data(), kInlineMarker.size()) != nullptr;
}

}  // namespace

std::vector<InlineMarker> ApplyInlineSuppressions(std::string_view text,
                                                  std::vector<Finding>* findings) {
  if (!HasInlineMarker(text)) return {};
  std::vector<InlineMarker> unused;
  for (InlineMarker& m : FindInlineMarkers(text)) {
    bool used = false;
    for (Finding& f : *findings) {
      if (!Covers(m, f)) continue;
      used = true;
      if (f.suppression) continue;
      f.suppression = Suppression{Suppression::Kind::kInSource, m.reason,
                                  f.location.Render() + ":" + std::to_string(m.line)};
    }
    if (!used) unused.push_back(std::move(m));
  }
  return unused;
}

bool IsFingerprint(std::string_view s) {
  if (s.size() < 18 || s[16] != ':') return false;
  for (size_t i = 0; i < 16; ++i)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  for (size_t i = 17; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool IsValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  int y = std::atoi(std::string(s.substr(0, 4)).c_str());
  int mo = std::atoi(std::string(s.substr(5, 2)).c_str());
  int d = std::atoi(std::string(s.substr(8, 2)).c_str());
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(mo == 2 && d == 29 && !leap);
}

std::string Today() {
  const char* pinned = std::getenv("NTPSWEEP_TODAY");
  if (pinned && *pinned) {
    if (!IsValidDate(pinned))
      throw SuppressionError(std::string("NTPSWEEP_TODAY='") + pinned +
                             "' is not a date (YYYY-MM-DD)");
    return pinned;
  }
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::vector<IgnoreEntry> ParseIgnoreFile(std::string_view text, const std::string& name) {
  std::vector<IgnoreEntry> out;
  size_t pos = 0;
  for (uint32_t line_no = 1; pos <= text.size(); ++line_no) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    auto fail = [&](size_t at, const std::string& what) {
      throw SuppressionError(name + ":" + std::to_string(line_no) + ":" + std::to_string(at + 1) +
                             ": " + what);
    };
    std::string trimmed = TrimBlanks(line);
    if (trimmed.empty() || trimmed[0] == '#') {
      if (eol == text.size()) break;
      continue;
    }
    IgnoreEntry e;
    e.file = name;
    e.line = line_no;
    e.source = name + ":" + std::to_string(line_no);
    size_t sep = line.find(" -- ");
    size_t tab_sep = line.find("\t-- ");
    if (tab_sep < sep) sep = tab_sep;
    if (sep == std::string_view::npos) {
      fail(line.size(), "an entry needs a reason: PATTERN [rule=ID] [expires=YYYY-MM-DD] -- REASON");
    }
    e.reason = TrimBlanks(line.substr(sep + 4));
    if (e.reason.empty()) fail(sep + 4, "the reason after ' -- ' is empty");
    // Fields before the reason, separated by white space.
    std::string_view head = line.substr(0, sep);
    size_t i = 0;
    bool have_pattern = false;
    while (i < head.size()) {
      while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
      if (i >= head.size()) break;
      size_t b = i;
      while (i < head.size() && head[i] != ' ' && head[i] != '\t') ++i;
      std::string_view tok = head.substr(b, i - b);
      if (!have_pattern) {
        if (IsFingerprint(tok)) e.fingerprint = std::string(tok);
        else e.path_glob = std::string(tok);
        have_pattern = true;
      } else if (tok.starts_with("rule=")) {
        e.rule = std::string(tok.substr(5));
        if (e.rule.empty()) fail(b + 5, "rule= needs a rule id");
      } else if (tok.starts_with("expires=")) {
        e.expires = std::string(tok.substr(8));
        if (!IsValidDate(e.expires))
          fail(b + 8, "expires='" + e.expires + "' is not a date (YYYY-MM-DD)");
      } else {
        fail(b, "unexpected '" + std::string(tok) +
                    "' (expected rule=ID or expires=YYYY-MM-DD before ' -- REASON')");
      }
    }
    if (!have_pattern) fail(0, "an entry needs a fingerprint or a path glob before ' -- '");
    out.push_back(std::move(e));
    if (eol == text.size()) break;
  }
  return out;
}

std::vector<IgnoreEntry> LoadIgnoreFile(const std::string& path) {
  std::string text;
  if (!ReadWholeFile(path, &text)) throw SuppressionError(path + ": cannot be read");
  return ParseIgnoreFile(text, path);
}

void ApplyIgnoreEntries(const std::vector<IgnoreEntry>& entries, const std::string& today,
                        bool report_unused, std::vector<Finding>* findings,
                        std::vector<Notice>* notices, const std::string& root) {
  for (const IgnoreEntry& e : entries) {
    const std::string what = e.fingerprint.empty() ? e.path_glob : e.fingerprint;
    // ISO dates compare as strings; the entry stops suppressing on its expiry day.
    if (!e.expires.empty() && e.expires <= today) {
      notices->push_back(Notice{Notice::Level::kWarning, "expired-suppression", Where(e), e.line, 0,
                                e.source + ": the ignore entry '" + what + "' expired on " +
                                    e.expires + " and no longer suppresses (" + e.reason + ")"});
      continue;
    }
    bool used = false;
    for (Finding& f : *findings) {
      if (!MatchesEntry(e, f, root)) continue;
      used = true;
      if (f.suppression) continue;  // an inline marker said it first
      f.suppression = Suppression{Suppression::Kind::kExternal, e.reason, e.source};
    }
    if (!used && report_unused)
      notices->push_back(Notice{Notice::Level::kWarning, "unused-suppression", Where(e), e.line, 0,
                                e.source + ": the ignore entry '" + what + "' matched no finding"});
  }
}

}  // namespace ntpsweep::triage
