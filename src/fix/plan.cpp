// Edits from findings: which findings may be rewritten, and how, from the rule's FixSpec and the
// text around the span. Every edit is computed on the file as the finding saw it; a context this
// code cannot read safely is skipped with a reason instead of guessed.
#include <algorithm>
#include <map>
#include <set>

#include "core/file.h"
#include "core/line_index.h"
#include "core/strings.h"
#include "fix/fix.h"

namespace ntpsweep::fix {
namespace {

using rules::FixEdit;

bool IsQuote(char c) {
  return c == '"' || c == '\'';
}
bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + items[i];
  return out;
}

// One line of the file: [begin, end) without its line break, which is `eol` ("\n", "\r\n" or
// "" on a last line without one).
struct Line {
  size_t begin = 0;
  size_t end = 0;
  std::string eol;
};

Line LineAt(std::string_view t, size_t offset) {
  Line l;
  size_t nl = offset == 0 ? std::string_view::npos : t.rfind('\n', offset - 1);
  l.begin = nl == std::string_view::npos ? 0 : nl + 1;
  size_t e = t.find('\n', offset);
  if (e == std::string_view::npos) {
    l.end = t.size();
  } else {
    l.end = e;
    l.eol = "\n";
    if (l.end > l.begin && t[l.end - 1] == '\r') {
      --l.end;
      l.eol = "\r\n";
    }
  }
  return l;
}

// The range that removes a whole line, its line break included (or the one before it at EOF).
std::pair<size_t, size_t> LineRemoval(std::string_view t, const Line& l) {
  if (!l.eol.empty()) return {l.begin, l.end + l.eol.size()};
  size_t b = l.begin;
  if (b > 0) --b;  // the '\n' that ends the previous line
  if (b > 0 && t[b - 1] == '\r') --b;
  return {b, l.end};
}

// Words of a text, split at blanks, commas, semicolons, quotes, brackets and '='.
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  constexpr std::string_view kSep = " \t\r\n,;'\"[](){}=<>";
  size_t i = 0;
  while (i < s.size()) {
    size_t b = s.find_first_not_of(kSep, i);
    if (b == std::string_view::npos) break;
    size_t e = s.find_first_of(kSep, b);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    i = e;
  }
  return out;
}

class Planner {
 public:
  Planner(std::vector<Finding>* findings, const rules::RuleSet& rules,
          const host::TargetSet& old_targets, const FixOptions& options)
      : findings_(*findings), rules_(rules), old_(old_targets), options_(options) {
    std::string error;
    for (size_t i = 0; i < options_.replacements.size(); ++i)
      if (new_.Add(options_.replacements[i], &error)) new_index_.push_back(i);
  }

  FixPlan Run() {
    std::map<std::string, std::vector<size_t>> by_file;
    for (size_t i = 0; i < findings_.size(); ++i) {
      std::string reason;
      bool rebuild = false, left_alone = false;
      if (!Eligible(findings_[i], &reason, &rebuild, &left_alone)) {
        plan_.skipped.push_back({i, reason, rebuild, left_alone});
        continue;
      }
      by_file[findings_[i].location.chain[0]].push_back(i);
    }
    for (auto& [path, indices] : by_file) PlanFile(path, indices);
    std::sort(plan_.skipped.begin(), plan_.skipped.end(),
              [](const Skipped& a, const Skipped& b) { return a.finding < b.finding; });
    return std::move(plan_);
  }

 private:
  // Whether a finding is one to rewrite; when not, `reason` says why (empty: not worth saying).
  bool Eligible(const Finding& f, std::string* reason, bool* rebuild, bool* left_alone) const {
    *left_alone = true;
    if (f.suppression) {
      *reason = "suppressed (" + f.suppression->source + ")";
      return false;
    }
    switch (f.activity) {
      case Activity::kShadowed:
        *reason = "in an image layer that an upper layer replaced";
        return false;
      case Activity::kCommented:
      case Activity::kBackupCopy:
      case Activity::kMention:
      case Activity::kReference:
        if (!options_.include_mentions) {
          *reason = std::string(ActivityName(f.activity)) +
                    ": left alone (--include-mentions rewrites it)";
          return false;
        }
        break;
      default:
        break;
    }
    *left_alone = false;
    if (f.location.chain.size() > 1) {
      *rebuild = true;
      *reason = "inside " + f.location.chain[0] + ": fix the file it is built from and rebuild it";
      for (const RelatedLocation& r : f.related)
        *reason +=
            "; " + r.message + " (" + r.location.Render() + ":" + std::to_string(r.span.line) + ")";
      return false;
    }
    const rules::Rule* rule = rules_.Find(f.rule_id);
    if (!rule || rule->fix.edit == FixEdit::kNone) {
      if (options_.include_mentions && f.activity != Activity::kActive &&
          f.activity != Activity::kTemplate)
        return true;  // a mention: the value is replaced
      *reason = "rule " + f.rule_id + " does not say how to rewrite it safely: edit by hand";
      return false;
    }
    return true;
  }

  FixEdit EditOf(const Finding& f) const {
    const rules::Rule* rule = rules_.Find(f.rule_id);
    return rule && rule->fix.edit != FixEdit::kNone ? rule->fix.edit : FixEdit::kValue;
  }

  // Which new servers a token names (the first word of a value like "HOST iburst").
  std::set<size_t> NewNamedBy(std::string_view token) const {
    std::set<size_t> out;
    if (token.empty()) return out;
    auto m = new_.MatchToken(token, host::Context::kHostValue);
    if (m && m->kind == host::MatchKind::kExact && m->target < new_index_.size())
      out.insert(new_index_[m->target]);
    return out;
  }

  std::set<size_t> NewNamedIn(std::string_view text) const {
    std::set<size_t> out;
    for (std::string_view w : Words(text))
      for (size_t n : NewNamedBy(w)) out.insert(n);
    return out;
  }

  // The new servers not yet named in the list `key` (nor in `present`); records them as named.
  std::vector<std::string> Missing(const std::string& key, const std::set<size_t>& present) {
    std::set<size_t>& inserted = inserted_[key];
    std::vector<std::string> out;
    for (size_t i = 0; i < options_.replacements.size(); ++i) {
      if (present.count(i) || inserted.count(i)) continue;
      inserted.insert(i);
      out.push_back(options_.replacements[i]);
    }
    return out;
  }

  void Skip(size_t i, std::string reason) {
    plan_.skipped.push_back({i, std::move(reason), false, false});
  }

  void PlanFile(const std::string& path, const std::vector<size_t>& indices) {
    FileChange change;
    change.path = path;
    if (!ReadWholeFile(path, &change.before)) {
      for (size_t i : indices) Skip(i, "the file cannot be read any more");
      return;
    }
    // Findings locate the text past a UTF-8 BOM (TextOf): so do the edits, until the diff.
    const size_t bom = Utf8BomLength(change.before);
    std::string_view t = std::string_view(change.before).substr(bom);
    std::vector<Edit> edits;
    std::set<std::pair<size_t, size_t>> spans;
    for (size_t i : indices) {
      const Finding& f = findings_[i];
      if (!spans.insert({f.span.offset, f.span.length}).second) continue;  // the same text again
      if (f.span.offset + f.span.length > t.size() ||
          t.substr(f.span.offset, f.span.length) != f.matched || f.matched.empty()) {
        Skip(i, "the file changed since the scan, or the server is inside an encoded value");
        continue;
      }
      if (!old_.MatchToken(f.matched, host::Context::kHostValue)) {
        Skip(i, "the server is written in an encoded or escaped form: edit by hand");
        continue;
      }
      size_t before = edits.size();
      switch (EditOf(f)) {
        case FixEdit::kLine:
          PlanLine(t, i, &edits);
          break;
        case FixEdit::kList:
          PlanList(t, i, &edits);
          break;
        default:
          PlanValue(t, i, &edits);
          break;
      }
      for (size_t e = before; e < edits.size(); ++e) edits[e].finding = i;
    }
    std::stable_sort(edits.begin(), edits.end(),
                     [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
    // Two edits of one place (a line duplicated and a word of it): keep the first; the next
    // run of fix does the other.
    std::set<size_t> dropped;
    size_t end = 0;
    for (const Edit& e : edits) {
      if ((!change.edits.empty() && e.offset < end) || dropped.count(e.finding)) {
        dropped.insert(e.finding);
        continue;
      }
      change.edits.push_back(e);
      end = e.offset + e.length;
    }
    if (!dropped.empty()) {
      std::erase_if(change.edits, [&](const Edit& e) { return dropped.count(e.finding) > 0; });
      for (size_t i : dropped)
        Skip(i, "overlaps another edit in the same place: run ntpsweep fix again");
    }
    if (change.edits.empty()) return;
    LineIndex index(t);
    change.after.assign(change.before, 0, bom);
    size_t at = 0;
    for (const Edit& e : change.edits) {
      change.after.append(t.substr(at, e.offset - at));
      change.after += e.text;
      at = e.offset + e.length;
      Finding& f = findings_[e.finding];
      if (f.fixes.empty()) f.fixes.push_back(Fix{Description(f), {}});
      Replacement r;
      r.deleted.offset = e.offset;
      r.deleted.length = e.length;
      r.deleted.line = index.LineOf(e.offset);
      r.deleted.column = index.ColumnOf(r.deleted.line, e.offset);
      r.deleted.end_line = index.LineOf(e.offset + e.length);
      r.deleted.end_column = index.ColumnOf(r.deleted.end_line, e.offset + e.length);
      r.inserted = e.text;
      f.fixes.back().replacements.push_back(std::move(r));
    }
    change.after.append(t.substr(at));
    for (Edit& e : change.edits) e.offset += bom;  // the diff reads the file's own bytes
    plan_.files.push_back(std::move(change));
  }

  std::string Description(const Finding& f) const {
    return "Replace the old time server " + f.matched + " with " +
           Join(options_.replacements, ", ");
  }

  // The bytes a new server replaces at a host position, and how it is written there: an IPv6
  // address in brackets before a port, "[v6]" brackets dropped for a name or an IPv4 address.
  std::pair<size_t, size_t> HostRange(std::string_view t, const Finding& f) const {
    size_t s = f.span.offset, e = s + f.span.length;
    if (s > 0 && e < t.size() && t[s - 1] == '[' && t[e] == ']') return {s - 1, e + 1};
    return {s, e};
  }
  std::string Spelled(std::string_view t, const Finding& f, const std::string& server) const {
    auto [b, e] = HostRange(t, f);
    bool v6 = host::ParseIpv6(server).has_value();
    bool bracketed = b != f.span.offset;
    bool port = e < t.size() && t[e] == ':';
    return (v6 && (bracketed || port)) ? "[" + server + "]" : server;
  }

  // A value that holds one server: the first new server replaces it.
  void PlanValue(std::string_view t, size_t i, std::vector<Edit>* edits) {
    const Finding& f = findings_[i];
    auto [b, e] = HostRange(t, f);
    edits->push_back({b, e - b, Spelled(t, f, options_.replacements[0]), i});
    if (options_.replacements.size() > 1)
      plan_.notes.push_back(
          {i, "holds one server: only " + options_.replacements[0] + " was put in"});
    (void)t;
  }

  // A directive line: one copy per new server with the host replaced, options kept; the line
  // goes when every new server is already a source of the same directives in the file.
  void PlanLine(std::string_view t, size_t i, std::vector<Edit>* edits) {
    const Finding& f = findings_[i];
    const rules::Rule& rule = *rules_.Find(f.rule_id);
    Line line = LineAt(t, f.span.offset);
    std::string_view text = t.substr(line.begin, line.end - line.begin);
    std::string_view head = Trim(text);
    std::string_view first = head.substr(0, head.find_first_of(" \t"));
    bool own_line = !f.directive.empty() && IEquals(first, f.directive);
    const std::vector<std::string>& sources =
        rule.fix.directives.empty() ? rule.directives : rule.fix.directives;
    auto is_source = [&](std::string_view d) {
      return std::any_of(sources.begin(), sources.end(),
                         [&](const std::string& s) { return IEquals(s, d); });
    };
    if (!f.directive.empty() && !is_source(f.directive)) {
      Skip(i, "`" + f.directive +
                  "` names the old server for another purpose than a time source "
                  "(rule " +
                  f.rule_id + " rewrites " + Join(sources, ", ") + "): edit by hand");
      return;
    }
    if (!own_line) {
      // The directive sits inside another line (an echo, a JSON string): one value only.
      if (options_.replacements.size() > 1) {
        Skip(i,
             "the directive is inside another line (a command or a string): several servers "
             "need several lines: edit by hand or give one new server");
        return;
      }
      PlanValue(t, i, edits);
      return;
    }
    // Sources the file already has: lines of the same directives naming a new server.
    std::set<size_t> present;
    for (size_t b = 0; b < t.size();) {
      Line l = LineAt(t, b);
      std::vector<std::string_view> words = Words(t.substr(l.begin, l.end - l.begin));
      if (words.size() >= 2 && l.begin != line.begin) {
        bool directive = is_source(words[0]);
        size_t w = 1;
        while (w < words.size() && std::find(rule.skip_flags.begin(), rule.skip_flags.end(),
                                             words[w]) != rule.skip_flags.end())
          ++w;
        if (directive && w < words.size())
          for (size_t n : NewNamedBy(words[w])) present.insert(n);
      }
      b = l.end + (l.eol.empty() ? 1 : l.eol.size());
    }
    // One place per file and rule, whatever the directive: the first old line (server, pool or
    // peer) becomes the new servers, the later ones go, so no file gets `server NEW` and
    // `pool NEW` both.
    std::vector<std::string> missing = Missing(f.location.chain[0] + "\n" + f.rule_id, present);
    if (missing.empty()) {
      auto [b, e] = LineRemoval(t, line);
      edits->push_back({b, e - b, "", i});
      return;
    }
    std::vector<std::string> copies;
    auto [hb, he] = HostRange(t, f);
    for (const std::string& n : missing)
      copies.push_back(std::string(t.substr(line.begin, hb - line.begin)) + Spelled(t, f, n) +
                       std::string(t.substr(he, line.end - he)));
    edits->push_back(
        {line.begin, line.end - line.begin, Join(copies, line.eol.empty() ? "\n" : line.eol), i});
  }

  // One element of a list: one element per new server, in the list's own quoting and separator.
  void PlanList(std::string_view t, size_t i, std::vector<Edit>* edits) {
    const Finding& f = findings_[i];
    const rules::Rule& rule = *rules_.Find(f.rule_id);
    const size_t s = f.span.offset, e = s + f.span.length;
    Line line = LineAt(t, s);
    // The element's quotes: "HOST" exactly, or "HOST options" (a value with options).
    char quote = s > line.begin && IsQuote(t[s - 1]) ? t[s - 1] : 0;
    size_t close = quote ? t.find(quote, e) : std::string_view::npos;
    if (close != std::string_view::npos && close >= line.end) close = std::string_view::npos;
    // A quote that opens a list ("HOST,other", "HOST other") is the value's, not the element's.
    if (quote && close != e && e < line.end &&
        (t[e] == ',' || (IsBlank(t[e]) && !rule.fix.separator.empty())))
      close = std::string_view::npos;
    if (close == std::string_view::npos) quote = 0;
    const size_t el_begin = quote ? s - 1 : s;
    const size_t el_end = quote ? close + 1 : e;
    const bool with_options = quote && close != e;

    std::string_view prefix = t.substr(line.begin, el_begin - line.begin);
    std::string_view suffix = t.substr(el_end, line.end - el_end);
    std::string_view prefix_rest = Trim(prefix, " \t");
    std::string_view suffix_rest = Trim(suffix, " \t");
    bool item_prefix = prefix_rest.empty() || prefix_rest == "-";
    bool item_suffix = suffix_rest.empty() || suffix_rest == "," || suffix_rest.starts_with("#") ||
                       suffix_rest.starts_with("//") || suffix_rest.starts_with(", #") ||
                       suffix_rest.starts_with(",#");
    bool unquoted_item_rest = quote || e == el_end;
    // `scope: file`: the file is one list (a host-list file), whatever its lines look like.
    std::string file_key;
    std::set<size_t> file_present;
    if (rule.fix.whole_file) {
      file_key = f.location.chain[0] + "\n" + f.rule_id;
      for (size_t b = 0; b < t.size();) {
        Line other = LineAt(t, b);
        std::string_view text = Trim(t.substr(other.begin, other.end - other.begin));
        if (!text.starts_with("#") && other.begin != line.begin)
          for (size_t n : NewNamedIn(text)) file_present.insert(n);
        b = other.end + (other.eol.empty() ? 1 : other.eol.size());
      }
    }
    if (item_prefix && item_suffix && unquoted_item_rest) {
      PlanLineItem(t, i, line, el_end, prefix, suffix_rest.starts_with(","), file_key, file_present,
                   edits);
      return;
    }
    if (with_options) {
      if (options_.replacements.size() > 1) {
        Skip(i,
             "the value holds options after the server: several servers need several "
             "elements: edit by hand or give one new server");
        return;
      }
      PlanValue(t, i, edits);
      return;
    }
    // Neighbours on the line.
    size_t l = el_begin;
    while (l > line.begin && IsBlank(t[l - 1])) --l;
    size_t r = el_end;
    while (r < line.end && IsBlank(t[r])) ++r;
    char left = l > line.begin ? t[l - 1] : 0;
    char right = r < line.end ? t[r] : 0;
    bool blank_before = l != el_begin, blank_after = r != el_end;
    auto word_char = [](char c) { return c && c != '=' && c != ':' && !IsQuote(c) && c != '#'; };
    std::string sep;
    enum class Shape { kComma, kWords, kSingle } shape;
    if (right == ',' && quote && (left == ':' || left == '=')) {
      // `"key": "HOST",`: the comma ends a member of a mapping, not an element of a list.
      sep = rule.fix.separator;
      shape = Shape::kSingle;
    } else if (right == ',') {
      size_t after = r + 1;
      while (after < line.end && IsBlank(t[after])) ++after;
      sep = std::string(t.substr(el_end, after - el_end));
      shape = Shape::kComma;
    } else if (left == ',') {
      sep = std::string(t.substr(l - 1, el_begin - (l - 1)));
      size_t before = l - 1;
      while (before > line.begin && IsBlank(t[before - 1])) --before;
      sep = std::string(t.substr(before, el_begin - before));
      shape = Shape::kComma;
    } else if ((left == '[' && right == ']') || (left == '(' && right == ')')) {
      sep = ", ";
      shape = Shape::kSingle;
    } else if (!rule.fix.separator.empty() && ((blank_before && word_char(left)) ||
                                               (blank_after && word_char(right) && right != ';'))) {
      sep = " ";
      shape = Shape::kWords;
    } else {
      sep = rule.fix.separator;
      shape = Shape::kSingle;
    }
    if (shape == Shape::kComma && (e != el_end && !quote)) shape = Shape::kSingle;
    // Elements must end where the list's separators are; `host:port` or a URL is one value.
    bool bounded = (quote || e == line.end ||
                    std::string_view(" \t,;]})\"'").find(t[e]) != std::string_view::npos) &&
                   (quote || s == line.begin ||
                    std::string_view(" \t,;[({=:\"'").find(t[s - 1]) != std::string_view::npos);
    std::set<size_t> present;
    std::string_view rest_of_line = t.substr(line.begin, line.end - line.begin);
    std::string_view own = t.substr(s, e - s);
    for (std::string_view w : Words(rest_of_line))
      if (w.data() != t.data() + s || w != own)
        for (size_t n : NewNamedBy(w)) present.insert(n);
    present.insert(file_present.begin(), file_present.end());
    std::string key =
        file_key.empty() ? f.location.chain[0] + "\n" + std::to_string(line.begin) : file_key;
    std::vector<std::string> missing = Missing(key, present);
    if (missing.empty() && shape != Shape::kSingle) {
      // The list already names every new server: the element goes, with one separator.
      if (right == ',') {
        size_t after = r + 1;
        while (after < line.end && IsBlank(t[after])) ++after;
        edits->push_back({el_begin, after - el_begin, "", i});
      } else if (left == ',') {
        size_t before = l - 1;
        while (before > line.begin && IsBlank(t[before - 1])) --before;
        edits->push_back({before, el_end - before, "", i});
      } else if (blank_after && right) {
        edits->push_back({el_begin, r - el_begin, "", i});
      } else {
        edits->push_back({l, el_end - l, "", i});
      }
      return;
    }
    if (missing.empty()) missing.push_back(options_.replacements[0]);  // never an empty value
    if (missing.size() > 1 && (sep.empty() || !bounded)) {
      Skip(i, std::string(sep.empty() ? "a single value (not a list)"
                                      : "the server is part of a longer value") +
                  ": several new servers do not fit: edit by hand or give one new server");
      for (const std::string& n : missing)  // not put in after all
        for (size_t k = 0; k < options_.replacements.size(); ++k)
          if (options_.replacements[k] == n) inserted_[key].erase(k);
      return;
    }
    // Quotes around a value that is not inside brackets are the value's ("HOST" -> "A B").
    bool element_quotes = quote && (shape != Shape::kSingle || left == '[' || left == '(');
    std::string q(element_quotes ? 1 : 0, quote);
    edits->push_back({s, e - s, Join(missing, q + sep + q), i});
  }

  // An element alone on its line ("- HOST", "HOST,", "'HOST iburst'"): one line per server.
  void PlanLineItem(std::string_view t, size_t i, const Line& line, size_t el_end,
                    std::string_view prefix, bool has_comma, const std::string& file_key,
                    const std::set<size_t>& file_present, std::vector<Edit>* edits) {
    const Finding& f = findings_[i];
    // Siblings: the lines above and below with the same prefix shape.
    auto shape_of = [&](const Line& l) {
      std::string_view text = t.substr(l.begin, l.end - l.begin);
      size_t ind = text.find_first_not_of(" \t");
      if (ind == std::string_view::npos) return std::string("\n");
      bool dash = text.substr(ind).starts_with("- ") || text.substr(ind) == "-";
      return std::string(text.substr(0, ind)) + (dash ? "-" : "");
    };
    std::string my_shape = shape_of(line);
    std::vector<Line> siblings;
    Line first = line;
    for (size_t b = line.begin; b > 0;) {
      Line up = LineAt(t, b - 1);
      if (shape_of(up) != my_shape) break;
      siblings.push_back(up);
      first = up;
      b = up.begin;
    }
    Line previous_sibling = siblings.empty() ? Line{} : siblings.front();
    bool have_previous = !siblings.empty();
    for (size_t b = line.end + line.eol.size(); !line.eol.empty() && b < t.size();) {
      Line down = LineAt(t, b);
      if (shape_of(down) != my_shape) break;
      siblings.push_back(down);
      if (down.eol.empty()) break;
      b = down.end + down.eol.size();
    }
    std::set<size_t> present;
    for (const Line& sib : siblings) {
      std::vector<std::string_view> words = Words(t.substr(sib.begin, sib.end - sib.begin));
      size_t w = !words.empty() && words[0] == "-" ? 1 : 0;
      if (w < words.size())
        for (size_t n : NewNamedBy(words[w])) present.insert(n);
    }
    // A comma-separated list (JSON, HCL, a template's list) whose last element has no comma.
    std::string_view above = Trim(t.substr(0, line.begin));
    bool comma_list =
        has_comma || above.ends_with(',') || above.ends_with('[') || above.ends_with('(');
    present.insert(file_present.begin(), file_present.end());
    std::vector<std::string> missing = Missing(
        file_key.empty() ? f.location.chain[0] + "\n" + std::to_string(first.begin) : file_key,
        present);
    if (missing.empty()) {
      auto [b, e] = LineRemoval(t, line);
      edits->push_back({b, e - b, "", i});
      if (comma_list && !has_comma && have_previous) {
        std::string_view prev =
            t.substr(previous_sibling.begin, previous_sibling.end - previous_sibling.begin);
        size_t comma = prev.find_last_not_of(" \t");
        if (comma != std::string_view::npos && prev[comma] == ',')
          edits->push_back({previous_sibling.begin + comma, 1, "", i});
      }
      return;
    }
    std::vector<std::string> copies;
    for (size_t k = 0; k < missing.size(); ++k) {
      std::string copy = std::string(prefix) +
                         std::string(t.substr(prefix.size() + line.begin,
                                              f.span.offset - line.begin - prefix.size())) +
                         missing[k] +
                         std::string(t.substr(f.span.offset + f.span.length,
                                              el_end - f.span.offset - f.span.length));
      if (comma_list && !has_comma && k + 1 < missing.size()) copy += ",";
      copy += std::string(t.substr(el_end, line.end - el_end));
      copies.push_back(std::move(copy));
    }
    edits->push_back(
        {line.begin, line.end - line.begin, Join(copies, line.eol.empty() ? "\n" : line.eol), i});
  }

  std::vector<Finding>& findings_;
  const rules::RuleSet& rules_;
  const host::TargetSet& old_;
  const FixOptions& options_;
  host::TargetSet new_;
  std::vector<size_t> new_index_;  // new_ target -> index into options_.replacements
  std::map<std::string, std::set<size_t>> inserted_;  // list -> new servers put in by this run
  FixPlan plan_;
};

}  // namespace

FixPlan PlanFixes(std::vector<Finding>* findings, const rules::RuleSet& rules,
                  const host::TargetSet& old_targets, const FixOptions& options) {
  if (options.replacements.empty()) return {};
  return Planner(findings, rules, old_targets, options).Run();
}

}  // namespace ntpsweep::fix
