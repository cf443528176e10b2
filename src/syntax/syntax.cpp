#include "syntax/syntax.h"

#include "syntax/ini.h"
#include "syntax/lines.h"

namespace ntpsweep::syntax {
namespace {

std::vector<Fact> ReadNtpConf(std::string_view text) { return ReadLines(text, LineSyntax{}); }

// chrony allows only whole-line comments, introduced by any of ! ; # %.
std::vector<Fact> ReadChrony(std::string_view text) {
  return ReadLines(text, LineSyntax{.comment_chars = "!;#%", .trailing_comments = true});
}

std::vector<Fact> ReadOpenNtpd(std::string_view text) { return ReadLines(text, LineSyntax{}); }

std::vector<Fact> ReadShellVars(std::string_view text) {
  return ReadLines(text, LineSyntax{.key_value = true});
}

// One or more host names per line (e.g. /etc/ntp/step-tickers); every word is an argument.
std::vector<Fact> ReadHostList(std::string_view text) {
  std::vector<Fact> facts = ReadLines(text, LineSyntax{});
  for (Fact& f : facts) {
    f.args.insert(f.args.begin(), Token{f.name, f.name_offset});
    f.name = "";
  }
  return facts;
}

}  // namespace

const std::vector<SyntaxInfo>& Syntaxes() {
  static const std::vector<SyntaxInfo> table = {
      {"ntp-conf", "ntpd 4.2.8 / ntpsec ntp.conf: directive lines, '#' comments", ReadNtpConf},
      {"chrony", "chrony.conf and *.sources: directive lines, '! ; # %' comments", ReadChrony},
      {"openntpd", "OpenNTPD ntpd.conf: directive lines with quoted strings", ReadOpenNtpd},
      {"systemd-ini", "systemd unit-style INI ([Section], Key=Value)", ReadIni},
      {"shell-vars", "shell variable files (KEY=\"value\"), e.g. /etc/default/*", ReadShellVars},
      {"host-list", "one or more host names per line, e.g. /etc/ntp/step-tickers", ReadHostList},
  };
  return table;
}

const SyntaxInfo* FindSyntax(std::string_view name) {
  for (const SyntaxInfo& s : Syntaxes())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace ntpsweep::syntax
