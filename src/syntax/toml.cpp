#include "syntax/toml.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "syntax/ini.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr char kPlaceholder = '\x1a';  // a masked template expression (see template.cpp)

// The TOML dialect of the line reader: '#' comments, '=' only, [[array tables]].
constexpr KeyValueSyntax kTomlLines{.comment_chars = "#",
                                    .separators = "=",
                                    .inline_comments = true,
                                    .array_tables = true,
                                    .quoted_sections = true};

// Where the tables and arrays a TOML text asks for first nest deeper than kMaxNesting (npos:
// nowhere): each dot of a key (a.b.c = 1, [a.b.c]) is one table, an inline table or an array one
// more. toml++ recurses once per level, and bounds arrays and inline tables but not dotted keys.
size_t TooDeepAt(std::string_view t) {
  struct Open {
    char kind;     // '{' or '['
    size_t level;  // the level of the keys ('{') or the array ('[') it opens
  };
  std::vector<Open> open;
  size_t dots = 0, value_level = 0, table_level = 0;  // table_level: the keys under [a.b]
  bool in_key = true, header = false;  // reading a key: at a line start, in [a.b], after '{' or ','
  auto too_deep = [](size_t level) { return level > static_cast<size_t>(kMaxNesting); };
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"' || c == '\'') {  // a string or quoted key: its dots and brackets are text
      size_t quote = t.substr(i, 3) == std::string(3, c) ? 3 : 1;
      size_t j = i + quote;
      for (; j < t.size() && t.substr(j, quote) != t.substr(i, quote); ++j)
        if (c == '"' && t[j] == '\\')
          ++j;
        else if (quote == 1 && t[j] == '\n')
          break;
      i = std::min(j + quote, t.size()) - 1;
      continue;
    }
    if (c == '#') {
      while (i + 1 < t.size() && t[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '\n') {
      if (open.empty()) in_key = true, header = false, dots = 0;
      continue;
    }
    size_t base = header ? 0 : open.empty() ? table_level : open.back().level;
    if (in_key) {
      if (c == '.') {
        if (too_deep(base + ++dots + 1)) return i;
      } else if (c == '[' && open.empty()) {
        header = true;
      } else if (c == ']' && header) {
        table_level = dots + 1;
        header = in_key = false;
      } else if (c == '=') {
        value_level = base + dots + 1;
        in_key = false;
      } else if (c == '}' && !open.empty()) {  // {} or a trailing ','
        open.pop_back();
        in_key = false;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      if (too_deep(value_level + 1)) return i;
      open.push_back({c, value_level});
      if (c == '{')
        in_key = true, dots = 0;
      else
        value_level += 1;
    } else if (c == ',' && !open.empty()) {
      if (open.back().kind == '{')
        in_key = true, dots = 0;
      else
        value_level = open.back().level + 1;
    } else if ((c == '}' || c == ']') && !open.empty()) {
      open.pop_back();
    }
  }
  return std::string_view::npos;
}

class Walker {
 public:
  Walker(std::string_view text, Document* doc) : t_(text), doc_(doc) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < t_.size(); ++i)
      if (t_[i] == '\n') line_starts_.push_back(i + 1);
  }

  // toml++ counts columns in code points from 1; the byte offset of a position.
  size_t Offset(const toml::source_position& p) const {
    if (p.line == 0 || p.line > line_starts_.size()) return t_.size();
    size_t i = line_starts_[p.line - 1];
    toml::source_index col = 1;
    // Along one line the count goes on from the last position: an inline table of many keys on
    // one line was quadratic, counted from the line's start each time.
    if (last_.line == p.line && last_.column <= p.column) i = last_at_, col = last_.column;
    for (; col < p.column && i < t_.size() && t_[i] != '\n'; ++col) {
      ++i;
      while (i < t_.size() && (static_cast<unsigned char>(t_[i]) & 0xC0) == 0x80) ++i;
    }
    last_ = {p.line, col}, last_at_ = i;
    return i;
  }

  void Walk(const toml::node& node, const std::string& path, size_t key_offset) {
    if (const toml::table* table = node.as_table()) {
      for (auto&& [key, child] : *table) {
        std::string_view k = key.str();
        std::string segment = k.find('.') != std::string_view::npos || k.empty()
                                  ? "\"" + std::string(k) + "\""
                                  : std::string(k);
        Walk(child, path.empty() ? segment : path + "." + segment, Offset(key.source().begin));
      }
    } else if (const toml::array* array = node.as_array()) {
      Argv(*array, path);
      for (const toml::node& item : *array) Walk(item, path + "[]", key_offset);
    } else if (const toml::value<std::string>* s = node.as_string()) {
      String(s->get(), node.source(), path, key_offset);
    }
  }

 private:
  // A string's words at their offsets when it is written as it reads; else one opaque token
  // over its source (escapes, line-ending backslashes).
  void String(const std::string& value, const toml::source_region& where, const std::string& path,
              size_t key_offset) {
    size_t begin = Offset(where.begin);
    size_t end = std::max(Offset(where.end), begin + 1);
    if (begin >= t_.size()) return;
    Fact fact;
    fact.name = doc_->Keep(path);
    fact.name_offset = std::min(key_offset, begin);
    fact.line_offset = LineStart(fact.name_offset);
    std::string_view raw = t_.substr(begin, end - begin);
    size_t open = raw.starts_with("\"\"\"") || raw.starts_with("'''") ? 3 : 1;
    size_t inner = begin + open;
    if (open == 3 && t_.substr(inner, 1) == "\n")
      inner += 1;
    else if (open == 3 && t_.substr(inner, 2) == "\r\n")
      inner += 2;
    if (t_.substr(inner, value.size()) == value) {
      std::string_view v = t_.substr(inner, value.size());
      for (size_t i = 0; i < v.size();) {
        while (i < v.size() && (IsSpace(v[i]) || v[i] == '\n')) ++i;
        size_t b = i;
        while (i < v.size() && !IsSpace(v[i]) && v[i] != '\n') ++i;
        if (i > b) fact.args.push_back(Token{v.substr(b, i - b), inner + b});
      }
    } else if (!value.empty()) {
      Token t{doc_->Keep(value), begin};
      t.source_length = end - begin;
      fact.args.push_back(t);
    }
    if (!fact.args.empty()) doc_->facts.push_back(std::move(fact));
  }

  // Cmd = ["systemsetup", "-setnetworktimeserver", "H"]: a command as an argument array, read
  // as one shell line whose words map to where they are written.
  void Argv(const toml::array& array, const std::string& path) {
    size_t dot = path.rfind('.');
    std::string key = path.substr(dot == std::string::npos ? 0 : dot + 1);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key != "cmd" && key != "command" && key != "entrypoint" && key != "argv" && key != "args" &&
        key != "exec")
      return;
    if (array.empty()) return;
    EmbeddedDocument d;
    d.path = "argv/command.sh";
    for (const toml::node& item : array) {
      const toml::value<std::string>* s = item.as_string();
      if (!s) return;
      const std::string& value = s->get();
      size_t begin = Offset(item.source().begin);
      if (begin >= t_.size()) return;
      size_t open = t_.substr(begin, 3) == "\"\"\"" || t_.substr(begin, 3) == "'''" ? 3 : 1;
      bool quote =
          value.find_first_of(" \t") != std::string::npos && value.find('\'') == std::string::npos;
      if (!d.text.empty()) d.text += ' ';
      if (quote) d.text += '\'';
      d.line_map.emplace_back(d.text.size(), begin + open);
      d.text += value;
      if (quote) d.text += '\'';
      if (d.outer_length == 0) d.outer_offset = begin;
      d.outer_length = std::max(Offset(item.source().end), begin + 1) - d.outer_offset;
    }
    d.text += '\n';
    doc_->embedded.push_back(std::move(d));
  }

  size_t LineStart(size_t offset) const {
    return *(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1);
  }

  std::string_view t_;
  Document* doc_;
  std::vector<size_t> line_starts_;
  // Offset's last answer: column `last_.column` of line `last_.line` is at byte `last_at_`.
  mutable toml::source_position last_{};
  mutable size_t last_at_ = 0;
};

}  // namespace

void ReadToml(std::string_view text, Document* out) {
  if (text.find(kPlaceholder) != std::string_view::npos) {
    ReadKeyValueLines(text, kTomlLines, out);  // a template: no TOML until rendered
    return;
  }
  if (size_t at = TooDeepAt(text); at != std::string_view::npos) {
    out->diagnostics.push_back({at, NestingDiagnostic("TOML tables") + "; read line by line"});
    ReadKeyValueLines(text, kTomlLines, out);
    return;
  }
  Walker walker(text, out);
  try {
    toml::table root = toml::parse(text);
    walker.Walk(root, "", 0);
  } catch (const toml::parse_error& e) {
    out->diagnostics.push_back(
        {walker.Offset(e.source().begin),
         "not valid TOML (" + std::string(e.description()) + "); read line by line"});
    ReadKeyValueLines(text, kTomlLines, out);
    return;
  }
  // Commented-out settings ("# servers = [...]") under the table in effect at that line.
  Document comments;
  ReadKeyValueLines(text, kTomlLines, &comments);
  for (Fact& f : comments.facts)
    if (f.commented) {
      f.name = out->Keep(std::string(f.name));
      f.section = out->Keep(std::string(f.section));
      out->facts.push_back(std::move(f));
    }
}

}  // namespace ntpsweep::syntax
