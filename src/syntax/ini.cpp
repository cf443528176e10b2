// systemd-style INI files (timesyncd.conf, *.network): [Section] headers, Key=Value lines,
// whole-line comments with '#' or ';'.
#include "syntax/ini.h"

#include "core/strings.h"
#include "syntax/lines.h"

namespace ntpsweep::syntax {
namespace {

// systemd's parser blanks: no form feed or vertical tab.
constexpr std::string_view kBlanks = " \t\r";

bool IsSpace(char c) { return kBlanks.find(c) != std::string_view::npos; }

}  // namespace

void ReadIni(std::string_view text, Document* out) {
  std::vector<Fact>& facts = out->facts;
  std::string_view section;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    size_t i = 0;
    while (i < line.size() && IsSpace(line[i])) ++i;
    bool commented = false;
    if (i < line.size() && (line[i] == '#' || line[i] == ';')) {
      commented = true;
      while (i < line.size() && (line[i] == '#' || line[i] == ';' || IsSpace(line[i]))) ++i;
    }
    std::string_view body = line.substr(i);
    if (!body.empty() && body.front() == '[') {
      size_t close = body.find(']');
      if (!commented && close != std::string_view::npos)
        section = Trim(body.substr(1, close - 1), kBlanks);
    } else if (size_t eq = body.find('='); eq != std::string_view::npos && eq > 0) {
      Fact fact;
      fact.section = section;
      fact.name = Trim(body.substr(0, eq), kBlanks);
      fact.name_offset = pos + i;
      fact.commented = commented;
      fact.line_offset = pos;
      // systemd values have no inline comments; quotes are not special for NTP= lists.
      Tokenize(body.substr(eq + 1), pos + i + eq + 1, false, false, &fact.args);
      if (!fact.name.empty() && fact.name.find(' ') == std::string_view::npos)
        facts.push_back(std::move(fact));
    }
    pos = eol + 1;
  }
}

}  // namespace ntpsweep::syntax
