#include "syntax/code.h"

#include <cctype>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/line_index.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;

// ASCII tests, as <cctype>'s in the "C" locale the program runs in, without a call per byte.
bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IdentStart(char c) {
  return IsAsciiAlpha(c) || c == '_' || c == '$';
}
bool IdentChar(char c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '_' || c == '$';
}

// 24 bytes, kept in a deque (no doubling, no copy as it grows): a large source file is mostly
// tokens (a 4.4 MB C table made 1.5 million, which at 40 bytes each in a vector took ~85 MiB).
struct Tok {
  enum Kind : uint8_t { kIdent, kString, kNumber, kOp, kNewline };
  Tok(Kind k, std::string_view t, size_t off, bool esc = false)
      : text(t), offset(static_cast<uint32_t>(off)), kind(k), escapes(esc) {}
  std::string_view text;  // identifier, operator, or the string's content as written
  uint32_t offset = 0;    // of `text` in the document (--max-file-size keeps it under 4 GiB)
  Kind kind = kOp;
  bool escapes = false;   // a string with backslash escapes: its content is decoded for the fact
};
static_assert(sizeof(Tok) == 24);

class Lexer {
 public:
  explicit Lexer(std::string_view t) : t_(t) {}

  std::deque<Tok> Run() {
    size_t i = 0;
    bool line_start = true;
    while (i < t_.size()) {
      char c = t_[i];
      if (c == '\n') {
        Push(Tok::kNewline, i, 1);
        ++i;
        if (!heredocs_.empty()) i = SkipHeredocs(i);
        line_start = true;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++i;
        continue;
      }
      bool at_line_start = line_start;
      line_start = false;
      if (c == '/' && i + 1 < t_.size() && t_[i + 1] == '/') {
        i = LineEnd(i);
      } else if (c == '/' && i + 1 < t_.size() && t_[i + 1] == '*') {
        size_t e = t_.find("*/", i + 2);
        i = e == npos ? t_.size() : e + 2;
      } else if (c == '#') {
        i = Hash(i);
      } else if (at_line_start && t_.substr(i).starts_with("=begin")) {  // Ruby block comment
        size_t e = t_.find("\n=end", i);
        i = e == npos ? t_.size() : LineEnd(e + 1);
      } else if (c == '"' || c == '\'' || c == '`') {
        i = Quoted(i, i);
      } else if (c == '%' && i + 2 < t_.size() &&
                 (t_[i + 1] == 'w' || t_[i + 1] == 'W' || t_[i + 1] == 'i') &&
                 std::string_view("[({<|").find(t_[i + 2]) != npos) {
        i = WordList(i + 2);
      } else if (c == '<' && i + 2 < t_.size() && t_[i + 1] == '<' && Heredoc(i + 2, &i)) {
      } else if (IdentStart(c)) {
        size_t e = i;
        while (e < t_.size() && IdentChar(t_[e])) ++e;
        std::string_view word = t_.substr(i, e - i);
        if (e < t_.size() && StringPrefix(word, t_[e])) {
          i = Quoted(e, i);
          continue;
        }
        Push(Tok::kIdent, i, e - i);
        i = e;
      } else if (IsAsciiDigit(c)) {
        size_t e = i;
        while (e < t_.size() && (IdentChar(t_[e]) || t_[e] == '.')) ++e;
        Push(Tok::kNumber, i, e - i);
        i = e;
      } else {
        i = Operator(i);
      }
    }
    return std::move(out_);
  }

 private:
  void Push(Tok::Kind k, size_t off, size_t len, bool escapes = false) {
    out_.push_back(Tok{k, t_.substr(off, len), off, escapes});
  }

  size_t LineEnd(size_t i) const {
    size_t e = t_.find('\n', i);
    return e == npos ? t_.size() : e;
  }

  // '#': a C preprocessor #define binds its name; Rust #[attr] and #!; otherwise a comment.
  size_t Hash(size_t i) {
    size_t k = i + 1;
    while (k < t_.size() && (t_[k] == ' ' || t_[k] == '\t')) ++k;
    if (t_.substr(k).starts_with("define") && k + 6 < t_.size() &&
        (t_[k + 6] == ' ' || t_[k + 6] == '\t')) {
      k += 6;
      while (k < t_.size() && (t_[k] == ' ' || t_[k] == '\t')) ++k;
      size_t e = k;
      while (e < t_.size() && IdentChar(t_[e])) ++e;
      if (e > k && e < t_.size() && t_[e] != '(') {  // not a function-like macro
        Push(Tok::kIdent, k, e - k);
        out_.push_back(Tok{Tok::kOp, "=", e});
        return e;
      }
    }
    if (i + 1 < t_.size() && t_[i + 1] == '[') return i + 1;  // Rust attribute: read on
    return LineEnd(i);
  }

  // r"...", b'...', f"...", R"d(...)d", r#"..."#: an identifier right before a quote.
  bool StringPrefix(std::string_view word, char next) const {
    if (next != '"' && next != '\'' && next != '#') return false;
    if (word.size() > 3) return false;
    for (char ch : word)
      if (std::string_view("rRbBfFuUL8").find(ch) == npos) return false;
    return true;
  }

  // A string starting at the quote (or '#' of a Rust raw string) at q; `start` includes a prefix.
  size_t Quoted(size_t q, size_t start) {
    std::string_view prefix = t_.substr(start, q - start);
    char c = t_[q];
    // Rust raw: r#*"...."#*
    if (prefix.find('r') != npos && (c == '#' || c == '"') &&
        prefix.find_first_of("fFuU") == npos) {
      size_t h = q;
      while (h < t_.size() && t_[h] == '#') ++h;
      if (h < t_.size() && t_[h] == '"' && (h > q || prefix == "r" || prefix == "br")) {
        std::string close = "\"" + std::string(h - q, '#');
        size_t e = t_.find(close, h + 1);
        size_t end = e == npos ? t_.size() : e;
        Push(Tok::kString, h + 1, end - h - 1);
        return e == npos ? t_.size() : e + close.size();
      }
    }
    if (c == '#') return q + 1;
    // C++ raw: R"delim( ... )delim"
    if (c == '"' && !prefix.empty() && prefix.back() == 'R') {
      size_t paren = t_.substr(0, std::min(t_.size(), q + 18)).find('(', q + 1);  // delimiter <= 16
      if (paren != npos) {
        std::string close = ")" + std::string(t_.substr(q + 1, paren - q - 1)) + "\"";
        size_t e = t_.find(close, paren + 1);
        size_t end = e == npos ? t_.size() : e;
        Push(Tok::kString, paren + 1, end - paren - 1);
        return e == npos ? t_.size() : e + close.size();
      }
    }
    // Triple quotes (Python, Java/Kotlin text blocks).
    if ((c == '"' || c == '\'') && t_.substr(q, 3) == std::string(3, c)) {
      std::string close(3, c);
      size_t e = t_.find(close, q + 3);
      size_t end = e == npos ? t_.size() : e;
      Push(Tok::kString, q + 3, end - q - 3);
      return e == npos ? t_.size() : e + 3;
    }
    if (c == '`') {  // Go raw string, JavaScript template literal
      size_t e = t_.find('`', q + 1);
      size_t end = e == npos ? t_.size() : e;
      Push(Tok::kString, q + 1, end - q - 1);
      return e == npos ? t_.size() : e + 1;
    }
    // "..." and '...' with backslash escapes. A ' without a closing quote on its line is a
    // Rust lifetime or a stray apostrophe, not a string.
    bool escapes = false;
    size_t k = q + 1;
    for (; k < t_.size() && t_[k] != c; ++k) {
      if (t_[k] == '\\') {
        escapes = true;
        ++k;
      } else if (t_[k] == '\n' && c == '\'') {
        out_.push_back(Tok{Tok::kOp, t_.substr(q, 1), q});
        return q + 1;
      }
    }
    size_t end = std::min(k, t_.size());
    Push(Tok::kString, q + 1, end - q - 1, escapes);
    return k < t_.size() ? k + 1 : t_.size();
  }

  // Ruby %w[a b c]: a list of strings.
  size_t WordList(size_t open) {
    char o = t_[open];
    char close = o == '[' ? ']' : o == '(' ? ')' : o == '{' ? '}' : o == '<' ? '>' : '|';
    out_.push_back(Tok{Tok::kOp, "[", open});
    size_t e = t_.find(close, open + 1);
    if (e == npos) e = t_.size();
    for (size_t k = open + 1; k < e;) {
      while (k < e && std::isspace(static_cast<unsigned char>(t_[k]))) ++k;
      size_t b = k;
      while (k < e && !std::isspace(static_cast<unsigned char>(t_[k]))) ++k;
      if (k > b) {
        Push(Tok::kString, b, k - b);
        out_.push_back(Tok{Tok::kOp, ",", k});
      }
    }
    out_.push_back(Tok{Tok::kOp, "]", e});
    return e < t_.size() ? e + 1 : e;
  }

  // <<~ID, <<-ID, <<'ID', <<"ID", <<ID (upper case): the body is skipped after this line.
  bool Heredoc(size_t i, size_t* next) {
    size_t k = i;
    bool marked = k < t_.size() && (t_[k] == '~' || t_[k] == '-');
    if (marked) ++k;
    char quote = k < t_.size() && (t_[k] == '\'' || t_[k] == '"') ? t_[k] : 0;
    if (quote) ++k;
    size_t b = k;
    while (k < t_.size() && IdentChar(t_[k])) ++k;
    if (k == b) return false;
    std::string_view id = t_.substr(b, k - b);
    if (quote) {
      if (k >= t_.size() || t_[k] != quote) return false;
      ++k;
    } else if (!marked) {
      for (char ch : id)
        if (std::islower(static_cast<unsigned char>(ch))) return false;
      if (id.size() < 2 || (i >= 3 && IdentChar(t_[i - 3]))) return false;  // a << SHIFT
    }
    heredocs_.push_back(std::string(id));
    out_.push_back(Tok{Tok::kString, std::string_view(), i});
    *next = k;
    return true;
  }

  size_t SkipHeredocs(size_t i) {
    for (const std::string& id : heredocs_) {
      while (i < t_.size()) {
        size_t e = LineEnd(i);
        std::string_view line = t_.substr(i, e - i);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
          line.remove_prefix(1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        i = e < t_.size() ? e + 1 : e;
        if (line == id) break;
      }
    }
    heredocs_.clear();
    return i;
  }

  size_t Operator(size_t i) {
    static constexpr std::string_view kOps[] = {"||=", "?\?=", "===", "!==", "::", ":=", "==",
                                                "!=",  "<=",   ">=",  "=>",  "->", "||", "&&",
                                                "??",  "?:",   "+=",  "|=",  "?=", "?."};
    // Most operators are one byte that starts none of the longer ones: no search for them.
    if (std::string_view("|?=!:<>-&+").find(t_[i]) == npos) {
      out_.push_back(Tok{Tok::kOp, t_.substr(i, 1), i});
      return i + 1;
    }
    for (std::string_view op : kOps)
      if (t_.substr(i, op.size()) == op) {
        out_.push_back(Tok{Tok::kOp, t_.substr(i, op.size()), i});
        return i + op.size();
      }
    out_.push_back(Tok{Tok::kOp, t_.substr(i, 1), i});
    return i + 1;
  }

  std::string_view t_;
  std::deque<Tok> out_;
  std::vector<std::string> heredocs_;
};

// Byte by byte: `==` called memcmp for each of the one-byte tests every token meets.
bool IsOp(const Tok& t, std::string_view op) {
  if (t.kind != Tok::kOp || t.text.size() != op.size()) return false;
  for (size_t i = 0; i < op.size(); ++i)
    if (t.text[i] != op[i]) return false;
  return true;
}

bool IsBinding(const Tok& t) {
  return IsOp(t, "=") || IsOp(t, ":=") || IsOp(t, ":") || IsOp(t, "=>") || IsOp(t, "||=") ||
         IsOp(t, "?\?=") || IsOp(t, "?=");
}

// Calls whose arguments are all elements of a list.
bool IsListConstructor(std::string_view callee) {
  size_t dot = callee.find_last_of(".:");
  std::string_view last = dot == npos ? callee : callee.substr(dot + 1);
  for (std::string_view n : {"of", "asList", "listOf", "setOf", "arrayOf", "mutableListOf",
                             "listOfNotNull", "tuple", "list", "set", "frozenset", "Array", "List",
                             "Set", "array", "vec", "Arrays", "newArrayList", "copyOf"})
    if (last == n) return true;
  return false;
}

class Binder {
 public:
  Binder(std::string_view text, const std::deque<Tok>& toks, Document* doc)
      : t_(text), k_(toks), doc_(doc) {}

  void Run() {
    std::string path;
    size_t path_offset = 0;
    for (size_t i = 0; i < k_.size(); ++i) {
      const Tok& tok = k_[i];
      // Brackets: a map bound to a name (`ntp: {servers: [...]}`) prefixes the keys inside it.
      if (IsOp(tok, "[") || IsOp(tok, "{") || IsOp(tok, "(")) {
        ++depth_;
        if (IsOp(tok, "(") && i >= 1 && k_[i - 1].kind == Tok::kIdent) NamedArgument(i);
      } else if (IsOp(tok, "]") || IsOp(tok, "}") || IsOp(tok, ")")) {
        if (!scopes_.empty() && scopes_.back().second == depth_) scopes_.pop_back();
        if (depth_ > 0) --depth_;
        std::erase_if(aliases_, [&](const Alias& a) { return a.depth > depth_; });
      }
      if (tok.kind == Tok::kIdent) {
        bool joined = !path.empty() && i >= 1 &&
                      (IsOp(k_[i - 1], ".") || IsOp(k_[i - 1], "::") || IsOp(k_[i - 1], "->") ||
                       IsOp(k_[i - 1], "?."));
        if (joined) {
          path += "." + std::string(tok.text);
        } else {
          path = std::string(tok.text);
          path_offset = tok.offset;
        }
        continue;
      }
      if (tok.kind == Tok::kString && i + 1 < k_.size() &&
          (IsOp(k_[i + 1], ":") || IsOp(k_[i + 1], "=>"))) {
        path = std::string(tok.text);  // a dict or hash key
        path_offset = tok.offset;
        continue;
      }
      if (IsOp(tok, "[") && !path.empty()) {
        // name[] = ..., name[2] = ..., name["key"]: the subscript stays part of the name.
        if (i + 1 < k_.size() && IsOp(k_[i + 1], "]")) {
          ++i;
          continue;
        }
        if (i + 2 < k_.size() && IsOp(k_[i + 2], "]") &&
            (k_[i + 1].kind == Tok::kNumber || k_[i + 1].kind == Tok::kString)) {
          if (k_[i + 1].kind == Tok::kString) path += "." + std::string(k_[i + 1].text);
          i += 2;
          continue;
        }
      }
      if (IsBinding(tok) && !path.empty()) {
        size_t j = i + 1;
        std::vector<const Tok*> strings;
        if (IsOp(tok, ":")) j = SkipType(j);
        bool map = false;
        setting_ = nullptr;
        Value(&j, &strings, &map);
        // `v := os.Getenv("NTP_SERVER")`: v stands for the setting until its block ends, so that
        // `if v == "" { v = "H" }` binds the setting's default.
        if (strings.empty() && setting_ && aliases_.size() < 64)
          aliases_.push_back({path, std::string(setting_->text), depth_});
        std::string name = path;
        for (auto a = aliases_.rbegin(); a != aliases_.rend(); ++a)
          if (a->variable == path) {
            name = a->setting;
            break;
          }
        if (!strings.empty()) Emit(Scoped(name), path_offset, strings);
        if (map && scopes_.size() < static_cast<size_t>(kMaxNesting)) {
          ++depth_;  // the map's `{`, consumed by Value
          scopes_.emplace_back(Scoped(path), depth_);
        }
        path.clear();
        i = j > i ? j - 1 : i;
        continue;
      }
      path.clear();
    }
  }

 private:
  // After `name:` a type may stand before `=` (TypeScript, Rust, Python, Kotlin): the index after
  // that `=`, or j itself when there is none within the same statement.
  size_t SkipType(size_t j) const {
    int depth = 0;
    for (size_t k = j; k < k_.size() && k < j + 24; ++k) {
      const Tok& t = k_[k];
      if (t.kind == Tok::kString || t.kind == Tok::kNewline) return j;
      if (IsOp(t, "[") || IsOp(t, "<") || IsOp(t, "("))
        ++depth;
      else if (IsOp(t, "]") || IsOp(t, ">") || IsOp(t, ")"))
        --depth;
      else if (depth == 0 && (IsOp(t, "=") || IsOp(t, ":=")) && k > j)
        return k + 1;
      else if (depth <= 0 && (IsOp(t, ",") || IsOp(t, "}") || IsOp(t, "{")))
        return j;
      if (depth < 0) return j;
    }
    return j;
  }

  // `name` under the maps it stands in: `ntp.servers` for `{"ntp": {"servers": [...]}}`.
  std::string Scoped(const std::string& name) const {
    return scopes_.empty() ? name : scopes_.back().first + "." + name;
  }

  // A call that names a setting by a string and gives its default next: flag.String("ntp-server",
  // "H", usage), StringVar(&x, "ntp", "H", ...), StringVarP(&x, "ntp", "n", "H", ...),
  // add_argument("--ntp-server", default="H"), click.option("--ntp", default="H"),
  // getenv("NTP_SERVER", "H"). A fact named after the string (leading dashes dropped).
  void NamedArgument(size_t open) {
    int depth = 0;
    size_t index = 0;                                  // of the top-level argument
    std::vector<std::pair<size_t, const Tok*>> whole;  // arguments that are one string
    const Tok* keyword = nullptr;                      // default="H" / default: "H"
    for (size_t k = open; k < k_.size() && k < open + 256; ++k) {
      const Tok& t = k_[k];
      if (IsOp(t, "[") || IsOp(t, "{") || IsOp(t, "(")) {
        ++depth;
      } else if (IsOp(t, "]") || IsOp(t, "}") || IsOp(t, ")")) {
        if (--depth == 0) break;
      } else if (depth == 1 && IsOp(t, ",")) {
        ++index;
      } else if (depth == 1 && t.kind == Tok::kString &&
                 (IsOp(k_[k - 1], "(") || IsOp(k_[k - 1], ",")) && k + 1 < k_.size() &&
                 (IsOp(k_[k + 1], ",") || IsOp(k_[k + 1], ")"))) {
        whole.emplace_back(index, &t);
      } else if (depth == 1 && !keyword && t.kind == Tok::kIdent && t.text == "default" &&
                 k + 2 < k_.size() && (IsOp(k_[k + 1], "=") || IsOp(k_[k + 1], ":")) &&
                 k_[k + 2].kind == Tok::kString) {
        keyword = &k_[k + 2];
      }
    }
    // The first string argument that reads as a setting name; its value follows it directly
    // (after StringVarP's one-letter shorthand) or is the `default` keyword.
    for (size_t a = 0; a < whole.size(); ++a) {
      if (!SettingName(whole[a].second->text)) continue;
      const Tok* value = keyword;
      size_t at = whole[a].first;
      for (size_t b = a + 1; !value && b < whole.size(); ++b) {
        if (whole[b].first == at + 1 && whole[b].second->text.size() == 1) {
          ++at;  // -p
          continue;
        }
        if (whole[b].first == at + 1) value = whole[b].second;
        break;
      }
      if (!value) return;
      std::string_view n = whole[a].second->text;
      while (n.starts_with("-")) n.remove_prefix(1);
      Emit(Scoped(std::string(n)), whole[a].second->offset, {value});
      return;
    }
  }

  // "ntp-server", "--ntp", "NTP_SERVER", "time.servers": a word, not a sentence or a value.
  static bool SettingName(std::string_view s) {
    while (s.starts_with("-")) s.remove_prefix(1);
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
        return false;
    return true;
  }

  // One value: a string, a list, a call, an identifier chain, joined by fallbacks (||, ??, or).
  // *map: the value is a map (its `{` or `(` consumed; the bindings inside are read on their own).
  void Value(size_t* j, std::vector<const Tok*>* strings, bool* map) {
    for (int operands = 0; operands < 8 && *j < k_.size(); ++operands) {
      std::string callee;
      size_t k = *j;
      // A prefix: identifiers, type syntax, `new`, `vec!`, `[]string`, `&`, `*`, `<T>`.
      for (int n = 0; k < k_.size() && n < 16; ++n, ++k) {
        const Tok& t = k_[k];
        if (t.kind == Tok::kIdent) {
          callee += (callee.empty() || IsOp(k_[k - 1], ".") || IsOp(k_[k - 1], "::") ? "" : " ");
          callee += std::string(t.text);
        } else if (IsOp(t, ".") || IsOp(t, "::") || IsOp(t, "!") || IsOp(t, "&") || IsOp(t, "*") ||
                   IsOp(t, "@")) {
          if (IsOp(t, ".") || IsOp(t, "::")) callee += ".";
        } else if (IsOp(t, "[") && k + 1 < k_.size() && IsOp(k_[k + 1], "]")) {
          ++k;                      // []string{...}, String[] {...}
        } else if (IsOp(t, "<")) {  // generics: List<String>, within a few tokens
          int depth = 0;
          size_t g = k;
          for (; g < k_.size() && g < k + 12 && k_[g].kind != Tok::kNewline; ++g) {
            if (IsOp(k_[g], "<")) ++depth;
            if (IsOp(k_[g], ">") && --depth == 0) break;
          }
          if (depth != 0 || g >= k_.size() || !IsOp(k_[g], ">")) break;
          k = g;
        } else {
          break;
        }
      }
      if (k >= k_.size()) break;
      const Tok& t = k_[k];
      if (t.kind == Tok::kString && callee.empty()) {
        strings->push_back(&t);
        ++k;
        // Python's implicit tuple: X = "a", "b"
        while (k + 1 < k_.size() && IsOp(k_[k], ",") && k_[k + 1].kind == Tok::kString &&
               (k + 2 >= k_.size() || !IsOp(k_[k + 2], ":"))) {
          strings->push_back(&k_[k + 1]);
          k += 2;
        }
      } else if (IsOp(t, "[") || IsOp(t, "{") || IsOp(t, "(")) {
        if (IsMap(k)) {  // {key: value, ...}: the bindings inside are read on their own
          *j = k + 1;
          *map = true;
          return;
        }
        // A bare `(` is a tuple or a parenthesised value: X = ("a", "b"), #define X ("a").
        bool list = !IsOp(t, "(") || callee.empty() || IsListConstructor(callee);
        if (!list) NamedArgument(k);  // x = getenv("NTP_SERVER", "H"): NTP_SERVER too
        std::vector<const Tok*> inside;
        size_t open = k;
        k = Group(k, &inside);
        // getenv("NTP_SERVER"), cfg.Get("ntp.server"): one string naming a setting, nothing else.
        if (!list && inside.size() == 1 && k == open + 3 && SettingName(inside[0]->text))
          setting_ = inside[0];
        if (list) {
          strings->insert(strings->end(), inside.begin(), inside.end());
        } else if (inside.size() >= 2) {
          // getenv("NTP_SERVER", "default"): the arguments after the first.
          strings->insert(strings->end(), inside.begin() + 1, inside.end());
        }
        // `: [&str; 2] = [...]`, `String[] X = {...}`: what came was a type.
        if (k < k_.size() && IsOp(k_[k], "=")) {
          strings->clear();
          ++k;
          *j = k;
          continue;
        }
      } else if (callee.empty()) {
        break;
      }
      *j = k;
      if (k < k_.size() && (IsOp(k_[k], "||") || IsOp(k_[k], "??") || IsOp(k_[k], "?:") ||
                            (k_[k].kind == Tok::kIdent && k_[k].text == "or"))) {
        *j = k + 1;
        continue;
      }
      break;
    }
  }

  // A group whose first element is `key:`, `key =>` or `key =` (a map, struct or named
  // arguments); decided on its first tokens, so that reading it again costs nothing.
  bool IsMap(size_t k) const {
    size_t a = k + 1;
    while (a < k_.size() && k_[a].kind == Tok::kNewline) ++a;
    if (a + 1 >= k_.size() || (k_[a].kind != Tok::kIdent && k_[a].kind != Tok::kString))
      return false;
    return IsOp(k_[a + 1], ":") || IsOp(k_[a + 1], "=>") || IsOp(k_[a + 1], "=");
  }

  // The strings directly inside the bracket group opened at k; the index after it.
  size_t Group(size_t k, std::vector<const Tok*>* strings) const {
    int depth = 0;
    for (; k < k_.size(); ++k) {
      const Tok& t = k_[k];
      if (IsOp(t, "[") || IsOp(t, "{") || IsOp(t, "(")) {
        ++depth;
      } else if (IsOp(t, "]") || IsOp(t, "}") || IsOp(t, ")")) {
        if (--depth == 0) return k + 1;
      } else if (t.kind == Tok::kString && depth == 1 &&
                 !(k + 1 < k_.size() && (IsOp(k_[k + 1], ":") || IsOp(k_[k + 1], "=>")))) {
        strings->push_back(&t);
      }
    }
    return k;
  }

  void Emit(const std::string& path, size_t offset, const std::vector<const Tok*>& strings) {
    Fact f;
    f.name = doc_->Keep(path);
    f.name_offset = offset;
    f.line_offset = line_starts_(offset);
    for (const Tok* s : strings) {
      if (s->text.empty()) continue;
      if (!s->escapes) {
        f.args.push_back(Token{s->text, s->offset});
        continue;
      }
      std::string decoded;
      for (size_t i = 0; i < s->text.size(); ++i) {
        if (s->text[i] == '\\' && i + 1 < s->text.size()) ++i;
        decoded += s->text[i];
      }
      Token tok{doc_->Keep(std::move(decoded)), s->offset};
      tok.source_length = s->text.size();
      f.args.push_back(tok);
    }
    if (!f.args.empty()) doc_->facts.push_back(std::move(f));
  }

  std::string_view t_;
  mutable LineStartCursor line_starts_{t_};  // the lines of facts, asked in order
  const std::deque<Tok>& k_;
  Document* doc_;
  // A variable bound to a setting lookup, and the bracket depth of its binding.
  struct Alias {
    std::string variable;
    std::string setting;
    size_t depth;
  };
  std::vector<Alias> aliases_;
  const Tok* setting_ = nullptr;  // the setting the last value looked up, if it was one
  size_t depth_ = 0;              // open brackets
  std::vector<std::pair<std::string, size_t>> scopes_;  // enclosing map keys, the depth inside
};

}  // namespace

void ReadCode(std::string_view text, Document* out) {
  std::deque<Tok> toks = Lexer(text).Run();
  Binder(text, toks, out).Run();
}

}  // namespace ntpsweep::syntax
