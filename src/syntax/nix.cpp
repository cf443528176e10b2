#include "syntax/nix.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/line_index.h"
#include "core/offset_map.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;
constexpr int kMaxDepth = 200;      // nesting beyond this is skipped, not recursed into
constexpr char kNoCloser = '\x01';  // Bindings() up to the end of the text

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '\'' || c == '-';
}

struct Str {
  std::string text;  // decoded
  OffsetMap map;     // breakpoints text index -> document offset
  size_t begin = 0, end = 0;
};

class Parser {
 public:
  Parser(std::string_view text, Document* doc, bool commented)
      : t_(text), doc_(doc), commented_(commented) {}

  void Run() {
    for (size_t guard = 0; i_ < t_.size() && guard < t_.size() + 1; ++guard) {
      size_t before = i_;
      // A comment holds bindings out of their set ("# services.ntp.servers = [...];").
      if (commented_)
        Bindings("", kNoCloser, 0);
      else
        Expr("", 0);
      if (i_ == before) ++i_;  // a stray closer or `in`
    }
  }

 private:
  void Skip() { i_ = SkipBlanksAndComments(t_, i_, true, {.block = true}); }

  bool Keyword(std::string_view w) const {
    return t_.substr(i_, w.size()) == w &&
           (i_ + w.size() >= t_.size() || !IsIdentChar(t_[i_ + w.size()])) &&
           (i_ == 0 || !IsIdentChar(t_[i_ - 1]));
  }

  // An expression bound to `path`, up to ';', a closer or `in` (none consumed).
  void Expr(const std::string& path, int depth) {
    for (size_t guard = 0; guard < t_.size() + 1; ++guard) {
      Skip();
      if (i_ >= t_.size()) return;
      char c = t_[i_];
      if (c == ';' || c == '}' || c == ']' || c == ')' || c == ',' || Keyword("in")) return;
      size_t before = i_;
      Term(path, depth);
      if (i_ == before) ++i_;
    }
  }

  void Term(const std::string& path, int depth) {
    char c = t_[i_];
    if (depth > kMaxDepth) {
      SkipBalanced();
      return;
    }
    if (c == '"') {
      Str s = String();
      Emit(path, s);
    } else if (c == '\'' && t_.substr(i_, 2) == "''") {
      Str s = Indented();
      Emit(path, s);
    } else if (c == '[') {
      ++i_;
      for (size_t guard = 0; guard < t_.size() + 1; ++guard) {
        Skip();
        if (i_ >= t_.size()) break;
        if (t_[i_] == ']') {
          ++i_;
          break;
        }
        if (t_[i_] == ';' || t_[i_] == '}' || t_[i_] == ')') break;  // unclosed list
        size_t before = i_;
        Term(path + "[]", depth + 1);
        if (i_ == before) ++i_;
      }
    } else if (c == '{') {
      if (Formals()) return;
      ++i_;
      Bindings(path, '}', depth + 1);
    } else if (c == '(') {
      ++i_;
      Expr(path, depth + 1);
      Skip();
      if (i_ < t_.size() && t_[i_] == ')') ++i_;
    } else if (Keyword("let")) {
      i_ += 3;
      Bindings("", 0, depth + 1);
      if (Keyword("in")) i_ += 2;
    } else if (c == '$' && t_.substr(i_, 2) == "${") {
      i_ = Interpolation(i_);
    } else if (IsIdentStart(c) || c == '.' || c == '/' || c == '~' || c == '<' ||
               std::isdigit(static_cast<unsigned char>(c))) {
      // identifiers, selections (lib.mkForce), paths (./hw.nix, <nixpkgs>), numbers, URIs
      while (i_ < t_.size() && (IsIdentChar(t_[i_]) || t_[i_] == '.' || t_[i_] == '/' ||
                                t_[i_] == '<' || t_[i_] == '>' || t_[i_] == '~' ||
                                (t_[i_] == ':' && i_ + 1 < t_.size() && t_[i_ + 1] == '/')))
        ++i_;
    } else {
      ++i_;  // operators: ++ // == : @ ? ...
    }
  }

  // Bindings of an attribute set (up to `close`) or of a let (close 0: up to `in`).
  void Bindings(const std::string& path, char close, int depth) {
    for (size_t guard = 0; guard < t_.size() + 1; ++guard) {
      Skip();
      if (i_ >= t_.size()) return;
      char c = t_[i_];
      if (close && c == close) {
        ++i_;
        return;
      }
      if (!close && Keyword("in")) return;
      if (c == '}' || c == ']' || c == ')') {  // a stray closer ends the set
        if (close) ++i_;
        return;
      }
      if (Keyword("inherit")) {
        SkipStatement();
        continue;
      }
      size_t name_offset = i_;
      std::string attr;
      bool ok = AttrPath(&attr);
      Skip();
      if (!ok || i_ >= t_.size() || t_[i_] != '=' || t_.substr(i_, 2) == "==") {
        SkipStatement();
        continue;
      }
      ++i_;
      size_t saved = binding_offset_;
      binding_offset_ = name_offset;
      Expr(path.empty() ? attr : path + "." + attr, depth);
      binding_offset_ = saved;
      Skip();
      if (i_ < t_.size() && t_[i_] == ';') ++i_;
    }
  }

  // a.b."c.d".${x}: false when no component starts here.
  bool AttrPath(std::string* out) {
    for (bool first = true;; first = false) {
      Skip();
      if (i_ >= t_.size()) return !first;
      std::string part;
      if (IsIdentStart(t_[i_])) {
        size_t b = i_;
        while (i_ < t_.size() && IsIdentChar(t_[i_])) ++i_;
        part = std::string(t_.substr(b, i_ - b));
      } else if (t_[i_] == '"') {
        part = String().text;
        if (part.find('.') != std::string::npos) part = "\"" + part + "\"";
      } else if (t_.substr(i_, 2) == "${") {
        i_ = Interpolation(i_);
        part = "${}";
      } else {
        return false;
      }
      *out += (first ? "" : ".") + part;
      Skip();
      if (i_ >= t_.size() || t_[i_] != '.') return true;
      ++i_;
    }
  }

  // `{ config, pkgs, ... }:` or `{ }: `: a function's formals, skipped whole.
  bool Formals() {
    size_t save = i_;
    ++i_;
    Skip();
    bool formals = false;
    if (i_ < t_.size() && t_[i_] == '}') {
      ++i_;
      Skip();
      formals = i_ < t_.size() && (t_[i_] == ':' || t_[i_] == '@');
    } else if (t_.substr(i_, 3) == "...") {
      formals = true;
    } else if (i_ < t_.size() && IsIdentStart(t_[i_]) && !Keyword("inherit")) {
      while (i_ < t_.size() && IsIdentChar(t_[i_])) ++i_;
      Skip();
      formals = i_ < t_.size() && (t_[i_] == ',' || t_[i_] == '?' || t_[i_] == '}');
    }
    i_ = save;
    if (!formals) return false;
    SkipBalanced();
    return true;
  }

  // Past a bracketed group, string or single character starting at i_.
  void SkipBalanced() {
    if (nesting_ > kMaxDepth) {  // strings in interpolations in strings...: stop descending
      ++i_;
      return;
    }
    struct Nest {
      int& n;
      explicit Nest(int& x) : n(++x) {}
      ~Nest() { --n; }
    } nest(nesting_);
    int depth = 0;
    for (size_t guard = 0; i_ < t_.size() && guard < t_.size() + 1; ++guard) {
      char c = t_[i_];
      if (c == '"') {
        String();
        continue;
      }
      if (c == '\'' && t_.substr(i_, 2) == "''") {
        Indented();
        continue;
      }
      if (c == '#') {
        Skip();
        continue;
      }
      ++i_;
      if (c == '{' || c == '[' || c == '(') ++depth;
      if (c == '}' || c == ']' || c == ')') --depth;
      if (depth <= 0) return;
    }
  }

  // Up to and past the next ';' at this level; a closer of the enclosing level is left.
  void SkipStatement() {
    for (size_t guard = 0; i_ < t_.size() && guard < t_.size() + 1; ++guard) {
      Skip();
      if (i_ >= t_.size()) return;
      char c = t_[i_];
      if (c == ';') {
        ++i_;
        return;
      }
      if (c == '}' || c == ']' || c == ')') return;
      SkipBalanced();
    }
  }

  // The end of a ${...} interpolation starting at `at` (nested strings and braces included).
  size_t Interpolation(size_t at) {
    size_t save = i_;
    i_ = at + 1;  // at the '{'
    SkipBalanced();
    size_t end = i_;
    i_ = save;
    return end;
  }

  Str String() {
    Str s;
    s.begin = i_++;
    s.map.emplace_back(0, i_);
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_];
      if (c == '\\' && i_ + 1 < t_.size()) {
        char n = t_[i_ + 1];
        s.text += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        i_ += 2;
        s.map.emplace_back(s.text.size(), i_);
      } else if (c == '$' && t_.substr(i_, 2) == "${") {
        size_t e = Interpolation(i_);
        s.text += t_.substr(i_, e - i_);
        i_ = e;
      } else {
        s.text += c;
        ++i_;
      }
    }
    if (i_ < t_.size()) ++i_;
    s.end = i_;
    return s;
  }

  // ''indented string'': common indentation removed, '' escapes decoded.
  Str Indented() {
    Str s;
    s.begin = i_;
    i_ += 2;
    size_t body = i_;
    // Find the end first: '' not followed by ', $ or \ closes it.
    size_t end = t_.size();
    for (size_t k = body; k + 1 < t_.size(); ++k) {
      if (t_.substr(k, 2) == "${") {
        size_t save = i_;
        k = Interpolation(k) - 1;
        i_ = save;
        continue;
      }
      if (t_[k] == '\'' && t_[k + 1] == '\'') {
        char n = k + 2 < t_.size() ? t_[k + 2] : '\0';
        if (n == '\'' || n == '$' || n == '\\') {
          k += 2;
          continue;
        }
        end = k;
        break;
      }
    }
    // The common indentation of lines that hold something.
    size_t indent = npos;
    for (size_t ls = body; ls < end;) {
      size_t le = std::min(t_.find('\n', ls), end);
      size_t ws = ls;
      while (ws < le && (t_[ws] == ' ' || t_[ws] == '\t')) ++ws;
      if (ws < le && !(ls == body && Trim(t_.substr(ls, le - ls)).empty()))
        indent = std::min(indent, ws - ls);
      ls = le + 1;
    }
    if (indent == npos) indent = 0;
    size_t ls = body;
    {  // a first line holding only blanks is dropped
      size_t le = std::min(t_.find('\n', body), end);
      if (le < end && Trim(t_.substr(body, le - body)).empty()) ls = le + 1;
    }
    for (; ls < end;) {
      size_t le = std::min(t_.find('\n', ls), end);
      size_t p = std::min(ls + indent, le);
      for (size_t q = ls; q < p; ++q)
        if (t_[q] != ' ' && t_[q] != '\t') {
          p = q;
          break;
        }
      s.map.emplace_back(s.text.size(), p);
      while (p < le) {
        if (t_.substr(p, 3) == "'''") {
          s.text += "''";
          p += 3;
          s.map.emplace_back(s.text.size(), p);
        } else if (t_.substr(p, 3) == "''$") {
          s.text += '$';
          p += 3;
          s.map.emplace_back(s.text.size(), p);
        } else if (t_.substr(p, 3) == "''\\" && p + 3 < le) {
          char n = t_[p + 3];
          s.text += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
          p += 4;
          s.map.emplace_back(s.text.size(), p);
        } else {
          s.text += t_[p++];
        }
      }
      if (le < end) s.text += '\n';
      ls = le + 1;
    }
    i_ = std::min(end + 2, t_.size());
    s.end = i_;
    return s;
  }

  void Emit(const std::string& path, const Str& s) {
    if (path.empty() || s.text.empty()) return;
    Fact f;
    f.name = doc_->Keep(path);
    f.name_offset = binding_offset_ != npos ? binding_offset_ : s.begin;
    f.line_offset = LineStart(f.name_offset);
    f.commented = commented_;
    const std::string& v = s.text;
    for (size_t i = 0; i < v.size();) {
      while (i < v.size() && (IsSpace(v[i]) || v[i] == '\n')) ++i;
      size_t b = i;
      while (i < v.size() && !IsSpace(v[i]) && v[i] != '\n') ++i;
      if (i > b) f.args.push_back(DecodedToken(t_, v, s.map, s.begin, b, i, doc_));
    }
    if (!f.args.empty()) doc_->facts.push_back(std::move(f));
  }

  size_t LineStart(size_t off) const { return line_starts_(off); }

  std::string_view t_;
  mutable LineStartCursor line_starts_{t_};  // the lines of facts, asked in order
  Document* doc_;
  bool commented_;
  size_t i_ = 0;
  size_t binding_offset_ = npos;
  int nesting_ = 0;
};

}  // namespace

void ReadNix(std::string_view text, Document* out) {
  Parser(text, out, false).Run();
  ReadCommentedLines(text, {"#"}, out,
                     [&](std::string_view view) { Parser(view, out, true).Run(); });
}

}  // namespace ntpsweep::syntax
