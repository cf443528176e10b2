#include "syntax/syntax.h"

#include <algorithm>

#include "core/glob.h"

#include "syntax/code.h"
#include "syntax/ini.h"
#include "syntax/lines.h"
#include "syntax/dhcp.h"
#include "syntax/dockerfile.h"
#include "syntax/hcl.h"
#include "syntax/installers.h"
#include "syntax/nix.h"
#include "syntax/powershell.h"
#include "syntax/shell.h"
#include "syntax/template.h"
#include "syntax/toml.h"
#include "syntax/yaml.h"

namespace ntpsweep::syntax {

Token DecodedToken(std::string_view document, std::string_view decoded, const OffsetMap& map,
                   size_t if_empty, size_t a, size_t b, Document* doc) {
  size_t outer = OuterOffset(map, a, if_empty);
  if (IsVerbatim(map, a, b, decoded.size())) return Token{document.substr(outer, b - a), outer};
  Token t{doc->Keep(std::string(decoded.substr(a, b - a))), outer};
  size_t outer_end = b > a ? OuterOffset(map, b - 1, if_empty) + 1 : outer;
  t.source_length = std::max<size_t>(outer_end > outer ? outer_end - outer : 1, 1);
  return t;
}

std::string NestingDiagnostic(std::string_view what) {
  return std::string(what) + " nested deeper than " + std::to_string(kMaxNesting) +
         " levels: the deeper part was not read as structure (its text is still matched as free "
         "text)";
}

void EmbedRange(std::string_view text, size_t begin, size_t end, std::string path, Document* out) {
  if (end <= begin) return;
  EmbeddedDocument d;
  d.path = std::move(path);
  d.text = std::string(text.substr(begin, end - begin));
  d.line_map = {{0, begin}};
  d.outer_offset = begin;
  d.outer_length = end - begin;
  if (d.text.back() != '\n') d.text += '\n';  // readers expect whole lines
  out->embedded.push_back(std::move(d));
}

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
  // A commented line is a commented-out host ("# ntp2.corp.com"), or prose: more than one word.
  std::erase_if(out->facts, [](const Fact& f) { return f.commented && !f.args.empty(); });
  for (Fact& f : out->facts) {
    f.args.insert(f.args.begin(), Token{f.name, f.name_offset});
    f.name = "";
  }
}

}  // namespace

const std::vector<SyntaxInfo>& Syntaxes() {
  static const std::vector<SyntaxInfo> table = {
      // ntpsec's includefile also takes a directory of *.conf files.
      {.name = "ntp-conf",
       .description = "ntpd 4.2.8 / ntpsec ntp.conf: directive lines, '#' comments",
       .read = ReadNtpConf,
       .includes = {{"includefile", "*.conf", true}}},
      {.name = "chrony",
       .description = "chrony.conf and *.sources: directive lines, '! ; # %' comments",
       .read = ReadChrony,
       .includes = {{"include", "", true},
                    {"confdir", "*.conf", false},
                    {"sourcedir", "*.sources", false}},
       .ignore_case = true},
      {.name = "openntpd",
       .description = "OpenNTPD ntpd.conf: directive lines with quoted strings",
       .read = ReadOpenNtpd},
      {.name = "systemd-ini",
       .description = "systemd unit-style INI ([Section], Key=Value)",
       .read = ReadIni,
       .binds_values = true},
      {.name = "shell-vars",
       .description = "shell variable files (KEY=\"value\"), e.g. /etc/default/*",
       .read = ReadShellVars,
       .binds_values = true},
      {.name = "host-list",
       .description = "one or more host names per line, e.g. /etc/ntp/step-tickers",
       .read = ReadHostList},
      {.name = "template",
       .description = "template files (Jinja2, ERB, EPP, Go, Terraform): the config they render",
       .read = ReadTemplate,
       .embeds = true},
      {.name = "yaml",
       .description = "YAML (cloud-init, Ansible, Hiera, Salt, Kubernetes, compose): key paths",
       .read = ReadYaml,
       .decodes = true,
       .embeds = true,
       .install_words = {"src", "source"},  // Ansible copy/template, Packer JSON "file"
       .binds_values = true},
      {.name = "json",
       .description = "JSON with comments (Packer, Kea, tfvars.json): key paths",
       .read = ReadJson,
       .decodes = true,
       .embeds = true,
       .binds_values = true},
      {.name = "hcl",
       .description = "HCL2 (Packer .pkr.hcl/.pkrvars.hcl, Terraform .tf/.tfvars): key paths",
       .read = ReadHcl,
       .embeds = true,
       .install_words = {"source"},  // a file provisioner
       .binds_values = true,
       .bare_expressions = true},
      {.name = "shell",
       .description = "shell scripts, RUN/inline/runcmd commands, cron lines: commands, writes",
       .read = ReadShell,
       .embeds = true,
       .pulls = {"source", "."},
       .dialects = {{"**/*.ps1", "powershell"}, {"**/*.psm1", "powershell"}}},
      {.name = "powershell",
       .description = "PowerShell scripts: the shell reader after PowerShell lexing",
       .read = ReadPowerShell,
       .embeds = true},
      {.name = "dockerfile",
       .description = "Dockerfile/Containerfile: ENV/ARG, RUN scripts, COPY/ADD",
       .read = ReadDockerfile,
       .embeds = true,
       .install_words = {"copy", "add"}},
      {.name = "kickstart",
       .description = "kickstart: timesource/timezone commands; %post scripts",
       .read = ReadKickstart,
       .embeds = true,
       .pulls = {"%include"}},
      {.name = "preseed",
       .description = "Debian preseed: d-i questions and values",
       .read = ReadPreseed,
       .embeds = true},
      {.name = "xml",
       .description = "XML (AutoYaST): element paths",
       .read = ReadXml,
       .embeds = true,
       .binds_values = true},
      {.name = "dhcpd", .description = "ISC dhcpd.conf: option statements", .read = ReadDhcpd},
      {.name = "dnsmasq", .description = "dnsmasq.conf: dhcp-option lines", .read = ReadDnsmasq},
      {.name = "toml",
       .description = "TOML (toml++, with positions): key paths; argument arrays as commands",
       .read = ReadToml,
       .embeds = true,
       .binds_values = true},
      {.name = "nix",
       .description = "Nix expressions (NixOS modules, flakes): attribute paths",
       .read = ReadNix,
       .binds_values = true},
      {.name = "ini",
       .description = "INI files ([section], key = value): key paths section.key",
       .read = ReadIniData,
       .binds_values = true},
      {.name = "properties",
       .description = "Java .properties (key=value, continuations, escapes): keys",
       .read = ReadProperties,
       .binds_values = true},
      {.name = "code",
       .description =
           "program source (Go, Python, Ruby, JS/TS, Java, C/C++, Rust): names bound to strings",
       .read = ReadCode,
       .binds_values = true},
  };
  return table;
}

const SyntaxInfo* FindSyntax(std::string_view name) {
  for (const SyntaxInfo& s : Syntaxes())
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> InstallSourceDirs(std::string_view dir) {
  std::vector<std::string> dirs{std::string(dir)};
  // Ansible's template and copy modules look in the role's templates/ and files/.
  if (dir == "tasks/" || dir.ends_with("/tasks/")) {
    std::string_view role = dir.substr(0, dir.size() - 6);
    for (std::string_view sub : {"templates/", "files/"}) dirs.push_back(std::string(role) += sub);
  }
  return dirs;
}

std::string_view ReadingSyntax(std::string_view syntax, std::string_view path) {
  if (const SyntaxInfo* info = FindSyntax(syntax))
    for (const auto& [glob, dialect] : info->dialects)
      if (GlobMatch(glob, path)) return dialect;
  return syntax;
}

}  // namespace ntpsweep::syntax
