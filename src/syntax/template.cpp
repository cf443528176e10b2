#include "syntax/template.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/glob.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

// Stands in for every byte of a template expression while a reader runs: not white space, not a
// quote or an indicator of any syntax we read, so an expression stays one opaque token.
constexpr char kPlaceholder = '\x1a';

// ".in": autoconf and CMake configure_file inputs (@VAR@).
constexpr std::string_view kTemplateExtensions[] = {
    ".pkrtpl.hcl", ".pkrtpl", ".j2",  ".jinja2",   ".jinja",    ".erb", ".epp",
    ".tmpl",       ".tftpl",  ".tpl", ".template", ".mustache", ".in"};

// Readers that take template logic as blank space but need shell expansions as they are
// written: the shell reads $VAR itself, Nix its own ${...} (and ''${ escapes).
bool KeepsShellExpansions(std::string_view syntax) {
  return syntax == "shell" || syntax == "powershell" || syntax == "dockerfile" || syntax == "nix";
}

// Structured formats: $NAME there is text, not an expansion (${...} still is, in strings).
bool IgnoresShellExpansions(std::string_view syntax) {
  return syntax == "yaml" || syntax == "json" || syntax == "hcl" || syntax == "xml" ||
         syntax == "toml" || syntax == "nix" || syntax == "ini" || syntax == "properties";
}

// Finds the closers of template tags met left to right (ascending `from`) in linear time
// overall. Unclosed openers (100,000 "${" in a broken or hostile file) would otherwise each scan
// to the end of the text.
class Closers {
  static constexpr size_t npos = std::string_view::npos;
  struct Found {
    bool valid = false;
    size_t from = 0, end = npos;
  };
  struct Unclosed {
    bool known = false;
    size_t start = 0;
    std::vector<std::pair<size_t, size_t>> starts;  // (position, headroom), ascending
  };

 public:
  explicit Closers(std::string_view text) : t_(text), budget_(4 * text.size() + 65536) {}

  // Index just past the first `close` ("}}", "%}", "#}", "%>") at or after `from`, or npos.
  size_t Find(std::string_view close, size_t from) {
    Found& f = found_[close == "}}" ? 0 : close == "%}" ? 1 : close == "#}" ? 2 : 3];
    // The last answer holds for any later `from` up to where that closer starts.
    if (f.valid && from >= f.from && (f.end == npos || from + close.size() <= f.end)) return f.end;
    size_t e = t_.find(close, from);
    f = {true, from, e == npos ? npos : e + close.size()};
    return f.end;
  }

  // Index just past the brace that closes the one opened right before `from` (nesting, and
  // "strings" that end at their quote or the line's end), or npos.
  size_t Brace(size_t from, char open, char close) {
    Unclosed& u = unclosed_[open == '{' ? 0 : 1];
    if (!u.known || from < u.start) {
      size_t end = Scan(from, open, close, npos);
      if (end == npos && !u.known) Record(from, open, close, &u);
      return end;
    }
    // After an unclosed opener, a scan in the same state as that opener's scan at the same
    // place runs in step with it, shallower: it closes iff that scan later comes down below
    // its depth there (the headroom), known without scanning on.
    if (const size_t* room = Headroom(u, from))
      return *room >= 1 ? Scan(from, open, close, npos) : npos;
    // Out of step (an opener inside a string of the unclosed expression): the scans meet at the
    // next line start outside a string. A bounded budget of such steps keeps a hostile line of
    // them linear; past it an opener is not taken for a tag (read as text: no reference lost).
    size_t depth = 1;
    State s = kCode;
    for (size_t i = from; i < t_.size() && budget_ > 0; ++i, --budget_) {
      char c = t_[i];
      if (s == kCode && i > from && t_[i - 1] == '\n')
        if (const size_t* room = Headroom(u, i))
          return *room >= depth ? Scan(from, open, close, npos) : npos;
      if (s == kCode && c == open) ++depth;
      if (s == kCode && c == close && --depth == 0) return i + 1;
      s = Step(s, c);
    }
    return npos;
  }

 private:
  const size_t* Headroom(const Unclosed& u, size_t pos) const {
    auto it = std::lower_bound(u.starts.begin(), u.starts.end(), std::make_pair(pos, size_t{0}));
    return it != u.starts.end() && it->first == pos ? &it->second : nullptr;
  }

  // States of the brace scan: outside strings, in a string, right after a backslash in one.
  enum State : unsigned char { kCode, kString, kEscape };

  static State Step(State s, char c) {
    switch (s) {
      case kCode:
        return c == '"' ? kString : kCode;
      case kString:
        return c == '"' || c == '\n' ? kCode : c == '\\' ? kEscape : kString;
      case kEscape:
        return kString;
    }
    return kCode;
  }

  size_t Scan(size_t from, char open, char close, size_t limit) const {
    size_t depth = 1;
    State s = kCode;
    size_t stop = limit == npos ? t_.size() : std::min(t_.size(), from + limit);
    for (size_t i = from; i < stop; ++i) {
      char c = t_[i];
      if (s == kCode && c == open) ++depth;
      if (s == kCode && c == close && --depth == 0) return i + 1;
      s = Step(s, c);
    }
    return npos;
  }

  // The scan of an unclosed opener from `from`: at every later place where another opener's
  // scan would start in the same state, how far below its depth there the scan still goes.
  void Record(size_t from, char open, char close, Unclosed* u) {
    struct Mark {
      size_t pos;
      long depth, lowest_after;  // depth before pos; lowest depth from pos to the next mark
    };
    std::vector<Mark> marks;
    long depth = 1;
    State s = kCode;
    for (size_t i = from; i < t_.size(); ++i) {
      char c = t_[i];
      if (s == kCode && i > from &&
          (t_[i - 1] == '\n' || (t_[i - 1] == open && (t_[i - 2] == '$' || t_[i - 2] == '%'))))
        marks.push_back({i, depth, depth});
      if (s == kCode) depth += c == open ? 1 : c == close ? -1 : 0;
      if (!marks.empty()) marks.back().lowest_after = std::min(marks.back().lowest_after, depth);
      s = Step(s, c);
    }
    u->known = true;
    u->start = from;
    u->starts.resize(marks.size());
    long lowest = depth;
    for (size_t k = marks.size(); k-- > 0;) {
      lowest = std::min(lowest, marks[k].lowest_after);
      u->starts[k] = {marks[k].pos, static_cast<size_t>(std::max(0L, marks[k].depth - lowest))};
    }
  }

  std::string_view t_;
  Found found_[4];
  Unclosed unclosed_[2];  // '{' and '('
  size_t budget_;         // steps left for scans out of step with an unclosed one
};

bool IsIdentStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

bool StartsWithTemplateExtension(std::string_view path, std::string_view* stem) {
  for (std::string_view ext : kTemplateExtensions) {
    // A suffix after a name, not a whole name (".in", "dir/.j2").
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext &&
        path[path.size() - ext.size() - 1] != '/') {
      *stem = path.substr(0, path.size() - ext.size());
      return true;
    }
  }
  return false;
}

// The contents of a tag without its delimiters and trim markers.
std::string_view TagBody(std::string_view tag) {
  static constexpr std::string_view kOpen[] = {"{{-", "{%-", "{#-", "<%=", "<%-", "<%#", "{{",
                                               "{%", "{#", "<%", "${", "%{", "$(", "$"};
  static constexpr std::string_view kClose[] = {"-}}", "-%}", "-#}", "-%>", "~}", "}}", "%}",
                                                "#}", "%>", "}", ")"};
  for (std::string_view o : kOpen)
    if (tag.starts_with(o)) {
      tag.remove_prefix(o.size());
      break;
    }
  for (std::string_view c : kClose)
    if (tag.ends_with(c)) {
      tag.remove_suffix(c.size());
      break;
    }
  if (tag.starts_with('~')) tag.remove_prefix(1);
  return Trim(tag);
}

// A Go template action that renders nothing ({{ if .X }}, {{- end }}, {{ range ... }},
// {{/* comment */}}): logic, like Jinja's {% %}, so text after it on its line is still read.
bool IsGoAction(std::string_view tag) {
  std::string_view body = TagBody(tag);
  if (body.starts_with("/*")) return true;
  static constexpr std::string_view kActions[] = {"if",     "else",  "end",   "range",   "with",
                                                  "define", "block", "break", "continue"};
  for (std::string_view a : kActions)
    if (body.starts_with(a) && (body.size() == a.size() || body[a.size()] == ' ' ||
                                body[a.size()] == '\t' || body[a.size()] == '\n'))
      return true;
  return false;
}

// Loop and assignment headers: "for server in ntp_servers", "$ntp::servers.each |$server|",
// "cfg[:servers].each do |server|", "range $i, $s := .Servers", "set servers = ...".
struct Binding {
  size_t offset = 0;
  std::string name;
  std::vector<std::string> names;  // what it stands for
};

void ParseBinding(std::string_view body, size_t offset, std::vector<Binding>* out) {
  auto words_of = [](std::string_view vars) {
    std::vector<std::string> vs;
    size_t i = 0;
    while (i < vars.size()) {
      while (i < vars.size() && !IsIdentStart(vars[i])) ++i;
      size_t s = i;
      while (i < vars.size() && IsIdentChar(vars[i])) ++i;
      if (i > s) vs.emplace_back(vars.substr(s, i - s));
    }
    return vs;
  };
  auto add = [&](std::string_view vars, std::string_view expr) {
    std::vector<std::string> names = ExpressionNames(expr);
    for (std::string& v : words_of(vars)) out->push_back(Binding{offset, v, names});
  };
  if (body.starts_with("for ")) {  // Jinja, Terraform
    size_t in = body.find(" in ");
    if (in != std::string_view::npos) add(body.substr(4, in - 4), body.substr(in + 4));
    return;
  }
  if (body.starts_with("set ")) {  // Jinja
    size_t eq = body.find('=');
    if (eq != std::string_view::npos) add(body.substr(4, eq - 4), body.substr(eq + 1));
    return;
  }
  if (body.starts_with("range ")) {  // Go
    std::string_view rest = body.substr(6);
    size_t assign = rest.find(":=");
    if (assign != std::string_view::npos) add(rest.substr(0, assign), rest.substr(assign + 2));
    return;
  }
  size_t each = body.find(".each");  // Ruby (ERB), Puppet (EPP)
  if (each == std::string_view::npos) each = body.find(".map");
  if (each != std::string_view::npos) {
    size_t bar = body.find('|', each);
    size_t bar2 = bar == std::string_view::npos ? bar : body.find('|', bar + 1);
    if (bar2 != std::string_view::npos) add(body.substr(bar + 1, bar2 - bar - 1), body.substr(0, each));
  }
}

std::vector<std::string> Resolve(const std::vector<std::string>& names, size_t offset,
                                 const std::vector<Binding>& bindings, int depth) {
  std::vector<std::string> out;
  for (const std::string& n : names) {
    out.push_back(n);
    if (depth > 6) continue;
    for (auto it = bindings.rbegin(); it != bindings.rend(); ++it) {
      if (it->offset >= offset || it->name != n) continue;
      for (std::string& r : Resolve(it->names, it->offset, bindings, depth + 1))
        out.push_back(std::move(r));
      break;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Overlaps(size_t a, size_t alen, const TemplateSpan& s) {
  return a < s.end && s.begin < a + std::max<size_t>(alen, 1);
}

// The spans (sorted, disjoint) that overlap [a, a + alen): found by bisection, so that reading
// every fact of a file with many tags stays linear.
std::vector<const TemplateSpan*> Overlapping(const std::vector<TemplateSpan>& spans, size_t a,
                                             size_t alen) {
  std::vector<const TemplateSpan*> out;
  auto it = std::upper_bound(spans.begin(), spans.end(), a,
                             [](size_t x, const TemplateSpan& s) { return x < s.end; });
  for (; it != spans.end() && Overlaps(a, alen, *it); ++it) out.push_back(&*it);
  return out;
}

// A word written in quotes inside an expression ('pool' in "{{ 'pool' if p else 'server' }}").
std::string_view FirstQuotedWord(std::string_view expr) {
  for (size_t i = 0; i < expr.size(); ++i) {
    if (expr[i] != '\'' && expr[i] != '"') continue;
    size_t e = expr.find(expr[i], i + 1);
    if (e == std::string_view::npos) return {};
    std::string_view w = expr.substr(i + 1, e - i - 1);
    if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
      return w;
    i = e;
  }
  return {};
}

// --- Template-level defaults: {% set servers = salt['pillar.get']('ntp:servers', ['a', 'b']) %}

struct MiniToken {
  char kind;  // 's' string, 'i' identifier, or the punctuation character
  std::string_view text;
  size_t offset;  // of the text (string contents without quotes)
};

std::vector<MiniToken> MiniLex(std::string_view s, size_t base) {
  std::vector<MiniToken> out;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '\'' || c == '"') {
      size_t e = i + 1;
      while (e < s.size() && s[e] != c) e += s[e] == '\\' ? 2 : 1;
      if (e >= s.size()) break;
      out.push_back({'s', s.substr(i + 1, e - i - 1), base + i + 1});
      i = e + 1;
    } else if (IsIdentStart(c)) {
      size_t e = i;
      while (e < s.size() && (IsIdentChar(s[e]) || s[e] == '.' || s[e] == ':')) ++e;
      while (e > i && (s[e - 1] == '.' || s[e - 1] == ':')) --e;
      out.push_back({'i', s.substr(i, e - i), base + i});
      i = e;
    } else {
      if (!IsSpace(c) && c != '\n') out.push_back({c, s.substr(i, 1), base + i});
      ++i;
    }
  }
  return out;
}

void DefaultFacts(std::string_view body, size_t base, Document* out) {
  std::vector<MiniToken> t = MiniLex(body, base);
  std::string root;
  size_t start = 0;
  if (t.size() > 2 && t[0].kind == 'i' && t[0].text == "set" && t[1].kind == 'i') {
    root = std::string(t[1].text);
    start = 2;
  } else if (!t.empty() && t[0].kind == 'i') {
    root = std::string(t[0].text);
  }
  struct Frame {
    char kind;
    std::string label;
    std::string key;  // dict: the pending key
    bool get_call = false;
    bool first_arg_seen = false;
  };
  std::vector<Frame> stack{{'r', root, "", false, false}};
  size_t too_deep = 0;  // brackets open past kMaxNesting: counted, their strings not read
  auto label_for_child = [&]() {
    Frame& top = stack.back();
    if (top.kind == '{' && !top.key.empty())
      return top.label.empty() ? top.key : top.label + "." + top.key;
    return top.label;
  };
  for (size_t i = start; i < t.size(); ++i) {
    const MiniToken& k = t[i];
    Frame& top = stack.back();
    if (too_deep) {
      too_deep += k.kind == '[' || k.kind == '{' || k.kind == '(';
      too_deep -= k.kind == ']' || k.kind == '}' || k.kind == ')';
      continue;
    }
    if (k.kind == 's') {
      bool is_key = top.kind == '{' && i + 1 < t.size() && t[i + 1].kind == ':';
      if (is_key) {
        top.key = std::string(k.text);
        ++i;
        continue;
      }
      if (top.kind == '(' && top.get_call && !top.first_arg_seen) {
        top.label = std::string(k.text);  // the pillar/grain key is the name of its default
        top.first_arg_seen = true;
        continue;
      }
      if (top.kind == '[' || top.kind == '{' || top.kind == '(') {
        std::string name = label_for_child();
        if (name.empty()) continue;
        Fact f;
        f.name = out->Keep(name);
        f.name_offset = k.offset;
        f.line_offset = k.offset;
        f.args.push_back(Token{k.text, k.offset});
        f.templated = true;
        out->facts.push_back(std::move(f));
      }
    } else if (k.kind == '[' || k.kind == '{' || k.kind == '(') {
      bool get_call = k.kind == '(' && i > 0 &&
                      ((t[i - 1].kind == 'i' && t[i - 1].text.ends_with(".get")) ||
                       (t[i - 1].kind == ']' && i >= 2 && t[i - 2].kind == 's' &&
                        t[i - 2].text.ends_with(".get")));
      bool index = k.kind == '[' && i > 0 && (t[i - 1].kind == 'i' || t[i - 1].kind == ']');
      if (index) {  // salt['pillar.get'] / pillar['ntp']: a subscript, not a list literal
        int depth = 1;
        for (++i; i < t.size() && depth; ++i) depth += t[i].kind == '[' ? 1 : t[i].kind == ']' ? -1 : 0;
        --i;
        continue;
      }
      if (stack.size() > static_cast<size_t>(kMaxNesting)) {
        if (out->diagnostics.empty())
          out->diagnostics.push_back({k.offset, NestingDiagnostic("template default values")});
        too_deep = 1;
        continue;
      }
      stack.push_back(Frame{k.kind, label_for_child(), "", get_call, false});
    } else if (k.kind == ']' || k.kind == '}' || k.kind == ')') {
      if (stack.size() > 1) stack.pop_back();
    } else if (k.kind == ',' && top.kind == '{') {
      top.key.clear();
    } else if (k.kind == ',' && top.kind == '(' && top.get_call) {
      top.first_arg_seen = true;
    }
  }
}

// Time-daemon configuration names a template may render, and where they live.
std::string CanonicalConfigName(std::string_view dir, std::string_view base) {
  auto has = [&](std::string_view prefix) {
    return base.starts_with(prefix) && base.size() > prefix.size() &&
           (base[prefix.size()] == '.' || base[prefix.size()] == '-' || base[prefix.size()] == '_');
  };
  std::string d(dir);
  auto under = [&](std::string_view sub) {
    std::string_view dv = d;
    if (!dv.empty() && dv.back() == '/') dv.remove_suffix(1);
    return dv == sub || dv.ends_with(std::string("/") + std::string(sub));
  };
  if (base == "chrony.conf" || (has("chrony") && base.ends_with(".conf")) ||
      base.starts_with("chrony.conf."))
    return d + "chrony.conf";
  if (base == "ntpd.conf" || base.starts_with("ntpd.conf.")) {
    if (under("openntpd") || under("etc")) return d + "ntpd.conf";
    return d + "etc/ntpd.conf";
  }
  if (base.starts_with("ntpsec.conf")) return d + "ntpsec/ntp.conf";
  if (base == "ntp.conf" || base.starts_with("ntp.conf.") ||
      (has("ntp") && base.ends_with(".conf") && !has("ntpdate")))
    return d + "ntp.conf";
  if (base == "timesyncd.conf" || base.starts_with("timesyncd.conf.")) return d + "timesyncd.conf";
  if (base == "step-tickers") return under("ntp") ? d + "step-tickers" : d + "etc/ntp/step-tickers";
  if (under("timesyncd.conf.d") && base.ends_with(".conf")) return d + std::string(base);
  if (base.ends_with(".sources") || base.ends_with(".network")) return d + std::string(base);
  if (base == "ntpdate" || base == "htpdate" || base == "ntp" || base == "ntpsec" ||
      base == "ntpsec-ntpdate")
    return under("default") ? d + std::string(base) : d + "etc/default/" + std::string(base);
  return "";
}

// The first index at or after `i` of a byte that may open a tag ({ < $ % `), or text.size().
size_t NextOpener(std::string_view text, size_t i) {
#if defined(__SSE2__)
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (; i + 16 <= text.size(); i += 16) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('{')), _mm_cmpeq_epi8(c, _mm_set1_epi8('<'))),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('$')),
                                  _mm_cmpeq_epi8(c, _mm_set1_epi8('%'))),
                     _mm_cmpeq_epi8(c, _mm_set1_epi8('`'))));
    if (int mask = _mm_movemask_epi8(hit))
      return i + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' || c == '<' || c == '$' || c == '%' || c == '`') return i;
  }
  return text.size();
}

}  // namespace

std::vector<TemplateSpan> FindTemplateSpans(std::string_view text, bool shell) {
  std::vector<TemplateSpan> out;
  Closers closers(text);
  for (size_t i = 0; i + 1 < text.size();) {
    // Only those bytes open a tag: the rest are skipped 16 at a time (most of a text).
    i = NextOpener(text, i);
    if (i + 1 >= text.size()) break;
    char c = text[i], n = text[i + 1];
    size_t end = std::string_view::npos;
    bool output = false;
    char dialect = 0;
    if (c == '{' && (n == '{' || n == '%' || n == '#')) {
      end = closers.Find(n == '{' ? "}}" : n == '%' ? "%}" : "#}", i + 2);
      output = n == '{' && (end == std::string_view::npos || !IsGoAction(text.substr(i, end - i)));
      dialect = 'j';
    } else if (c == '<' && n == '%' && !(i + 2 < text.size() && text[i + 2] == '%')) {
      end = closers.Find("%>", i + 2);
      output = i + 2 < text.size() && text[i + 2] == '=';
      dialect = 'e';
    } else if ((c == '$' || c == '%') && n == '{' && !(i > 0 && text[i - 1] == c)) {
      end = closers.Brace(i + 2, '{', '}');
      output = c == '$';
      dialect = 't';
    } else if (shell && c == '$' && n == '(') {
      end = closers.Brace(i + 2, '(', ')');
      output = true;
      dialect = 's';
    } else if (shell && c == '$' && IsIdentStart(n) && !(i > 0 && text[i - 1] == '\\')) {
      end = i + 2;
      while (end < text.size() && IsIdentChar(text[end])) ++end;
      output = true;
      dialect = 's';
    } else if (shell && c == '`') {
      end = text.find('`', i + 1);
      if (end != std::string_view::npos && text.substr(i, end - i).find('\n') == std::string_view::npos)
        ++end;
      else
        end = std::string_view::npos;
      output = true;
      dialect = 's';
    }
    if (end == std::string_view::npos || dialect == 0) {
      ++i;
      continue;
    }
    out.push_back(TemplateSpan{i, end, output, dialect});
    i = end;
  }
  return out;
}

bool LooksTemplated(std::string_view text) {
  for (const TemplateSpan& s : FindTemplateSpans(text, false))
    if (s.dialect == 'j' || s.dialect == 'e' || (s.dialect == 't' && !s.output)) return true;
  return false;
}

std::vector<std::string> ExpressionNames(std::string_view expr) {
  static const std::set<std::string, std::less<>> kSkip = {
      "if",   "else", "elif", "for",  "in",   "and",   "or",       "not",  "is",   "none",
      "None", "true", "false", "True", "False", "nil", "undef",    "do",   "end",  "each",
      "var",  "local", "self", "endfor", "endif", "unless", "defined", "string", "list", "int"};
  std::vector<std::string> out;
  std::string_view body = TagBody(expr);
  // salt['pillar.get']('ntp:servers'), pillar.get("ntp:servers"), pillar['ntp']['servers'].
  auto quoted_at = [&](size_t i, std::string* out) -> size_t {  // string starting at i
    if (i >= body.size() || (body[i] != '\'' && body[i] != '"')) return std::string_view::npos;
    size_t e = body.find(body[i], i + 1);
    if (e == std::string_view::npos) return e;
    *out = std::string(body.substr(i + 1, e - i - 1));
    return e + 1;
  };
  for (size_t at = body.find("pillar"); at != std::string_view::npos; at = body.find("pillar", at + 6)) {
    size_t i = at + 6;
    std::string key;
    if (body.substr(i, 4) == ".get") {
      size_t open = body.find('(', i);
      std::string k;
      if (open != std::string_view::npos && quoted_at(open + 1, &k) != std::string_view::npos) key = k;
    } else {
      while (i < body.size() && body[i] == '[') {
        std::string k;
        size_t e = quoted_at(i + 1, &k);
        if (e == std::string_view::npos || e >= body.size() || body[e] != ']') break;
        key += (key.empty() ? "" : ":") + k;
        i = e + 1;
      }
    }
    if (!key.empty()) out.push_back(key);
  }
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == '\'' || c == '"') {
      size_t e = body.find(c, i + 1);
      i = e == std::string_view::npos ? body.size() : e + 1;
      continue;
    }
    bool sigil = (c == '$' || c == '@' || c == ':') && i + 1 < body.size() && IsIdentStart(body[i + 1]);
    if (!IsIdentStart(c) && !sigil) {
      ++i;
      continue;
    }
    bool attribute = i > 0 && body[i - 1] == '.' && !sigil;
    size_t s = sigil ? i + 1 : i;
    size_t e = s;
    while (e < body.size() && (IsIdentChar(body[e]) ||
                               (body[e] == ':' && e + 2 < body.size() && body[e + 1] == ':' &&
                                IsIdentStart(body[e + 2])) ||
                               (body[e] == ':' && e > 0 && body[e - 1] == ':')))
      ++e;
    std::string_view word = body.substr(s, e - s);
    i = e;
    bool call = e < body.size() && body[e] == '(';
    if (word == "var" || word == "local" || word == "user") {
      // Terraform var.x / local.x, Packer {{user `x`}}: the name is the next word.
      size_t j = e;
      while (j < body.size() && (body[j] == '.' || body[j] == ' ' || body[j] == '`')) ++j;
      size_t k = j;
      while (k < body.size() && IsIdentChar(body[k])) ++k;
      if (k > j) out.emplace_back(body.substr(j, k - j));
      i = k;
      continue;
    }
    if (attribute && !(body[0] == '.' || (i > 1 && body[s - 2] == ' '))) continue;
    if (call || kSkip.count(word) || word.empty()) continue;
    out.emplace_back(word);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string_view StripTemplateSuffixes(std::string_view path) {
  std::string_view stem = path;
  while (StartsWithTemplateExtension(path, &stem)) path = stem;
  return path;
}

std::string TemplateDestination(std::string_view path) {
  std::string_view stem = path;
  bool templated_name = StartsWithTemplateExtension(path, &stem);
  size_t slash = stem.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "" : stem.substr(0, slash + 1);
  std::string_view base = slash == std::string_view::npos ? stem : stem.substr(slash + 1);
  std::string dest = CanonicalConfigName(dir, base);
  if (dest.empty() || (!templated_name && dest == path)) return "";
  return dest;
}

void ReadTemplate(std::string_view text, Document* out) { ReadTemplateFile("", text, out); }

void ReadTemplateFile(std::string_view path, std::string_view text, Document* out) {
  std::vector<TemplateSpan> spans = FindTemplateSpans(text, false);
  std::string dest = TemplateDestination(path);
  if (!dest.empty()) {
    // The rendered file, as far as a template says: the inner reader blanks the logic (its
    // loops still tell what an expression iterates) and keeps expressions as opaque hosts.
    EmbeddedDocument e;
    e.path = dest;
    e.text = std::string(text);
    e.line_map = {{0, 0}};
    e.outer_offset = 0;
    e.outer_length = text.size();
    out->embedded.push_back(std::move(e));
  }
  for (const TemplateSpan& s : spans) {
    if (s.output || s.dialect == 't') continue;
    std::string_view body = TagBody(text.substr(s.begin, s.end - s.begin));
    size_t base = static_cast<size_t>(body.data() - text.data());
    if (body.starts_with("set ") || body.find("pillar") != std::string_view::npos ||
        body.find("default(") != std::string_view::npos)
      DefaultFacts(body, base, out);
  }
  if (dest.empty()) {
    std::string_view stem = path;
    StartsWithTemplateExtension(path, &stem);
    size_t slash = stem.rfind('/');
    if (CanonicalConfigName(slash == std::string_view::npos ? "" : stem.substr(0, slash + 1),
                            slash == std::string_view::npos ? stem : stem.substr(slash + 1))
            .empty())
      return;  // not a time-daemon configuration
  }
  // Generic renderers of a time-daemon config: "{{ key }} {{ value }}" or one expression that
  // formats "key=value" ('{}{}={}'.format(...)). Every directive, servers included, comes out of
  // such a line, so it is recorded as a dynamic directive.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    size_t i = pos;
    while (i < eol && IsSpace(text[i])) ++i;
    auto first = std::lower_bound(spans.begin(), spans.end(), i,
                                  [](const TemplateSpan& s, size_t x) { return s.begin < x; });
    if (first != spans.end() && first->begin == i && first->output) {
      std::vector<const TemplateSpan*> outs{&*first};
      size_t j = first->end;
      for (auto it = first + 1; it != spans.end() && it->begin < eol; ++it) {
        bool gap_blank = true;
        for (size_t k = j; k < it->begin; ++k) gap_blank = gap_blank && IsSpace(text[k]);
        if (!it->output || !gap_blank) break;
        outs.push_back(&*it);
        j = it->end;
      }
      std::string_view first_text = text.substr(first->begin, first->end - first->begin);
      bool formats_key_value = outs.size() == 1 && first->end >= eol - 1 &&
                               (first_text.find("={}") != std::string_view::npos ||
                                first_text.find("=%s") != std::string_view::npos ||
                                first_text.find("'='") != std::string_view::npos);
      bool key_and_value = outs.size() >= 2 && FirstQuotedWord(first_text).empty();
      if (formats_key_value || key_and_value) {
        Fact f;
        f.name = "@dynamic";
        f.name_offset = first->begin;
        f.line_offset = pos;
        f.templated = true;
        for (size_t k = formats_key_value ? 0 : 1; k < outs.size(); ++k) {
          Token t{text.substr(outs[k]->begin, outs[k]->end - outs[k]->begin), outs[k]->begin};
          t.expression = true;
          f.args.push_back(t);
        }
        out->facts.push_back(std::move(f));
      }
    }
    // An expression spanning lines carries on the same logical line.
    pos = eol + 1;
  }
}

// The quoted literal of a `default`/`d` filter or function in an output tag, as [begin, end)
// of `text` without its quotes; {0, 0} when there is none.
std::pair<size_t, size_t> DefaultLiteral(std::string_view text, const TemplateSpan& s) {
  std::string_view body = text.substr(s.begin, s.end - s.begin);
  for (std::string_view word : {"default", "d"}) {
    for (size_t at = body.find(word); at != std::string_view::npos; at = body.find(word, at + 1)) {
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(body[at - 1])) ||
                     body[at - 1] == '_' || body[at - 1] == '.' || body[at - 1] == '$'))
        continue;
      size_t i = at + word.size();
      while (i < body.size() && (body[i] == ' ' || body[i] == '(')) ++i;
      if (i >= body.size() || (body[i] != '"' && body[i] != '\'') || i == at + word.size())
        continue;
      size_t close = body.find(body[i], i + 1);
      if (close == std::string_view::npos || close == i + 1 ||
          body.substr(i + 1, close - i - 1).find_first_of("{}%\n") != std::string_view::npos)
        continue;
      return {s.begin + i + 1, s.begin + close};
    }
  }
  return {0, 0};
}

void ReadDocument(const SyntaxInfo& info, std::string_view path, std::string_view text,
                  Document* out) {
  if (std::string_view reading = ReadingSyntax(info.name, path); reading != info.name)
    if (const SyntaxInfo* d = FindSyntax(reading)) return ReadDocument(*d, path, text, out);
  std::string_view stem;
  bool template_path = StartsWithTemplateExtension(path, &stem);
  if (info.name == "template") {
    ReadTemplateFile(path, text, out);
  } else {
    bool keep_shell = KeepsShellExpansions(info.name);
    std::vector<TemplateSpan> spans = FindTemplateSpans(text, !IgnoresShellExpansions(info.name));
    std::vector<TemplateSpan> masked_spans;
    for (const TemplateSpan& s : spans)
      if (!(keep_shell && (s.dialect == 's' || (s.dialect == 't' && s.output))))
        masked_spans.push_back(s);
    bool templated = template_path || LooksTemplated(text);
    if (masked_spans.empty() && spans.empty()) {
      info.read(text, out);
      if (templated)
        for (Fact& f : out->facts) f.templated = true;
      return;
    }
    std::string& masked = out->storage.emplace_back(text);
    // An expression with a literal default (`{{ ntp | default('H') }}`, Helm's `{{ default "H"
    // .Values.ntp }}`) renders that literal where nothing overrides it: the reader sees it in
    // place, the rest of the tag blank.
    std::vector<std::pair<size_t, size_t>> defaults;
    for (const TemplateSpan& s : masked_spans) {
      std::pair<size_t, size_t> d =
          s.output ? DefaultLiteral(text, s) : std::pair<size_t, size_t>{};
      if (d.second > d.first) defaults.push_back(d);
      for (size_t i = s.begin; i < s.end; ++i)
        if (d.second > d.first)
          masked[i] = i >= d.first && i < d.second ? text[i] : ' ';
        else if (s.output)
          masked[i] = kPlaceholder;
        else if (masked[i] != '\n') masked[i] = ' ';
    }
    auto in_default = [&](size_t a, size_t n) {
      for (auto [b, e] : defaults)
        if (a >= b && a + n <= e) return true;
      return false;
    };
    info.read(masked, out);
    const char* mb = masked.data();
    auto in_masked = [&](std::string_view v) {
      return v.data() >= mb && v.data() + v.size() <= mb + masked.size();
    };
    auto repoint = [&](std::string_view v) {
      return in_masked(v) ? text.substr(static_cast<size_t>(v.data() - mb), v.size()) : v;
    };
    // Bindings of loops and assignments, for resolving what an expression reads.
    std::vector<Binding> bindings;
    for (const TemplateSpan& s : spans)
      if (!s.output) ParseBinding(TagBody(text.substr(s.begin, s.end - s.begin)), s.begin, &bindings);
    for (Fact& f : out->facts) {
      f.templated = f.templated || templated;
      f.section = repoint(f.section);
      std::vector<const TemplateSpan*> over_name = Overlapping(spans, f.name_offset, f.name.size());
      bool name_is_expression =
          in_masked(f.name) && std::any_of(over_name.begin(), over_name.end(),
                                           [](const TemplateSpan* s) { return s->output; });
      f.name = repoint(f.name);
      if (name_is_expression) {
        // "{{ 'pool' if p else 'server' }} HOST": the directive is the first quoted word.
        std::string_view w = FirstQuotedWord(f.name);
        if (!w.empty()) f.name = w;
      }
      std::vector<Token> args;
      std::vector<std::string> vars;
      for (Token t : f.args) {
        size_t len = t.verbatim() ? t.text.size() : t.source_length;
        t.text = repoint(t.text);
        std::vector<const TemplateSpan*> hit = Overlapping(spans, t.offset, len);
        std::erase_if(hit, [](const TemplateSpan* s) { return !s->output; });
        if (hit.empty() || in_default(t.offset, len)) {
          args.push_back(t);
          continue;
        }
        t.expression = true;
        for (const TemplateSpan* s : hit)
          for (std::string& v : Resolve(ExpressionNames(text.substr(s->begin, s->end - s->begin)),
                                        s->begin, bindings, 0))
            vars.push_back(std::move(v));
        // "{{ a }}{{ b }}" is several expressions: the host is the first, the rest are options.
        bool chain = t.verbatim() && hit.size() > 1 && hit.front()->begin == t.offset &&
                     hit.back()->end == t.offset + len;
        for (size_t k = 1; chain && k < hit.size(); ++k) chain = hit[k]->begin == hit[k - 1]->end;
        if (chain) {
          for (const TemplateSpan* s : hit) {
            Token piece{text.substr(s->begin, s->end - s->begin), s->begin};
            piece.expression = true;
            args.push_back(piece);
          }
        } else {
          args.push_back(t);
        }
      }
      f.args = std::move(args);
      std::sort(vars.begin(), vars.end());
      vars.erase(std::unique(vars.begin(), vars.end()), vars.end());
      for (std::string& v : vars) f.variables.push_back(out->Keep(std::move(v)));
    }
    // Inner documents were cut from the masked text: give them their expressions back.
    for (EmbeddedDocument& e : out->embedded) {
      for (size_t k = 0; k < e.line_map.size(); ++k) {
        size_t inner = e.line_map[k].first, outer = e.line_map[k].second;
        size_t stop = k + 1 < e.line_map.size() ? e.line_map[k + 1].first : e.text.size();
        for (size_t p = inner; p < stop && p < e.text.size(); ++p) {
          size_t o = outer + (p - inner);
          if (o >= text.size()) break;
          if (masked[o] != text[o] && e.text[p] == masked[o]) e.text[p] = text[o];
        }
      }
    }
    return;
  }
  if (template_path || LooksTemplated(text))
    for (Fact& f : out->facts) f.templated = true;
}

}  // namespace ntpsweep::syntax
