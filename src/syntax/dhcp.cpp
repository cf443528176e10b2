#include "syntax/dhcp.h"

#include <cctype>
#include <map>

#include "core/line_index.h"
#include "syntax/lines.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;

// Statements of dhcpd.conf between `from` and `to`; `commented` marks facts from comments.
void DhcpdStatements(std::string_view text, std::string_view view, bool commented, Document* out) {
  LineStartCursor line_starts(view);  // the statements' lines, asked in order
  std::vector<Token> words;
  size_t line_offset = 0;
  auto flush = [&]() {
    if (words.empty()) return;
    Fact f;
    f.commented = commented;
    f.line_offset = line_offset;
    size_t first = 0;
    if (words[0].text == "option" && words.size() >= 2) {
      f.section = "option";
      first = 1;
    }
    f.name = text.substr(words[first].offset, words[first].text.size());
    f.name_offset = words[first].offset;
    for (size_t i = first + 1; i < words.size(); ++i)
      f.args.push_back(Token{text.substr(words[i].offset, words[i].text.size()), words[i].offset});
    out->facts.push_back(std::move(f));
    words.clear();
  };
  size_t i = 0;
  while (i < view.size()) {
    char c = view[i];
    if (c == '#') {
      while (i < view.size() && view[i] != '\n') ++i;
    } else if (c == ';' || c == '{' || c == '}') {
      flush();
      ++i;
    } else if (c == '"') {
      size_t e = view.find('"', i + 1);
      if (e == npos) e = view.size();
      if (words.empty()) line_offset = i;
      words.push_back(Token{view.substr(i + 1, e - i - 1), i + 1});
      i = e + 1;
    } else if (IsSpace(c) || c == '\n') {
      ++i;
    } else {
      size_t s = i;
      while (i < view.size() && !IsSpace(view[i]) && view[i] != '\n' && view[i] != ';' &&
             view[i] != '{' && view[i] != '}' && view[i] != '#' && view[i] != '"')
        ++i;
      if (words.empty()) {
        line_offset = line_starts(s);
      }
      words.push_back(Token{view.substr(s, i - s), s});
    }
  }
  flush();
}

std::string DnsmasqOption(std::string_view field) {
  static const std::map<std::string, std::string> kNumbers = {
      {"42", "ntp-server"}, {"4", "time-server"}, {"option:42", "ntp-server"},
      {"option6:56", "ntp-server6"}, {"option6:31", "sntp-server6"}};
  std::string f(field);
  if (auto it = kNumbers.find(f); it != kNumbers.end()) return it->second;
  if (f.starts_with("option:")) return f.substr(7);
  if (f.starts_with("option6:")) return f.substr(8) + "6";
  return f;
}

}  // namespace

void ReadDhcpd(std::string_view text, Document* out) {
  DhcpdStatements(text, text, false, out);
  // Comment lines hold commented-out statements ("#option ntp-servers 10.0.0.1;").
  std::string view(text);
  bool any = false;
  size_t pos = 0;
  while (pos < view.size()) {
    size_t e = view.find('\n', pos);
    if (e == npos) e = view.size();
    size_t s = pos;
    while (s < e && IsSpace(view[s])) ++s;
    if (s < e && view[s] == '#') {
      any = true;
      while (s < e && view[s] == '#') view[s++] = ' ';
    } else {
      for (size_t k = pos; k < e; ++k) view[k] = ' ';
    }
    pos = e + 1;
  }
  if (any) DhcpdStatements(text, out->Keep(std::move(view)), true, out);
}

void ReadDnsmasq(std::string_view text, Document* out) {
  size_t i = 0;
  while (i < text.size()) {
    size_t e = text.find('\n', i);
    if (e == npos) e = text.size();
    size_t s = i;
    while (s < e && IsSpace(text[s])) ++s;
    bool commented = s < e && text[s] == '#';
    while (s < e && (text[s] == '#' || IsSpace(text[s]))) ++s;
    if (text.substr(s, 2) == "--") s += 2;
    size_t eq = text.find('=', s);
    if (s < e && eq != npos && eq < e) {
      std::string_view key = Trim(text.substr(s, eq - s));
      Fact f;
      f.commented = commented;
      f.line_offset = i;
      f.name_offset = s;
      std::vector<Token> fields;
      size_t b = eq + 1;
      for (size_t k = eq + 1; k <= e; ++k) {
        if (k < e && text[k] != ',') continue;
        std::string_view v = text.substr(b, k - b);
        size_t lead = 0;
        while (lead < v.size() && IsSpace(v[lead])) ++lead;
        v = Trim(v);
        if (!v.empty()) fields.push_back(Token{v, b + lead});
        b = k + 1;
      }
      if ((key == "dhcp-option" || key == "dhcp-option-force") && !fields.empty()) {
        size_t k = 0;
        auto skip = [](std::string_view v) {
          for (const char* p : {"tag:", "set:", "net:", "vendor:", "encap:", "vi-encap:", "!"})
            if (v.starts_with(p)) return true;
          return false;
        };
        while (k < fields.size() && skip(fields[k].text)) ++k;
        if (k < fields.size()) {
          f.name = out->Keep("dhcp-option:" + DnsmasqOption(fields[k].text));
          f.args.assign(fields.begin() + k + 1, fields.end());
        }
      } else if (!key.empty() && key.find(' ') == npos) {
        f.name = key;
        f.args = fields;
      }
      if (!f.name.empty()) out->facts.push_back(std::move(f));
    }
    i = e + 1;
  }
}

}  // namespace ntpsweep::syntax
