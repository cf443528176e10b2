// Key = value files. systemd-style INI (timesyncd.conf, *.network): [Section] headers,
// Key=Value lines, whole-line comments with '#' or ';'; generic INI and .properties below.
#include "syntax/ini.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "core/strings.h"
#include "syntax/lines.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

// systemd's parser blanks: no form feed or vertical tab.
constexpr std::string_view kBlanks = " \t\r";

}  // namespace

void ReadIni(std::string_view text, Document* out) {
  std::vector<Fact>& facts = out->facts;
  std::string_view section;
  ForEachLine(text, [&](std::string_view line, size_t pos) {
    LineLead lead = ReadLineLead(line, kBlanks, "#;");
    size_t i = lead.body;
    std::string_view body = line.substr(i);
    if (!body.empty() && body.front() == '[') {
      size_t close = body.find(']');
      if (!lead.commented && close != std::string_view::npos)
        section = Trim(body.substr(1, close - 1), kBlanks);
    } else if (size_t eq = body.find('='); eq != std::string_view::npos && eq > 0) {
      Fact fact;
      fact.section = section;
      fact.name = Trim(body.substr(0, eq), kBlanks);
      fact.name_offset = pos + i;
      fact.commented = lead.commented;
      fact.line_offset = pos;
      // systemd values have no inline comments; quotes are not special for NTP= lists.
      Tokenize(body.substr(eq + 1), pos + i + eq + 1, false, false, &fact.args);
      if (!fact.name.empty() && fact.name.find(' ') == std::string_view::npos)
        facts.push_back(std::move(fact));
    }
  });
}

namespace {

constexpr std::string_view kIniBlanks = " \t\r\f";

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f';
}

// The words of s[a, b) (inside quotes), as tokens at base + index.
void Words(std::string_view s, size_t a, size_t b, size_t base, std::vector<Token>* out) {
  for (size_t i = a; i < b;) {
    while (i < b && IsBlank(s[i])) ++i;
    size_t start = i;
    while (i < b && !IsBlank(s[i])) ++i;
    if (i > start) out->push_back(Token{s.substr(start, i - start), base + start});
  }
}

// `[a.b]`, `[[a]]` (array_tables: "a[]"), `["a.b"]` (quoted_sections: kept whole); the name,
// or false when `body` is no header.
bool SectionHeader(std::string_view body, const KeyValueSyntax& syntax, std::string* name) {
  bool array = syntax.array_tables && body.starts_with("[[");
  size_t open = array ? 2 : 1;
  size_t close = body.find(array ? "]]" : "]", open);
  if (close == std::string_view::npos) return false;
  std::string_view inner = Trim(body.substr(open, close - open), " \t");
  name->clear();
  if (syntax.quoted_sections) {  // a . b, "a.b" -> a.b, "a.b"
    for (size_t i = 0; i < inner.size(); ++i) {
      char c = inner[i];
      if (c == '"' || c == '\'') {
        size_t e = inner.find(c, i + 1);
        if (e == std::string_view::npos) e = inner.size();
        std::string_view q = inner.substr(i + 1, e - i - 1);
        *name +=
            q.find('.') != std::string_view::npos ? "\"" + std::string(q) + "\"" : std::string(q);
        i = e;
      } else if (!IsBlank(c)) {
        *name += c;
      }
    }
  } else {
    *name = std::string(inner);
  }
  if (array) *name += "[]";
  return true;
}

}  // namespace

void ValueWords(std::string_view v, size_t base, bool inline_comments, std::vector<Token>* out) {
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (IsBlank(c) || c == ',' || c == '[' || c == ']' || c == '{' || c == '}') {
      ++i;
      continue;
    }
    if (inline_comments && (c == '#' || c == ';') && (i == 0 || IsBlank(v[i - 1]))) break;
    if (c == '"' || c == '\'') {
      size_t e = i + 1;
      while (e < v.size() && v[e] != c) e += (c == '"' && v[e] == '\\') ? 2 : 1;
      e = std::min(e, v.size());
      Words(v, i + 1, e, base, out);
      i = e + 1;
      continue;
    }
    size_t start = i;
    while (i < v.size() && !IsBlank(v[i]) && v[i] != ',') ++i;
    size_t end = i;
    while (end > start && (v[end - 1] == ']' || v[end - 1] == '}')) --end;  // "[a]" as one word
    if (end > start) out->push_back(Token{v.substr(start, end - start), base + start});
  }
}

void ReadKeyValueLines(std::string_view text, const KeyValueSyntax& syntax, Document* out) {
  std::string_view section;
  ForEachLine(text, [&](std::string_view line, size_t line_offset) {
    auto [i, commented] = ReadLineLead(line, kIniBlanks, syntax.comment_chars);
    std::string_view body = line.substr(i);
    if (body.empty()) return;
    if (body.front() == '[') {
      std::string name;
      if (!commented && SectionHeader(body, syntax, &name)) section = out->Keep(std::move(name));
      return;
    }
    size_t sep = 0;
    if (body.front() == '"' || body.front() == '\'') {  // a quoted key may hold separators
      sep = body.find(body.front(), 1);
      if (sep == std::string_view::npos) return;
    }
    sep = body.find_first_of(syntax.separators, sep);
    if (sep == std::string_view::npos || sep == 0) return;
    std::string_view key = Trim(body.substr(0, sep), " \t\r");
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front())
      key = key.substr(1, key.size() - 2);
    else if (key.find_first_of(" \t") != std::string_view::npos)
      return;  // prose ("Note: ..." has no blank before the colon, a sentence has)
    if (key.empty()) return;
    std::string_view value = body.substr(sep + 1);
    size_t value_offset = line_offset + i + sep + 1;
    size_t lead = 0;
    while (lead < value.size() && IsBlank(value[lead])) ++lead;
    Fact fact;
    fact.section = section;
    std::string name =
        section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
    if (lead < value.size() && value[lead] == '[') name += "[]";
    fact.name = out->Keep(std::move(name));
    fact.name_offset = line_offset + i;
    fact.line_offset = line_offset;
    fact.commented = commented;
    ValueWords(value, value_offset, syntax.inline_comments, &fact.args);
    if (!fact.args.empty()) out->facts.push_back(std::move(fact));
  });
}

void ReadIniData(std::string_view text, Document* out) {
  ReadKeyValueLines(text, KeyValueSyntax{}, out);
}

namespace {

bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

void ReadProperties(std::string_view text, Document* out) {
  for (size_t pos = 0; pos < text.size();) {
    size_t line_offset = pos;
    size_t i = pos;
    while (i < text.size() && IsBlank(text[i])) ++i;
    if (i >= text.size()) break;
    if (text[i] == '\n') {
      pos = i + 1;
      continue;
    }
    bool commented = text[i] == '#' || text[i] == '!';
    size_t line_end = text.find('\n', i);
    if (line_end == std::string_view::npos) line_end = text.size();
    if (commented) {  // "#ntp.server=10.0.0.1": a commented-out property; comments never continue
      while (i < line_end && (text[i] == '#' || text[i] == '!' || IsBlank(text[i]))) ++i;
    }
    // The key: up to an unescaped '=', ':' or blank.
    std::string key;
    size_t key_offset = i;
    while (i < line_end && text[i] != '=' && text[i] != ':' && !IsBlank(text[i])) {
      if (text[i] == '\\' && i + 1 < line_end) ++i;
      key += text[i++];
    }
    while (i < line_end && IsBlank(text[i])) ++i;
    if (i < line_end && (text[i] == '=' || text[i] == ':')) ++i;
    while (i < line_end && IsBlank(text[i])) ++i;
    // The value, decoded: escapes and (outside comments) continuation lines.
    std::string value;
    OffsetMap map{{0, i}};
    std::vector<size_t> joins;  // where continuation lines were joined: words end there too
    size_t end = i;
    while (end < text.size() && text[end] != '\n') {
      char c = text[end];
      if (c != '\\' || end + 1 >= text.size()) {
        if (c != '\r' || (end + 1 < text.size() && text[end + 1] != '\n')) value += c;
        ++end;
        continue;
      }
      char n = text[end + 1];
      if (n == '\n' || (n == '\r' && end + 2 < text.size() && text[end + 2] == '\n')) {
        if (commented) break;
        end += n == '\r' ? 3 : 2;
        while (end < text.size() && IsBlank(text[end])) ++end;
        joins.push_back(value.size());
      } else if (n == 'u' && end + 5 < text.size() && IsHex(text[end + 2]) &&
                 IsHex(text[end + 3]) && IsHex(text[end + 4]) && IsHex(text[end + 5])) {
        AppendUtf8(
            static_cast<uint32_t>(std::stoul(std::string(text.substr(end + 2, 4)), nullptr, 16)),
            &value);
        end += 6;
      } else {
        value += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n == 'f' ? '\f' : n;
        end += 2;
      }
      map.emplace_back(value.size(), end);
    }
    pos = end + 1;
    if (key.empty()) continue;
    Fact fact;
    fact.name = out->Keep(std::move(key));
    fact.name_offset = key_offset;
    fact.line_offset = line_offset;
    fact.commented = commented;
    std::string_view decoded = out->Keep(std::move(value));
    // joins ascends and k only grows: one cursor, not a search of every join at every byte.
    size_t next_join = 0;
    auto joined = [&](size_t k) {
      while (next_join < joins.size() && joins[next_join] < k) ++next_join;
      return next_join < joins.size() && joins[next_join] == k;
    };
    for (size_t k = 0; k < decoded.size();) {
      while (k < decoded.size() && IsSpace(decoded[k])) ++k;
      size_t start = k;
      while (k < decoded.size() && !IsSpace(decoded[k]) && decoded[k] != '\n' &&
             !(k > start && joined(k)))
        ++k;
      if (k > start) fact.args.push_back(DecodedToken(text, decoded, map, i, start, k, out));
    }
    if (!fact.args.empty()) out->facts.push_back(std::move(fact));
  }
}

}  // namespace ntpsweep::syntax
