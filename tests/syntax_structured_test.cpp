// TOML, Nix, INI and .properties readers (issue 8, kind 5): key paths, positions of values,
// commented-out settings, malformed input; and the one time-server key pattern of
// rules/data.yaml that every structured syntax shares, with its decoys.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "rules/evaluate.h"
#include "rules/rule.h"
#include "syntax/syntax.h"
#include "syntax/template.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::syntax;

struct Read {
  Document doc;
  std::string text;
  Read(const std::string& syntax, std::string t, const std::string& path = "x")
      : text(std::move(t)) {
    ReadDocument(*FindSyntax(syntax), path, text, &doc);
  }
  const Fact* Named(std::string_view name, size_t nth = 0) const {
    for (const Fact& f : doc.facts)
      if (f.name == name && nth-- == 0) return &f;
    return nullptr;
  }
  std::vector<std::string> Args(std::string_view name, size_t nth = 0) const {
    std::vector<std::string> out;
    if (const Fact* f = Named(name, nth))
      for (const Token& t : f->args) out.push_back(std::string(t.text));
    return out;
  }
  // Where the token `word` of fact `name` sits in the text, as written there.
  std::string At(std::string_view name, std::string_view word) const {
    for (const Fact& f : doc.facts)
      if (f.name == name)
        for (const Token& t : f.args)
          if (t.text == word)
            return text.substr(t.offset, t.verbatim() ? t.text.size() : t.source_length);
    return "<none>";
  }
};

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("toml: key paths from tables, dotted keys, arrays of tables; values at their bytes",
          "[syntax][toml]") {
  Read r("toml",
         "# settings\n"
         "ntp_servers = [\"10.0.0.1\", 'b.example.com']\n"
         "a.\"x.y\".time_server = \"c.example.com d.example.com\"\n"
         "[agent]\n"
         "ntp = \"\"\"\n"
         "e.example.com\"\"\"\n"
         "esc = \"f\\u002eexample.com\"\n"
         "port = 123\n"
         "[[agent.sources]]\n"
         "host = \"g.example.com\"  # inline\n"
         "# servers = [\"h.example.com\"]\n");
  CHECK(r.doc.diagnostics.empty());
  CHECK(r.Args("ntp_servers[]", 0) == V{"10.0.0.1"});
  CHECK(r.Args("ntp_servers[]", 1) == V{"b.example.com"});
  CHECK(r.At("ntp_servers[]", "b.example.com") == "b.example.com");
  CHECK(r.Args("a.\"x.y\".time_server") == V{"c.example.com", "d.example.com"});
  CHECK(r.At("a.\"x.y\".time_server", "d.example.com") == "d.example.com");
  CHECK(r.At("agent.ntp", "e.example.com") == "e.example.com");
  // An escape: the decoded value, spanning the string as written.
  CHECK(r.Args("agent.esc") == V{"f.example.com"});
  CHECK(r.At("agent.esc", "f.example.com") == "\"f\\u002eexample.com\"");
  CHECK(r.Named("agent.port") == nullptr);
  CHECK(r.Args("agent.sources[].host") == V{"g.example.com"});
  REQUIRE(r.Named("agent.sources[].servers[]"));
  CHECK(r.Named("agent.sources[].servers[]")->commented);
  CHECK(r.Args("agent.sources[].servers[]") == V{"h.example.com"});
  const Fact* f = r.Named("ntp_servers[]");
  REQUIRE(f);
  CHECK(r.text.substr(f->name_offset, 11) == "ntp_servers");
}

TEST_CASE("toml: a document toml++ rejects is read line by line, after a notice at the place",
          "[syntax][toml]") {
  Read r("toml", "[ntp]\nservers = [\"a.example.com\"]\nk = = 1\nserver = \"b.example.com\"\n");
  REQUIRE(r.doc.diagnostics.size() == 1);
  CHECK(r.doc.diagnostics[0].message.starts_with("not valid TOML"));
  CHECK(r.text.substr(r.doc.diagnostics[0].offset).starts_with("= 1"));
  CHECK(r.Args("ntp.servers[]") == V{"a.example.com"});
  CHECK(r.Args("ntp.server") == V{"b.example.com"});
}

TEST_CASE("toml: valid documents have no diagnostics; positions count bytes, not characters",
          "[syntax][toml]") {
  Read r("toml", "[\"zoné\"]\n\"näme\" = \"ü\" \nntp = [ \"a.example.com\" ]\n");
  CHECK(r.doc.diagnostics.empty());
  CHECK(r.At("zoné.ntp[]", "a.example.com") == "a.example.com");
  // A template is not TOML until rendered: read line by line, quietly.
  Read t("toml",
         "ntp_servers = {{ ntp_servers | to_json }}\nntp_server = \"{{ a }}\"\nx = "
         "\"j.example.com\"\n",
         "agent.toml.j2");
  CHECK(t.doc.diagnostics.empty());
  CHECK(t.Args("x") == V{"j.example.com"});
  REQUIRE(t.Named("ntp_server"));
  CHECK(t.Named("ntp_server")->args.at(0).expression);
}

TEST_CASE("nix: attribute paths through sets, lets, lists and module helpers", "[syntax][nix]") {
  Read r("nix",
         "{ config, pkgs, lib ? null, ... }:\n"
         "let\n"
         "  ntpHosts = [ \"10.0.0.1\" ];  # corp\n"
         "in {\n"
         "  imports = [ ./hardware.nix <nixpkgs/nixos/modules/x.nix> ];\n"
         "  networking.timeServers = ntpHosts ++ [ \"b.example.com\" ];\n"
         "  services.chrony = lib.mkIf config.x.enable {\n"
         "    enable = true;\n"
         "    servers = lib.mkForce [\n"
         "      \"c.example.com\"\n"
         "      \"d\\n.example.com\"\n"
         "    ];\n"
         "    extraConfig = ''\n"
         "      makestep 1 3\n"
         "      ''${x} server e.example.com\n"
         "    '';\n"
         "  };\n"
         "  inherit (pkgs) foo;\n"
         "  users.users.\"a.b\".description = \"f.example.com\";\n"
         "  # services.ntp.servers = [ \"g.example.com\" ];\n"
         "  x = /* note */ \"${pkgs.y}/bin h.example.com\";\n"
         "}\n");
  CHECK(r.Args("ntpHosts[]") == V{"10.0.0.1"});
  CHECK(r.At("ntpHosts[]", "10.0.0.1") == "10.0.0.1");
  CHECK(r.Args("networking.timeServers[]") == V{"b.example.com"});
  CHECK(r.Args("services.chrony.servers[]", 0) == V{"c.example.com"});
  CHECK(r.At("services.chrony.servers[]", "c.example.com") == "c.example.com");
  CHECK(r.Named("services.chrony.enable") == nullptr);
  // Escapes decode; the token spans what was written.
  CHECK(r.Args("services.chrony.servers[]", 1) == V{"d", ".example.com"});
  // ''indented strings'': indentation removed, ''${ is a literal ${.
  CHECK(r.Args("services.chrony.extraConfig") ==
        V{"makestep", "1", "3", "${x}", "server", "e.example.com"});
  CHECK(r.At("services.chrony.extraConfig", "e.example.com") == "e.example.com");
  CHECK(r.Args("users.users.\"a.b\".description") == V{"f.example.com"});
  REQUIRE(r.Named("services.ntp.servers[]"));
  CHECK(r.Named("services.ntp.servers[]")->commented);
  CHECK(r.At("services.ntp.servers[]", "g.example.com") == "g.example.com");
  CHECK(r.Args("x").back() == "h.example.com");
  // The name points at the binding.
  const Fact* f = r.Named("networking.timeServers[]");
  REQUIRE(f);
  CHECK(r.text.substr(f->name_offset, 10) == "networking");
}

TEST_CASE("ini: sections compose key paths; quotes, lists, inline and commented lines",
          "[syntax][ini]") {
  Read r("ini",
         "top = 1\n"
         "[Network Settings]\n"
         "ntp_servers = 10.0.0.1, \"b.example.com\"   ; two\n"
         "NtpServer: c.example.com\n"
         "; server = d.example.com\n"
         "# a sentence with: a colon\n"
         "list = [e.example.com, f.example.com]\n"
         "url = http://g.example.com/x#frag\n");
  CHECK(r.Args("top") == V{"1"});
  CHECK(r.Args("Network Settings.ntp_servers") == V{"10.0.0.1", "b.example.com"});
  CHECK(r.At("Network Settings.ntp_servers", "b.example.com") == "b.example.com");
  REQUIRE(r.Named("Network Settings.NtpServer"));
  CHECK(r.Named("Network Settings.NtpServer")->section == "Network Settings");
  REQUIRE(r.Named("Network Settings.server"));
  CHECK(r.Named("Network Settings.server")->commented);
  CHECK(r.Named("Network Settings.a sentence with") == nullptr);
  CHECK(r.Args("Network Settings.list[]") == V{"e.example.com", "f.example.com"});
  CHECK(r.Args("Network Settings.url") == V{"http://g.example.com/x#frag"});
}

TEST_CASE("properties: separators, escapes, continuations, comments", "[syntax][properties]") {
  Read r("properties",
         "ntp.server=10.0.0.1\n"
         "ntp.servers = b.example.com,\\\n"
         "    c.example.com\n"
         "  time\\:server : d\\u002eexample.com\n"
         "ntpHost e.example.com\n"
         "! ntp.server=f.example.com\n"
         "#  a comment line\n"
         "empty=\n");
  CHECK(r.Args("ntp.server") == V{"10.0.0.1"});
  CHECK(r.At("ntp.server", "10.0.0.1") == "10.0.0.1");
  CHECK(r.Args("ntp.servers") == V{"b.example.com,", "c.example.com"});
  CHECK(r.At("ntp.servers", "c.example.com") == "c.example.com");
  CHECK(r.Args("time:server") == V{"d.example.com"});
  CHECK(r.At("time:server", "d.example.com") == "d\\u002eexample.com");
  CHECK(r.Args("ntpHost") == V{"e.example.com"});
  REQUIRE(r.Named("ntp.server", 1));
  CHECK(r.Named("ntp.server", 1)->commented);
  CHECK(r.Named("empty") == nullptr);
}

TEST_CASE("time-server key pattern: one pattern for every structured syntax, with decoys",
          "[syntax][rules]") {
  rules::RuleSet set;
  set.LoadBuiltin();
  const rules::Rule* rule = set.Find("toml-time-server-key");
  REQUIRE(rule);
  REQUIRE(rule->key_pattern);
  // The same pattern (one YAML anchor) in each rule of rules/data.yaml.
  for (const char* id :
       {"nix-time-server-key", "ini-time-server-key", "properties-time-server-key"}) {
    REQUIRE(set.Find(id));
    REQUIRE(set.Find(id)->key_pattern);
    CHECK(set.Find(id)->key_pattern->pattern() == rule->key_pattern->pattern());
  }
  auto names = [&](std::string_view key) {
    Fact f;
    f.name = key;
    return rules::NamesFact(*rule, f);
  };
  for (const char* key : {"ntp",
                          "ntp_servers[]",
                          "time-servers",
                          "timeServers[]",
                          "NtpServer",
                          "ntpHost",
                          "time_server",
                          "ntp.server",
                          "ntp.servers[]",
                          "networking.timeServers[]",
                          "services.chrony.servers[]",
                          "services.ntp.servers[]",
                          "services.openntpd.servers[]",
                          "services.timesyncd.servers[]",
                          "Time.NTP",
                          "TIME_SERVERS",
                          "DefaultNTPServer",
                          "gcpTimeServer",
                          "corpNtp[]",
                          "ntp_servers[].address",
                          "sntp_server",
                          "NTP_SERVER_LIST",
                          "env[NTP_SERVERS].value"}) {
    INFO(key);
    CHECK(names(key));
  }
  for (const char* key :
       {"ntp_enabled", "ntpsec_version", "mountpoint", "printpath", "ntp.enabled", "time",
        "timeout", "runtime_servers", "nntp_server", "NNTPServer", "ntp_server_port", "dns_servers",
        "Time.Zone", "services.chrony.enable", "ntp_version", "uptime_host"}) {
    INFO(key);
    CHECK(!names(key));
  }
}
