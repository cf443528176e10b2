#include "syntax/hcl.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "core/line_index.h"
#include "core/offset_map.h"
#include "syntax/shell.h"
#include "syntax/template.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;

struct Value {
  enum Kind { kNone, kString, kHeredoc, kList, kObject, kExpr } kind = kNone;
  std::string text;                            // decoded string / heredoc / raw expression
  OffsetMap map;                               // breakpoints text index -> document offset
  size_t begin = 0, end = 0;
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> entries;
  // Declared, or clang cannot check std::pair<std::string, Value> while Value is incomplete.
  Value() = default;
  size_t OuterOf(size_t i) const { return OuterOffset(map, i, begin); }
  bool Verbatim(size_t a, size_t b) const { return IsVerbatim(map, a, b, text.size()); }
};

bool IsIdent(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

class Parser {
 public:
  Parser(std::string_view text, Document* doc, bool commented)
      : t_(text), doc_(doc), commented_(commented) {}

  void Run() {
    i_ = 0;
    Body("", 0, nullptr);
  }

 private:
  // Skips blanks and comments; stops at a newline unless `newlines`.
  void Skip(bool newlines) {
    i_ = SkipBlanksAndComments(t_, i_, newlines, {.slashes = true, .block = true});
  }

  void SkipLine() {
    while (i_ < t_.size() && t_[i_] != '\n') ++i_;
  }

  std::string Ident() {
    size_t b = i_;
    while (i_ < t_.size() && IsIdent(t_[i_])) ++i_;
    return std::string(t_.substr(b, i_ - b));
  }

  // body := (attribute | block)*, until `close` (0: end of text). Block-level conventions
  // (Packer provisioners) are interpreted once the block is read.
  void Body(const std::string& path, char close, std::vector<std::pair<std::string, Value>>* attrs) {
    for (int guard = 0; guard < 1000000; ++guard) {
      Skip(true);
      if (i_ >= t_.size()) return;
      if (close && t_[i_] == close) {
        ++i_;
        return;
      }
      if (t_[i_] == '}' || t_[i_] == ']') {  // stray closer: leave the block
        ++i_;
        return;
      }
      std::string name;
      if (t_[i_] == '"') {
        Value s = String();
        name = s.text;
      } else {
        name = Ident();
      }
      if (name.empty()) {
        SkipLine();
        continue;
      }
      Skip(false);
      if (i_ < t_.size() && (t_[i_] == '=' || t_[i_] == ':') &&
          !(i_ + 1 < t_.size() && t_[i_ + 1] == '=')) {
        ++i_;
        Skip(false);
        Value v = Expr();
        std::string child = path.empty() ? name : path + "." + name;
        Emit(child, v);
        if (attrs) attrs->emplace_back(name, std::move(v));
        continue;
      }
      // A block: type, labels, '{'.
      std::string block = path.empty() ? name : path + "." + name;
      while (i_ < t_.size() && t_[i_] != '{' && t_[i_] != '\n') {
        if (t_[i_] == '"') {
          block += "." + String().text;
        } else if (IsIdent(t_[i_])) {
          block += "." + Ident();
        } else {
          break;
        }
        Skip(false);
      }
      if (i_ >= t_.size() || t_[i_] != '{') {
        SkipLine();
        continue;
      }
      if (TooDeep()) continue;
      ++i_;
      ++depth_;
      std::vector<std::pair<std::string, Value>> inner;
      Body(block, '}', &inner);
      --depth_;
      Interpret(block, inner);
    }
  }

  // At an opener ('{' or '['): past kMaxNesting the bracketed part is skipped (with one
  // diagnostic per document) rather than read, so hostile nesting costs neither stack nor
  // memory; true when it was skipped.
  bool TooDeep() {
    if (depth_ < kMaxNesting) return false;
    if (!deep_reported_ && !commented_) {
      doc_->diagnostics.push_back({i_, NestingDiagnostic("HCL blocks, lists or objects")});
      deep_reported_ = true;
    }
    SkipBalanced();
    return true;
  }

  // From an opener to just past its closer, strings and comments skipped, without recursion.
  void SkipBalanced() {
    size_t depth = 0;
    while (i_ < t_.size()) {
      char c = t_[i_];
      if (c == '"') {
        for (++i_; i_ < t_.size() && t_[i_] != '"' && t_[i_] != '\n'; ++i_)
          if (t_[i_] == '\\') ++i_;
      } else if (c == '#' || (c == '/' && i_ + 1 < t_.size() && t_[i_ + 1] == '/')) {
        SkipLine();
        continue;
      } else if (c == '{' || c == '[' || c == '(') {
        ++depth;
      } else if (c == '}' || c == ']' || c == ')') {
        if (--depth == 0) {
          ++i_;
          return;
        }
      }
      ++i_;
    }
  }

  Value String() {
    Value v;
    v.kind = Value::kString;
    v.begin = i_;
    ++i_;  // opening quote
    v.map.emplace_back(0, i_);
    while (i_ < t_.size() && t_[i_] != '"' && t_[i_] != '\n') {
      char c = t_[i_];
      if (c == '\\' && i_ + 1 < t_.size()) {
        char n = t_[i_ + 1];
        v.text += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        i_ += 2;
        v.map.emplace_back(v.text.size(), i_);
        continue;
      }
      if ((c == '$' || c == '%') && i_ + 1 < t_.size() && t_[i_ + 1] == '{') {
        // Interpolation (when not masked): copy it whole, strings and braces included.
        int depth = 0;
        size_t b = i_;
        for (; i_ < t_.size(); ++i_) {
          if (t_[i_] == '{') ++depth;
          if (t_[i_] == '}' && --depth == 0) {
            ++i_;
            break;
          }
        }
        v.text += std::string(t_.substr(b, i_ - b));
        continue;
      }
      v.text += c;
      ++i_;
    }
    if (i_ < t_.size() && t_[i_] == '"') ++i_;
    v.end = i_;
    if (v.map.size() > 1 && t_.substr(v.begin + 1, v.text.size()) == v.text) v.map = {{0, v.begin + 1}};
    return v;
  }

  Value Heredoc() {
    Value v;
    v.kind = Value::kHeredoc;
    v.begin = i_;
    i_ += 2;
    bool indent = i_ < t_.size() && t_[i_] == '-';
    if (indent) ++i_;
    std::string delim = Ident();
    SkipLine();
    if (i_ < t_.size()) ++i_;
    struct L {
      size_t start;
      std::string_view text;
    };
    std::vector<L> lines;
    while (i_ < t_.size()) {
      size_t e = t_.find('\n', i_);
      if (e == npos) e = t_.size();
      std::string_view l = t_.substr(i_, e - i_);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (Trim(l) == delim) {
        i_ = e;
        break;
      }
      lines.push_back({i_, l});
      i_ = e + (e < t_.size());
    }
    size_t strip = 0;
    if (indent) {
      strip = npos;
      for (const L& l : lines) {
        size_t ws = 0;
        while (ws < l.text.size() && (l.text[ws] == ' ' || l.text[ws] == '\t')) ++ws;
        if (ws < l.text.size()) strip = std::min(strip, ws);
      }
      if (strip == npos) strip = 0;
    }
    for (const L& l : lines) {
      size_t s = std::min(strip, l.text.size());
      v.map.emplace_back(v.text.size(), l.start + s);
      v.text += l.text.substr(s);
      v.text += '\n';
    }
    v.end = i_;
    return v;
  }

  // An expression, up to a newline, ',' or closer at depth 0.
  Value Expr() {
    Skip(false);
    size_t start = i_;
    Value v;
    if (i_ < t_.size() && t_[i_] == '"') {
      v = String();
    } else if (t_.substr(i_, 2) == "<<") {
      v = Heredoc();
      return v;
    } else if (i_ < t_.size() && (t_[i_] == '[' || t_[i_] == '{') && depth_ >= kMaxNesting) {
      v.kind = Value::kExpr;  // opaque: its text is matched as free text only
      v.begin = i_;
      TooDeep();
      v.end = i_;
      return v;
    } else if (i_ < t_.size() && t_[i_] == '[') {
      Nest nest(&depth_);
      v.kind = Value::kList;
      v.begin = i_++;
      for (int guard = 0; guard < 100000; ++guard) {
        Skip(true);
        if (i_ >= t_.size()) break;
        if (t_[i_] == ']') {
          ++i_;
          break;
        }
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        size_t before = i_;
        v.items.push_back(Expr());
        if (i_ == before) ++i_;
      }
      v.end = i_;
    } else if (i_ < t_.size() && t_[i_] == '{') {
      Nest nest(&depth_);
      v.kind = Value::kObject;
      v.begin = i_++;
      for (int guard = 0; guard < 100000; ++guard) {
        Skip(true);
        if (i_ >= t_.size()) break;
        if (t_[i_] == '}') {
          ++i_;
          break;
        }
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        std::string key;
        if (t_[i_] == '"') key = String().text;
        else if (IsIdent(t_[i_])) key = Ident();
        else if (t_[i_] == '(') key = Raw().text;
        Skip(false);
        if (i_ < t_.size() && (t_[i_] == '=' || t_[i_] == ':')) {
          ++i_;
          v.entries.emplace_back(key, Expr());
        } else {
          SkipLine();
        }
      }
      v.end = i_;
    } else {
      return Raw();
    }
    // Something after a literal ("a" == b ? ...): the whole is an expression.
    size_t save = i_;
    Skip(false);
    if (i_ < t_.size() && !(t_[i_] == '\n' || t_[i_] == ',' || t_[i_] == ']' || t_[i_] == '}' ||
                            t_[i_] == ')')) {
      i_ = start;
      return Raw();
    }
    i_ = save;
    return v;
  }

  Value Raw() {
    Value v;
    v.kind = Value::kExpr;
    v.begin = i_;
    int depth = 0;
    while (i_ < t_.size()) {
      char c = t_[i_];
      if (c == '"') {
        ++i_;
        while (i_ < t_.size() && t_[i_] != '"' && t_[i_] != '\n') i_ += t_[i_] == '\\' ? 2 : 1;
        ++i_;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      }
      if (depth == 0 && (c == '\n' || c == ',')) break;
      if (depth == 0 && c == '#') break;
      ++i_;
    }
    size_t e = std::min(i_, t_.size());
    while (e > v.begin && (t_[e - 1] == ' ' || t_[e - 1] == '\t' || t_[e - 1] == '\r')) --e;
    v.text = std::string(t_.substr(v.begin, e - v.begin));
    v.map = {{0, v.begin}};
    v.end = e;
    return v;
  }

  size_t LineStart(size_t off) const { return line_starts_(off); }

  Token MakeToken(const Value& v, size_t a, size_t b) {
    return DecodedToken(t_, v.text, v.map, v.begin, a, b, doc_);
  }

  void Emit(const std::string& path, const Value& v) {
    switch (v.kind) {
      case Value::kString: {
        Fact f = NewFact(path, v.begin);
        const std::string& s = v.text;
        for (size_t i = 0; i < s.size();) {
          while (i < s.size() && (IsSpace(s[i]) || s[i] == '\n')) ++i;
          size_t b = i;
          while (i < s.size() && !IsSpace(s[i]) && s[i] != '\n') ++i;
          if (i > b) f.args.push_back(MakeToken(v, b, i));
        }
        if (!f.args.empty()) doc_->facts.push_back(std::move(f));
        break;
      }
      case Value::kExpr: {
        if (v.text.empty()) break;
        Fact f = NewFact(path, v.begin);
        Token t{t_.substr(v.begin, v.end - v.begin), v.begin};
        // Literals written bare (numbers, true/false) are not expressions.
        bool literal = std::all_of(v.text.begin(), v.text.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
        }) && v.text.find('.') == std::string::npos;
        t.expression = !literal;
        f.args.push_back(t);
        if (t.expression)
          for (std::string& n : ExpressionNames(v.text)) f.variables.push_back(doc_->Keep(std::move(n)));
        doc_->facts.push_back(std::move(f));
        break;
      }
      case Value::kList:
        for (const Value& item : v.items) Emit(path + "[]", item);
        break;
      case Value::kObject:
        for (const auto& [k, item] : v.entries) {
          std::string key = k.find('.') != std::string::npos ? "\"" + k + "\"" : k;
          Emit(path + "." + key, item);
          // http_content / cd_content: { "/ks.cfg" = <<EOF ... } serves a file.
          if ((k.starts_with("/") || k.find('.') != std::string::npos) &&
              (item.kind == Value::kHeredoc || item.kind == Value::kString) && !commented_)
            Embed(item, k);
        }
        break;
      case Value::kHeredoc:
        if (v.text.starts_with("#cloud-config") && !commented_) Embed(v, "user-data");
        else if (v.text.starts_with("#!") && !commented_) Embed(v, "hcl/heredoc.sh");
        else if (IsPowerShellUserData(v.text) && !commented_)
          Embed(v, "hcl/user-data.sh");
        break;
      case Value::kNone: break;
    }
    if (v.kind == Value::kString && v.text.starts_with("#cloud-config") && !commented_)
      Embed(v, "user-data");
    else if (v.kind == Value::kString && IsPowerShellUserData(v.text) && !commented_)
      Embed(v, "hcl/user-data.sh");
  }

  Fact NewFact(const std::string& path, size_t offset) {
    Fact f;
    f.name = doc_->Keep(path);
    f.name_offset = offset;
    f.line_offset = LineStart(offset);
    f.commented = commented_;
    return f;
  }

  void Embed(const Value& v, std::string path) {
    EmbeddedDocument e;
    e.path = std::move(path);
    e.text = v.text;
    e.line_map = v.map;
    if (e.line_map.empty() || e.line_map.front().first != 0) e.line_map.insert(e.line_map.begin(), {0, v.begin});
    e.outer_offset = v.begin;
    e.outer_length = std::max<size_t>(v.end - v.begin, 1);
    if (e.text.empty() || e.text.back() != '\n') e.text += '\n';
    doc_->embedded.push_back(std::move(e));
  }

  // Packer provisioners: a shell provisioner's inline commands are a script; a file
  // provisioner's content lands at its destination, its source is installed there.
  void Interpret(const std::string& block, const std::vector<std::pair<std::string, Value>>& attrs) {
    if (commented_) return;
    auto get = [&](std::string_view k) -> const Value* {
      for (const auto& [name, v] : attrs)
        if (name == k) return &v;
      return nullptr;
    };
    auto ends = [&](std::string_view s) { return block.size() >= s.size() && block.ends_with(s); };
    if (ends("provisioner.shell") || ends("provisioner.shell-local") || ends("provisioner.powershell") ||
        ends("provisioner.windows-shell")) {
      const Value* inl = get("inline");
      if (inl && inl->kind == Value::kList && !inl->items.empty()) {
        EmbeddedDocument e;
        e.path = ends("provisioner.powershell") ? "packer/inline.ps1" : "packer/inline.sh";
        for (const Value& item : inl->items) {
          if (item.kind != Value::kString && item.kind != Value::kHeredoc) continue;
          size_t base = e.text.size();
          for (auto [a, o] : item.map) e.line_map.emplace_back(base + a, o);
          e.text += item.text;
          if (e.text.empty() || e.text.back() != '\n') e.text += '\n';
        }
        e.outer_offset = inl->begin;
        e.outer_length = std::max<size_t>(inl->end - inl->begin, 1);
        if (!e.line_map.empty()) doc_->embedded.push_back(std::move(e));
      }
    } else if (ends("provisioner.file")) {
      const Value* dest = get("destination");
      const Value* content = get("content");
      const Value* source = get("source");
      if (!dest || dest->kind != Value::kString) return;
      if (content && (content->kind == Value::kString || content->kind == Value::kHeredoc)) {
        Embed(*content, dest->text);
      } else if (source && source->kind == Value::kString) {
        Fact f = NewFact("@install", source->begin);
        f.args.push_back(MakeToken(*source, 0, source->text.size()));
        f.args.push_back(Token{doc_->Keep(dest->text), source->begin, 1});
        doc_->facts.push_back(std::move(f));
      }
    }
  }

  struct Nest {
    explicit Nest(int* d) : depth(d) { ++*depth; }
    ~Nest() { --*depth; }
    int* depth;
  };

  std::string_view t_;
  mutable LineStartCursor line_starts_{t_};  // the lines of facts, asked in order
  Document* doc_;
  bool commented_;
  size_t i_ = 0;
  int depth_ = 0;  // blocks, lists and objects open at i_
  bool deep_reported_ = false;
};

}  // namespace

void ReadHcl(std::string_view text, Document* out) {
  Parser(text, out, false).Run();
  ReadCommentedLines(text, {"#", "//"}, out,
                     [&](std::string_view view) { Parser(view, out, true).Run(); });
}

}  // namespace ntpsweep::syntax
