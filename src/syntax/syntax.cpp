#include "syntax/syntax.h"

#include "syntax/ini.h"
#include "syntax/lines.h"

namespace ntpsweep::syntax {
namespace {

void ReadNtpConf(std::string_view text, Document* out) { out->facts = ReadLines(text, LineSyntax{}); }

// chrony allows only whole-line comments, introduced by any of ! ; # %.
void ReadChrony(std::string_view text, Document* out) {
  out->facts = ReadLines(text, LineSyntax{.comment_chars = "!;#%", .trailing_comments = true});
}

void ReadOpenNtpd(std::string_view text, Document* out) { out->facts = ReadLines(text, LineSyntax{}); }

void ReadShellVars(std::string_view text, Document* out) {
  out->facts = ReadLines(text, LineSyntax{.key_value = true});
}

// One or more host names per line (e.g. /etc/ntp/step-tickers); every word is an argument.
void ReadHostList(std::string_view text, Document* out) {
  out->facts = ReadLines(text, LineSyntax{});
  for (Fact& f : out->facts) {
    f.args.insert(f.args.begin(), Token{f.name, f.name_offset});
    f.name = "";
  }
}

}  // namespace

const std::vector<SyntaxInfo>& Syntaxes() {
  static const std::vector<SyntaxInfo> table = {
      // ntpsec's includefile also takes a directory of *.conf files.
      {"ntp-conf", "ntpd 4.2.8 / ntpsec ntp.conf: directive lines, '#' comments", ReadNtpConf,
       {{"includefile", "*.conf", true}}},
      {"chrony", "chrony.conf and *.sources: directive lines, '! ; # %' comments", ReadChrony,
       {{"include", "", true}, {"confdir", "*.conf", false}, {"sourcedir", "*.sources", false}},
       true},
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
