// Shell, HCL, Dockerfile, installers and DHCP readers: facts, offsets, embedded documents.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "syntax/shell.h"
#include "syntax/syntax.h"
#include "syntax/template.h"

namespace {

using namespace ntpsweep::syntax;

struct Read {
  Document doc;
  std::string text;
  Read(const std::string& syntax, std::string t, const std::string& path = "x") : text(std::move(t)) {
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
};

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("shell: commands, assignments used by time commands, writes", "[syntax][shell]") {
  std::string t =
      "#!/bin/sh\n"
      "NTP_IP=10.0.0.1\n"
      "OTHER=10.0.0.1\n"
      "CONF=/etc/chrony.conf\n"
      "sudo sed -i \"s/^pool .*/server $NTP_IP iburst/\" \"$CONF\"\n"
      "echo 'server a.example.com' | sudo tee -a /etc/ntp.conf >/dev/null\n"
      "cat > /etc/systemd/timesyncd.conf <<'EOF'\n"
      "[Time]\n"
      "NTP=b.example.com\n"
      "EOF\n"
      "printf 'server %s iburst\\n' c.example.com >> /etc/chrony/chrony.conf\n"
      "*/5 * * * * root /usr/sbin/ntpdate -u d.example.com\n"
      "busybox ntpd -q -p e.example.com\n"
      "chronyd -q 'server f.example.com iburst'\n";
  Read r("shell", t, "provision.sh");
  REQUIRE(r.Named("NTP_IP"));
  CHECK(r.Named("NTP_IP")->section == "time");
  CHECK(r.Named("OTHER")->section.empty());
  CHECK(r.Args("ntpdate") == V{"-u", "d.example.com"});
  CHECK(r.Args("busybox-ntpd") == V{"-q", "-p", "e.example.com"});
  std::vector<std::pair<std::string, std::string>> docs;
  for (const EmbeddedDocument& e : r.doc.embedded) docs.emplace_back(e.path, e.text);
  CHECK(docs == std::vector<std::pair<std::string, std::string>>{
                    {"/etc/chrony.conf", "server $NTP_IP iburst\n"},
                    {"/etc/ntp.conf", "server a.example.com\n"},
                    {"/etc/systemd/timesyncd.conf", "[Time]\nNTP=b.example.com\n"},
                    {"/etc/chrony/chrony.conf", "server c.example.com iburst\n"},
                    {"etc/chrony.conf", "server f.example.com iburst\n"}});
  // Offsets map back: "$NTP_IP" inside the sed replacement, the heredoc line.
  const EmbeddedDocument& sed = r.doc.embedded[0];
  auto outer = [](const EmbeddedDocument& e, size_t inner) {
    auto it = std::upper_bound(e.line_map.begin(), e.line_map.end(), std::make_pair(inner, SIZE_MAX));
    --it;
    return it->second + (inner - it->first);
  };
  CHECK(outer(sed, 7) == t.find("$NTP_IP"));
  CHECK(outer(r.doc.embedded[2], 7) == t.find("NTP=b.example.com"));
  CHECK(outer(r.doc.embedded[3], 7) == t.find("c.example.com"));
  CHECK(IsTimeConfigPath("/etc/chrony/sources.d/x.sources"));
  CHECK(!IsTimeConfigPath("/etc/nginx/nginx.conf"));
}

TEST_CASE("shell: systemd ExecStart, quoted flag values, cron @reboot", "[syntax][shell]") {
  Read r("shell",
         "ExecStart=-/usr/sbin/ntpdate -b a.example.com\n"
         "w32tm /config /manualpeerlist:\"b.example.com,0x8 c.example.com\" /update\n"
         "@reboot ntpdate d.example.com\n");
  CHECK(r.Args("ntpdate") == V{"-b", "a.example.com"});
  CHECK(r.Args("w32tm") == V{"/config", "/manualpeerlist", "b.example.com,0x8 c.example.com", "/update"});
  CHECK(r.Args("ntpdate", 1) == V{"d.example.com"});
  const Fact* w = r.Named("w32tm");
  REQUIRE(w);
  CHECK(w->args[2].offset == r.text.find("b.example.com"));
}

TEST_CASE("shell: loop variables, arrays and cmd.exe set carry a value to a time command",
          "[syntax][shell]") {
  // The shape of docker-ntp's startup.sh: a default, a `for` over the list, a derived name.
  Read posix("shell",
             "#!/bin/bash\n"
             "DEFAULT_NTP=\"a.example.com\"\n"
             "NTP_SERVERS=\"${DEFAULT_NTP}\"\n"
             "for N in $NTP_SERVERS; do\n"
             "  N_CLEANED=${N//\\\"}\n"
             "  echo \"server \"${N_CLEANED}\" iburst\" >> /etc/chrony/chrony.conf\n"
             "done\n"
             "LIST=(b.example.com # first\n"
             "  \"c.example.com\")\n"
             "for s in \"${LIST[@]}\"; do ntpdate -u $s; done\n"
             "for h in d.example.com e.example.com; do ping $h; done\n"
             "DNS=(f.example.com g.example.com)\n"
             "for d in ${DNS[@]}; do echo \"nameserver $d\" >> /etc/resolv.conf; done\n");
  REQUIRE(posix.Named("DEFAULT_NTP"));
  CHECK(posix.Named("DEFAULT_NTP")->section == "time");
  REQUIRE(posix.Named("LIST"));
  CHECK(posix.Args("LIST") == V{"b.example.com", "c.example.com"});
  CHECK(posix.Named("LIST")->section == "time");
  CHECK(posix.Named("LIST")->args[1].offset == posix.text.find("c.example.com"));
  REQUIRE(posix.Named("h"));
  CHECK(posix.Args("h") == V{"d.example.com", "e.example.com"});
  CHECK(posix.Named("h")->section.empty());  // decoy: ping
  REQUIRE(posix.Named("DNS"));
  CHECK(posix.Named("DNS")->section.empty());  // decoy: resolv.conf
  CHECK(posix.Named("d")->section.empty());

  Read ps("powershell",
          "$ntp = @(\n"
          "  \"a.example.com\"   # corp\n"
          "  \"b.example.com\"\n"
          ")\n"
          "$dns = @(\"c.example.com\", \"d.example.com\")\n"
          "foreach ($d in $dns) { Resolve-DnsName $d }\n"
          "ForEach ($s in $ntp) {\n"
          "  w32tm /config /manualpeerlist:$s /update\n"
          "}\n"
          "$T1 = \"e.example.com f.example.com\"\n"
          "$T2 = \"g.example.com\"\n"
          "$ALL = -join ($T1, \" \", $T2)\n"
          "w32tm /config /manualpeerlist:$ALL /update\n",
          "time.ps1");
  REQUIRE(ps.Named("ntp"));
  CHECK(ps.Args("ntp") == V{"a.example.com", "b.example.com"});
  CHECK(ps.Named("ntp")->section == "time");
  REQUIRE(ps.Named("dns"));
  CHECK(ps.Named("dns")->section.empty());
  REQUIRE(ps.Named("T2"));
  CHECK(ps.Named("T1")->section == "time");
  CHECK(ps.Named("T2")->section == "time");

  Read cmd("shell",
           "set PEERS=a.example.com b.example.com,0x8\n"
           "set LOGHOST=c.example.com d.example.com\n"
           "w32tm /config /update /manualpeerlist:%PEERS% /syncfromflags:ALL\n"
           "echo %LOGHOST%\n",
           "peers.cmd");
  CHECK(cmd.Args("PEERS") == V{"a.example.com", "b.example.com,0x8"});
  CHECK(cmd.Named("PEERS")->section == "time");
  CHECK(cmd.Named("LOGHOST")->section.empty());
}

TEST_CASE("hcl: variables, tfvars, provisioners, heredocs, commented HCL", "[syntax][hcl]") {
  std::string t =
      "variable \"ntp_server\" {\n"
      "  default = \"10.0.0.1\"\n"
      "}\n"
      "locals { servers = [var.ntp_server, \"a.example.com\"] }\n"
      "build {\n"
      "  provisioner \"shell\" {\n"
      "    inline = [\"echo 'server ${var.ntp_server}' >> /etc/chrony.conf\", \"ntpdate -u b.example.com\"]\n"
      "  }\n"
      "  provisioner \"file\" {\n"
      "    source      = \"files/chrony.conf\"\n"
      "    destination = \"/etc/chrony.conf\"\n"
      "  }\n"
      "}\n"
      "user_data = <<-EOT\n"
      "  #cloud-config\n"
      "  ntp: {servers: [c.example.com]}\n"
      "EOT\n"
      "# ntp_servers = [\"d.example.com\"]\n";
  Read r("hcl", t, "x.pkr.hcl");
  CHECK(r.Args("variable.ntp_server.default") == V{"10.0.0.1"});
  CHECK(r.Named("variable.ntp_server.default")->args[0].offset == t.find("10.0.0.1"));
  const Fact* ref = r.Named("locals.servers[]");
  REQUIRE(ref);
  CHECK(ref->args[0].text == "var.ntp_server");
  CHECK(ref->args[0].expression);
  CHECK(r.Args("locals.servers[]", 1) == V{"a.example.com"});
  CHECK(r.Args("@install") == V{"files/chrony.conf", "/etc/chrony.conf"});
  const Fact* commented = r.Named("ntp_servers[]");
  REQUIRE(commented);
  CHECK(commented->commented);
  std::vector<std::string> paths;
  for (const EmbeddedDocument& e : r.doc.embedded) paths.push_back(e.path);
  CHECK(paths == V{"packer/inline.sh", "user-data"});
  CHECK(r.doc.embedded[0].text == "echo 'server ${var.ntp_server}' >> /etc/chrony.conf\nntpdate -u b.example.com\n");
  CHECK(r.doc.embedded[1].text == "#cloud-config\nntp: {servers: [c.example.com]}\n");
}

TEST_CASE("dockerfile: ENV/ARG, RUN scripts and heredocs, COPY installs", "[syntax][dockerfile]") {
  std::string t =
      "FROM alpine\n"
      "ARG NTP_SERVER=10.0.0.1\n"
      "ENV NTP_SERVERS=\"a.example.com,b.example.com\" \\\n"
      "    TZ=UTC\n"
      "RUN apk add chrony && \\\n"
      "    echo \"server 10.0.0.1\" > /etc/chrony/chrony.conf\n"
      "COPY <<EOF /etc/ntp.conf\n"
      "server c.example.com\n"
      "EOF\n"
      "COPY --chown=root chrony.conf /etc/\n"
      "COPY --from=build /out/ntp.conf /etc/\n"
      "ADD --chmod=644 --from=busybox:1 /bin/ntpd /bin/\n";
  Read r("dockerfile", t, "Dockerfile");
  CHECK(r.Args("NTP_SERVER") == V{"10.0.0.1"});
  CHECK(r.Args("NTP_SERVERS") == V{"a.example.com,b.example.com"});
  CHECK(r.Named("NTP_SERVERS")->section == "ENV");
  CHECK(r.Args("@install") == V{"chrony.conf", "/etc/chrony.conf"});
  CHECK(r.Args("@install", 1).empty());  // --from another stage or image: not the context's
  REQUIRE(r.doc.embedded.size() == 2);
  CHECK(r.doc.embedded[0].path == "dockerfile/run.sh");
  CHECK(r.doc.embedded[0].line_map[0].second == t.find("apk add"));
  CHECK(r.doc.embedded[1].path == "/etc/ntp.conf");
  CHECK(r.doc.embedded[1].text == "server c.example.com\n");
}

TEST_CASE("installers: kickstart, preseed, AutoYaST XML", "[syntax][installers]") {
  Read ks("kickstart",
          "timezone --utc UTC --ntpservers=a.example.com,b.example.com\n"
          "#timesource --ntp-server c.example.com\n"
          "%post\n"
          "ntpdate d.example.com\n"
          "%end\n");
  CHECK(ks.Args("timezone") == V{"--utc", "UTC", "--ntpservers=a.example.com,b.example.com"});
  REQUIRE(ks.Named("timesource"));
  CHECK(ks.Named("timesource")->commented);
  REQUIRE(ks.doc.embedded.size() == 1);
  CHECK(ks.doc.embedded[0].text == "ntpdate d.example.com\n");
  Read ps("preseed", "d-i clock-setup/ntp-server string a.example.com\n#d-i clock-setup/ntp-server string b.example.com\n");
  CHECK(ps.Args("clock-setup/ntp-server") == V{"a.example.com"});
  CHECK(ps.Named("clock-setup/ntp-server", 1)->commented);
  Read xml("xml",
           "<profile><ntp-client><ntp_servers><ntp_server><address>a.example.com</address></ntp_server>"
           "<!-- <ntp_server><address>b.example.com</address></ntp_server> --></ntp_servers></ntp-client></profile>");
  CHECK(xml.Args("profile.ntp-client.ntp_servers.ntp_server.address") == V{"a.example.com"});
  const Fact* c = xml.Named("profile.ntp-client.ntp_servers.ntp_server.address", 1);
  REQUIRE(c);
  CHECK(c->commented);
}

TEST_CASE("dhcp: dhcpd options, dnsmasq options by name and number, never nntp", "[syntax][dhcp]") {
  Read d("dhcpd",
         "subnet 10.0.0.0 netmask 255.255.255.0 {\n"
         "  option ntp-servers 10.0.0.1, a.example.com;\n"
         "  #option ntp-servers 10.0.0.2;\n"
         "}\n");
  const Fact* opt = d.Named("ntp-servers");
  REQUIRE(opt);
  CHECK(opt->section == "option");
  CHECK(d.Args("ntp-servers") == V{"10.0.0.1,", "a.example.com"});
  CHECK(d.Named("ntp-servers", 1)->commented);
  Read m("dnsmasq",
         "dhcp-option=tag:red,42,10.0.0.1\n"
         "dhcp-option=option:nntp-server,10.0.0.2\n"
         "dhcp-option=option6:ntp-server,[fd00::1]\n");
  CHECK(m.Args("dhcp-option:ntp-server") == V{"10.0.0.1"});
  CHECK(m.Args("dhcp-option:nntp-server") == V{"10.0.0.2"});
  CHECK(m.Args("dhcp-option:ntp-server6") == V{"[fd00::1]"});
}

TEST_CASE("lines: a sentence in a comment is prose, not a commented-out directive", "[syntax]") {
  // The stock chrony.conf comment named `ntp` (the short name of ntp.corp.example.com).
  Read c("chrony",
         "# Allow NTP client access from local network.\n"
         "#allow 192.168.0.0/16\n"              // decoy: commented-out configuration
         "#Allow ntp\n"                         // decoy: a capital, but one word after it
         "# server ntp iburst prefer xleave\n"  // decoy: lower case, as the directive is written
         "Allow ntp client access from\n");     // decoy: an active line is never prose
  CHECK(c.Named("Allow") != nullptr);
  CHECK(c.Named("Allow")->commented);
  CHECK(c.Args("Allow") == V{"ntp"});
  CHECK(c.Args("allow") == V{"192.168.0.0/16"});
  CHECK(c.Args("server") == V{"ntp", "iburst", "prefer", "xleave"});
  REQUIRE(c.Named("Allow", 1) != nullptr);
  CHECK(!c.Named("Allow", 1)->commented);
  CHECK(c.Named("Allow", 2) == nullptr);
  CHECK(c.doc.facts.size() == 4);
}

TEST_CASE("readers: hostile input ends, never crashes or hangs", "[syntax]") {
  std::vector<std::string> inputs = {"", "\\", "<<", "<<EOF", "cat <<EOF\n", "\"", "'", "$(", "${",
                                     "`", "sed -i 's/", "RUN <<EOF", "COPY <<", "%post", "<a><!--",
                                     "<![CDATA[", "option ntp-servers", "dhcp-option=", "x = <<EOF\n",
                                     "a {", "a = [", "a = {", std::string(2000, '('), std::string(2000, '{')};
  unsigned seed = 11;
  for (int i = 0; i < 200; ++i) {
    std::string s;
    for (int k = 0; k < 80; ++k) {
      seed = seed * 1103515245 + 12345;
      static const char kAlphabet[] = "a= \"'\\$(){}[]<>#%|;&\n-:/,EOF";
      s += kAlphabet[(seed >> 16) % (sizeof kAlphabet - 1)];
    }
    inputs.push_back(s);
  }
  for (const std::string& in : inputs)
    for (const SyntaxInfo& info : Syntaxes()) {
      Document d;
      ReadDocument(info, "x", in, &d);
    }
  SUCCEED();
}

TEST_CASE("code: a parenthesised value binds its strings (Python tuples, C macros)",
          "[syntax][code]") {
  using V = std::vector<std::string>;
  Read py("code",
          "DEFAULT_NTP_SERVERS = (\"0.pool.ntp.org\", \"10.0.0.1\")\n"
          "NTP_HOST = (os.environ.get(\"NTP_HOST\") or \"10.0.0.1\")\n"
          "handler = (lambda s: s)\n"
          "print(\"10.0.0.10\")\n",
          "app/settings.py");
  CHECK(py.Args("DEFAULT_NTP_SERVERS") == V{"0.pool.ntp.org", "10.0.0.1"});
  CHECK(py.Args("NTP_HOST") == V{"10.0.0.1"});
  CHECK(!py.Named("handler"));
  CHECK(!py.Named("print"));
  Read c("code", "#define NTP_SERVER (\"10.0.0.1\")\nint n = (int)x;\n", "src/clock.c");
  CHECK(c.Args("NTP_SERVER") == V{"10.0.0.1"});
  CHECK(!c.Named("n"));
}
