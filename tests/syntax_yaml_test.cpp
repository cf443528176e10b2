// YAML/JSON reader: key paths, exact offsets of every scalar, commented YAML, embedded documents.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "syntax/syntax.h"
#include "syntax/template.h"

namespace {

using namespace ntpsweep::syntax;

struct Read {
  Document doc;
  std::string text;
  Read(const std::string& syntax, std::string t, const std::string& path = "x.yaml") : text(std::move(t)) {
    ReadDocument(*FindSyntax(syntax), path, text, &doc);
  }
  // "name=arg0 arg1@offset" of every fact with a name containing `filter`.
  std::vector<std::string> Facts(const std::string& filter = "") const {
    std::vector<std::string> out;
    for (const Fact& f : doc.facts) {
      if (std::string(f.name).find(filter) == std::string::npos || std::string(f.name).ends_with("{}")) continue;
      std::string s = std::string(f.name) + (f.commented ? " #=" : "=");
      for (size_t i = 0; i < f.args.size(); ++i)
        s += (i ? " " : "") + std::string(f.args[i].text) + "@" + std::to_string(f.args[i].offset);
      out.push_back(s);
    }
    return out;
  }
};

size_t Offset(const std::string& text, const std::string& needle, size_t nth = 0) {
  size_t at = text.find(needle);
  for (; nth > 0; --nth) at = text.find(needle, at + 1);
  return at;
}

}  // namespace

TEST_CASE("yaml: block and flow collections, quoted scalars, offsets", "[syntax][yaml]") {
  std::string t =
      "ntp:\n"
      "  servers: [10.0.0.1, 'b.example.com']\n"
      "  pools:\n"
      "    - \"c.example.com iburst\"\n"
      "    - d.example.com   # a comment\n";
  Read r("yaml", t);
  CHECK(r.Facts("ntp.") == std::vector<std::string>{
                               "ntp.servers[]=10.0.0.1@" + std::to_string(Offset(t, "10.0.0.1")),
                               "ntp.servers[]=b.example.com@" + std::to_string(Offset(t, "b.example")),
                               "ntp.pools[]=c.example.com@" + std::to_string(Offset(t, "c.example")) +
                                   " iburst@" + std::to_string(Offset(t, "iburst")),
                               "ntp.pools[]=d.example.com@" + std::to_string(Offset(t, "d.example"))});
}

TEST_CASE("yaml: escapes decode with the whole scalar's span; keys with dots are quoted", "[syntax][yaml]") {
  std::string t = "a: \"10.0.0\\u002e1 x\"\nchrony::pools:\n  ntp1.example.com: [iburst]\n";
  Read r("yaml", t);
  const Fact* esc = nullptr;
  const Fact* key = nullptr;
  for (const Fact& f : r.doc.facts) {
    if (f.name == "a") esc = &f;
    if (f.name == "chrony::pools{}") key = &f;
  }
  REQUIRE(esc);
  REQUIRE(esc->args.size() == 2);
  CHECK(esc->args[0].text == "10.0.0.1");
  CHECK(!esc->args[0].verbatim());
  REQUIRE(key);
  CHECK(key->args[0].text == "ntp1.example.com");
  CHECK(r.Facts("iburst").empty());
  CHECK(r.Facts("chrony::pools.\"ntp1.example.com\"[]") ==
        std::vector<std::string>{"chrony::pools.\"ntp1.example.com\"[]=iburst@" + std::to_string(Offset(t, "iburst"))});
}

TEST_CASE("yaml: commented-out YAML is read under the key it sits in", "[syntax][yaml]") {
  std::string t =
      "ntp:\n"
      "  servers:\n"
      "#    - 10.0.0.9\n"
      "    - 10.0.0.1\n"
      "ntp_restrict:\n"
      "  - 127.0.0.1\n"
      "# ntp_servers:\n"
      "#   - 10.0.0.2\n";
  Read r("yaml", t);
  CHECK(r.Facts("servers") == std::vector<std::string>{
                                  "ntp.servers[]=10.0.0.1@" + std::to_string(Offset(t, "10.0.0.1")),
                                  "ntp.servers[] #=10.0.0.9@" + std::to_string(Offset(t, "10.0.0.9")),
                                  "ntp_servers[] #=10.0.0.2@" + std::to_string(Offset(t, "10.0.0.2"))});
}

TEST_CASE("yaml: env lists, name/value items and template-injected values", "[syntax][yaml]") {
  std::string t =
      "environment:\n"
      "  - NTP_SERVERS=a.example.com,b.example.com\n"
      "env:\n"
      "  - name: NTP_SERVERS\n"
      "    value: c.example.com\n"
      "ntp:\n"
      "  servers:\n"
      "${ntp_servers}\n"
      "line: {{ item }}\n";
  Read r("yaml", t, "user_data.yaml.tpl");
  auto facts = r.Facts();
  CHECK(std::find(facts.begin(), facts.end(),
                  "environment.NTP_SERVERS=a.example.com,b.example.com@" + std::to_string(Offset(t, "a.example"))) !=
        facts.end());
  CHECK(std::find(facts.begin(), facts.end(),
                  "env[NTP_SERVERS].value=c.example.com@" + std::to_string(Offset(t, "c.example"))) != facts.end());
  bool injected = false, templated = false;
  for (const Fact& f : r.doc.facts) {
    if (f.name == "ntp.servers") {
      injected = f.args.size() == 1 && f.args[0].text == "${ntp_servers}" && f.args[0].expression;
      REQUIRE(!f.variables.empty());
      CHECK(f.variables[0] == "ntp_servers");
    }
    if (f.name == "line") templated = f.args.size() == 1 && f.args[0].text == "{{ item }}" && f.args[0].expression;
  }
  CHECK(injected);
  CHECK(templated);
}

TEST_CASE("yaml: cloud-init write_files, encodings and runcmd are embedded documents", "[syntax][yaml]") {
  std::string t =
      "#cloud-config\n"
      "write_files:\n"
      "  - path: /etc/chrony.conf\n"
      "    content: |\n"
      "      server 10.0.0.1 iburst\n"
      "  - path: /etc/ntp.conf\n"
      "    encoding: b64\n"
      "    content: c2VydmVyIDEwLjAuMC4xCg==\n"
      "runcmd:\n"
      "  - ntpdate 10.0.0.1\n"
      "  - [sed, -i, 's/a/server 10.0.0.1/', /etc/chrony.conf]\n";
  Read r("yaml", t);
  REQUIRE(r.doc.embedded.size() == 3);
  const EmbeddedDocument& plain = r.doc.embedded[0];
  CHECK(plain.path == "/etc/chrony.conf");
  CHECK(plain.text == "server 10.0.0.1 iburst\n");
  REQUIRE(!plain.line_map.empty());
  CHECK(plain.line_map[0].second == Offset(t, "server 10.0.0.1 iburst"));
  const EmbeddedDocument& b64 = r.doc.embedded[1];
  CHECK(b64.path == "/etc/ntp.conf");
  CHECK(b64.text == "server 10.0.0.1\n");
  CHECK(b64.line_map.empty());  // decoded: findings cover the encoded value
  CHECK(b64.outer_offset == Offset(t, "c2Vy"));
  const EmbeddedDocument& run = r.doc.embedded[2];
  CHECK(run.path == "cloud-init/runcmd.sh");
  CHECK(run.text.starts_with("ntpdate 10.0.0.1\nsed -i 's/a/server 10.0.0.1/' /etc/chrony.conf\n"));
}

TEST_CASE("yaml: write_files content tagged !!binary is base64 before its encoding",
          "[syntax][yaml]") {
  // cloud-init's own gzip example: the loader turns !!binary into bytes, then gunzips them.
  std::string t =
      "#cloud-config\n"
      "write_files:\n"
      "  - path: /etc/chrony.conf\n"
      "    encoding: gzip\n"
      "    content: !!binary |\n"
      "      H4sIAAAAAAACAytOLSpLLVIwNNADQUOFzKTSouISLgAb/wW3FwAAAA==\n"
      "  - path: /etc/ntp.conf\n"
      "    content: !!binary cG9vbCAxMC4wLjAuMSBpYnVyc3QK\n"
      "  - path: /etc/ntp.d/a.conf\n"
      "    content: !!str c2VydmVyIDEwLjAuMC4xMAo=\n"  // decoy: another tag, text as written
      "  - path: /etc/ntp.d/b.conf\n"
      "    content: !custom c2VydmVyIDEwLjAuMC4xMAo=\n";  // decoy: a local tag is no encoding
  Read r("yaml", t);
  CHECK(r.doc.diagnostics.empty());
  REQUIRE(r.doc.embedded.size() == 4);
  CHECK(r.doc.embedded[0].path == "/etc/chrony.conf");
  CHECK(r.doc.embedded[0].text == "server 10.0.0.1 iburst\n");
  CHECK(r.doc.embedded[0].outer_offset == Offset(t, "!!binary |") + 9);
  CHECK(r.doc.embedded[1].path == "/etc/ntp.conf");
  CHECK(r.doc.embedded[1].text == "pool 10.0.0.1 iburst\n");
  CHECK(r.doc.embedded[2].text == "c2VydmVyIDEwLjAuMC4xMAo=\n");
  CHECK(r.doc.embedded[3].text == "c2VydmVyIDEwLjAuMC4xMAo=\n");

  Read bad("yaml",
           "write_files:\n  - path: /etc/ntp.conf\n    content: !!binary \"not base64!\"\n");
  REQUIRE(bad.doc.diagnostics.size() == 1);
  CHECK(bad.doc.diagnostics[0].message.find("!!binary") != std::string::npos);
}

TEST_CASE("yaml: Salt state functions under a state ID are not keys naming hosts",
          "[syntax][yaml]") {
  std::string t =
      "ntp:\n"
      "  pkg.installed:\n"
      "    - name: ntp\n"
      "  file.managed:\n"
      "    - name: /etc/ntp.conf\n"
      "    - source: salt://ntp/ntp.conf\n"
      "  service.running:\n"
      "    - enable: true\n"
      "chrony:\n"
      "  ntp1.corp.example.com:\n"  // decoy: a server keyed by its name, options below
      "    - iburst\n"
      "  time.example:\n"  // decoy: two labels, but options, not Salt arguments
      "    - iburst\n"
      "  ntp2.corp.example.com:\n"
      "    - minpoll: 4\n";
  Read r("yaml", t);
  std::vector<std::string> keys;
  for (const Fact& f : r.doc.facts)
    if ((f.name == "ntp{}" || f.name == "chrony{}") && f.args.size() == 1)
      keys.push_back(std::string(f.name) + "=" + std::string(f.args[0].text));
  CHECK(keys == std::vector<std::string>{"chrony{}=ntp1.corp.example.com", "chrony{}=time.example",
                                         "chrony{}=ntp2.corp.example.com"});
}

TEST_CASE("yaml: Ansible tasks write embedded config lines", "[syntax][yaml]") {
  std::string t =
      "- lineinfile:\n"
      "    path: /etc/chrony.conf\n"
      "    line: \"{{ item }}\"\n"
      "  loop:\n"
      "    - '# comment'\n"
      "    - server 10.0.0.1 iburst\n"
      "- copy:\n"
      "    dest: /etc/ntp.conf\n"
      "    content: |\n"
      "      server 10.0.0.2\n"
      "- template: src=chrony.conf.j2 dest=/etc/chrony/chrony.conf\n";
  Read r("yaml", t);
  REQUIRE(r.doc.embedded.size() == 2);
  CHECK(r.doc.embedded[0].path == "/etc/chrony.conf");
  CHECK(r.doc.embedded[0].text == "# comment\nserver 10.0.0.1 iburst\n");
  CHECK(r.doc.embedded[1].path == "/etc/ntp.conf");
  bool install = false;
  for (const Fact& f : r.doc.facts)
    if (f.name == "@install") install = f.args.size() == 2 && f.args[0].text == "chrony.conf.j2" && f.args[1].text == "/etc/chrony/chrony.conf";
  CHECK(install);
}

TEST_CASE("json: comments, key paths, Kea option names", "[syntax][json]") {
  std::string t =
      "{\n"
      "  // Kea\n"
      "  \"Dhcp4\": { \"option-data\": [ { \"name\": \"ntp-servers\", \"data\": \"10.0.0.1, 10.0.0.2\" } ] },\n"
      "  /* block */ \"ntp_servers\": [\"a.example.com\"]\n"
      "}\n";
  Read r("json", t, "kea-dhcp4.conf");
  CHECK(r.Facts("].data") == std::vector<std::string>{
                              "Dhcp4.option-data[ntp-servers].data=10.0.0.1,@" + std::to_string(Offset(t, "10.0.0.1")) +
                              " 10.0.0.2@" + std::to_string(Offset(t, "10.0.0.2"))});
  CHECK(r.Facts("ntp_servers") == std::vector<std::string>{"ntp_servers[]=a.example.com@" + std::to_string(Offset(t, "a.example"))});
}

TEST_CASE("yaml and json: hostile input ends, never hangs", "[syntax][yaml][json]") {
  std::vector<std::string> inputs = {"", "a", "a:", "- ", "[", "{", "\"", "'", "a: |", "a: [1, {b: ",
                                     "- - - -\n  - :", "key: >\n\n\n", "a: b: c: d", "\t\t\n:\n-\n",
                                     "{{ x", "{% for %}", std::string(3000, '['), std::string(3000, '{'),
                                     "x: \"\\u12", "#cloud-config\nwrite_files:\n  - path: /a\n    encoding: gz+b64\n    content: !!!\n"};
  unsigned seed = 7;
  for (int i = 0; i < 300; ++i) {
    std::string s;
    for (int k = 0; k < 60; ++k) {
      seed = seed * 1103515245 + 12345;
      static const char kAlphabet[] = "ab: -[]{}'\"#|>\n\t,&*!%${}";
      s += kAlphabet[(seed >> 16) % (sizeof kAlphabet - 1)];
    }
    inputs.push_back(s);
  }
  for (const std::string& in : inputs) {
    Document y, j;
    ReadDocument(*FindSyntax("yaml"), "x.yaml", in, &y);
    ReadDocument(*FindSyntax("json"), "x.json", in, &j);
  }
  SUCCEED();
}
