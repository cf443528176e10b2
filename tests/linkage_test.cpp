// Linkage: the variable names a definition stands for, and related locations across files.
#include <archive.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "disk_images.h"
#include "host/target.h"
#include "input/input.h"
#include "memory_archive.h"
#include "rules/rule.h"
#include "run_binary.h"
#include "scan/inventory.h"
#include "scan/linkage.h"
#include "scan/member_links.h"
#include "scan/read_files.h"
#include "scan/scan.h"

#include <nlohmann/json.hpp>

using ntpsweep::scan::Linker;

namespace {

// Scans `dir` for 10.20.30.40 (through the gate or with --no-prefilter) and lists each related
// location as "definition:line -> consumer:line", sorted.
std::vector<std::string> LinkRows(const ntpsweep::testing::TempDir& dir, bool gate) {
  ntpsweep::testing::RunOptions o;
  o.cwd = dir.path();
  std::vector<std::string> args = {"scan", "--format", "json", "--host", "10.20.30.40", "."};
  if (!gate) args.push_back("--no-prefilter");
  auto r = ntpsweep::testing::RunNtpsweep(args, o);
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  std::vector<std::string> rows;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  for (const auto& f : doc["findings"])
    for (const auto& rel : f.value("related", nlohmann::json::array()))
      rows.push_back(f["location"].get<std::string>() + ":" + std::to_string(f["line"].get<int>()) +
                     " -> " + rel["location"].get<std::string>() + ":" +
                     std::to_string(rel["line"].get<int>()));
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Writes `files` (path, text) into a fresh tree and checks that its related locations are
// `expected`, through the gate and without it alike.
void CheckLinks(const std::vector<std::pair<std::string, std::string>>& files,
                const std::vector<std::string>& expected) {
  ntpsweep::testing::TempDir tmp;
  for (const auto& [rel, text] : files) ntpsweep::testing::WriteWholeFile(tmp / rel, text);
  for (bool gate : {true, false}) {
    INFO(gate);
    CHECK(LinkRows(tmp, gate) == expected);
  }
}

}  // namespace

TEST_CASE("linkage: names a key path defines", "[linkage]") {
  using V = std::vector<std::string>;
  CHECK(Linker::DefinedNames("ntp_servers[]") == V{"ntp_servers"});
  CHECK(Linker::DefinedNames("variable.ntp_server.default") ==
        V{"ntp_server", "variable", "variable:ntp_server", "variable:ntp_server:default"});
  CHECK(Linker::DefinedNames("ntp.servers[]") == V{"ntp", "ntp:servers"});
  CHECK(Linker::DefinedNames("ntp::servers[]") == V{"ntp::servers"});
  CHECK(Linker::DefinedNames("spec.containers[].env[NTP_SERVERS].value") ==
        V{"NTP_SERVERS", "spec", "spec:containers"});
  CHECK(Linker::DefinedNames("NTP_IP") == V{"NTP_IP"});
  // An HCL declaration block's type is no variable, nor a pillar key's first part.
  CHECK(Linker::DefinedNames("variable.ntp_server.default", true) == V{"ntp_server"});
  CHECK(Linker::DefinedNames("locals.ntp.servers[]", true) == V{"ntp"});
  CHECK(Linker::DefinedNames("variable.NTP_SERVER.default", true) == V{"NTP_SERVER"});
}

TEST_CASE("linkage: an HCL block's type relates no finding, a YAML key of that name does",
          "[linkage]") {
  // Terraform: the variable and the local are read by their names; `${variable}` and
  // `${locals}` are other shell variables (decoys). Ansible: a top-level key `variable` is a
  // variable a template reads (`variable.ntp_server`).
  CheckLinks(
      {
          {"tf/variables.tf", "variable \"ntp_server\" {\n  default = \"10.20.30.40\"\n}\n"},
          {"tf/scripts/chrony.sh",
           "#!/bin/sh\necho \"server ${ntp_server} iburst\" >> /etc/chrony/chrony.conf\n"},
          {"tf/scripts/decoy.sh",
           "#!/bin/sh\necho \"server ${variable} iburst\" >> /etc/chrony/chrony.conf\n"},
          {"loc/main.tf", "locals {\n  time_server = \"10.20.30.40\"\n}\n"},
          {"loc/init.sh",
           "#!/bin/sh\necho \"server ${locals} iburst\" >> /etc/chrony/chrony.conf\n"
           "echo \"server ${time_server} iburst\" >> /etc/chrony/chrony.conf\n"},
          {"ans/group_vars/all.yml", "variable:\n  ntp_server: 10.20.30.40\n"},
          {"ans/roles/time/templates/chrony.conf.j2", "server {{ variable.ntp_server }} iburst\n"},
      },
      {
          "ans/group_vars/all.yml:2 -> ans/roles/time/templates/chrony.conf.j2:1",
          "loc/main.tf:2 -> loc/init.sh:3",
          "tf/variables.tf:2 -> tf/scripts/chrony.sh:2",
      });
}

TEST_CASE("linkage: HCL reads a variable or local by a bare reference, gate on or off",
          "[linkage]") {
  // No `${`, `$` or `source` in the readers: only `var.` and `local.` can make them candidates.
  CheckLinks(
      {
          {"tf/variables.tf", "variable \"ntp_server\" {\n  default = \"10.20.30.40\"\n}\n"},
          {"tf/main.tf", "module \"net\" {\n  ntp_servers = [var.ntp_server]\n}\n"},
          {"tf/decoy.tf", "module \"other\" {\n  servers = [var.ntp_server_b]\n}\n"},
          {"pk/locals.pkr.hcl", "locals {\n  time_server = \"10.20.30.40\"\n}\n"},
          {"pk/build.pkr.hcl", "build {\n  ntp_servers = [local.time_server]\n}\n"},
      },
      {
          "pk/locals.pkr.hcl:2 -> pk/build.pkr.hcl:2",
          "tf/variables.tf:2 -> tf/main.tf:2",
      });
}

TEST_CASE("linkage: the sieve reads again only entries that can relate a finding", "[linkage]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  Linker linker(rules);
  ntpsweep::Finding variable;  // an Ansible variable that renders into templates
  variable.rule_id = "ansible-time-server-var";
  variable.directive = "ntp_servers[]";
  variable.location.chain = {"proj/group_vars/all.yml"};
  ntpsweep::Finding config;  // a file that an installer may name
  config.rule_id = "chrony-source";
  config.directive = "server";
  config.location.chain = {"proj/files/chrony.conf"};
  const Linker::Sieve sieve(linker, {variable, config});
  CHECK(sieve.needles() == std::vector<std::string>{"all.yml", "chrony.conf", "ntp_servers"});
  // A consumer in each template language, a shell expansion, an install of the file.
  CHECK(sieve.Passes("t/chrony.conf.j2",
                     "{% for s in ntp_servers %}\nserver {{ s }}\n{% endfor %}\n"));
  CHECK(sieve.Passes("t/ntp.conf.erb",
                     "<% @ntp_servers.each do |s| -%>\nserver <%= s %>\n<% end -%>\n"));
  CHECK(sieve.Passes("t/ntp.conf.tmpl",
                     "{{ range .Values.ntp_servers }}server {{ . }}\n{{ end }}\n"));
  CHECK(sieve.Passes("s/set.sh", "sed -i \"s/^pool .*/server $ntp_servers/\" /etc/chrony.conf\n"));
  CHECK(sieve.Passes("s/set.sh", "echo \"server ${ntp_servers:-pool.ntp.org}\" >> chrony\n"));
  CHECK(sieve.Passes("user-data.tf", "servers = \"${var.ntp_servers}\"\n"));
  CHECK(sieve.Passes("Dockerfile", "COPY files/chrony.conf /etc/chrony/chrony.conf\n"));
  // HCL reads variables in bare expressions: its files, and texts that may embed one.
  CHECK(sieve.Passes("infra/main.tf", "servers = var.ntp_servers\n"));
  CHECK(sieve.Passes("cloud.yaml",
                     "write_files:\n- path: /srv/x.tf\n  content: |\n    s = ntp_servers\n"));
  // A decoded document's expressions are not in the text as written.
  CHECK(sieve.Passes("cloud.yaml", "write_files:\n- encoding: b64\n  content: x\n# ntp_servers\n"));
  // Decoys: the variable's name as a key, in prose or a comment, beside a `$` or `{{ }}` that
  // reads something else; a file of another name; neither name at all.
  CHECK_FALSE(sieve.Passes("k8s/values.yaml", "ntp_servers:\n  - {{ .Values.other }}\n"));
  CHECK_FALSE(sieve.Passes("docs/README.md", "Set ntp_servers in group_vars; see $HOME.\n"));
  CHECK_FALSE(sieve.Passes("s/x.sh", "# ntp_servers come from ansible\necho $PATH ${HOME}\n"));
  CHECK_FALSE(sieve.Passes("Dockerfile", "COPY files/ntp.conf /etc/ntp.conf\n"));
  CHECK_FALSE(sieve.Passes("s/x.sh", "echo ${NTP_POOL}\n"));
  // A needle counts as a whole word: a reader's variable is a whole identifier, an installer's
  // source a whole last path segment. Decoys: the names inside longer ones.
  CHECK_FALSE(sieve.Passes("t/ntp.conf.j2", "server {{ ntp_servers_old }} iburst\n"));
  CHECK_FALSE(
      sieve.Passes("s/x.sh", "sed -i \"s/^pool .*/server $ntp_servers2/\" /etc/ntp.conf\n"));
  CHECK_FALSE(sieve.Passes("Dockerfile", "COPY files/chrony.conf_v2 /etc/chrony/\n"));
  CHECK_FALSE(sieve.Passes("Dockerfile", "COPY files/mychrony.conf /etc/chrony/\n"));
  CHECK_FALSE(sieve.Passes("tasks/main.yml", "- copy: src=chrony_conf dest=/etc/chrony/\n"));
  // ... and whole words beside quotes, '=', '/', brackets, line ends pass.
  using Reach = Linker::Sieve::Reach;
  CHECK(sieve.Judge("Dockerfile", "COPY [\"./chrony.conf\", \"/etc/chrony/\"]\n") ==
        Reach::kInstalls);
  CHECK(sieve.Judge("tasks/main.yml", "- copy: src=chrony.conf dest=/etc/chrony/\n") ==
        Reach::kInstalls);
  CHECK(sieve.Judge("s/set.sh", "echo \"server ${ntp_servers:-x}\" >> /etc/chrony.conf\n") ==
        Reach::kAll);
  CHECK(sieve.Judge("t/chrony.conf.j2", "{%for s in ntp_servers%}server {{s}}\n{%endfor%}") ==
        Reach::kAll);
  // A variable's name outside every span: only an install of the file can relate the entry.
  CHECK(sieve.Judge("Dockerfile", "# ntp_servers\nCOPY chrony.conf /etc/chrony/\n") ==
        Reach::kInstalls);
  CHECK(sieve.Judge("s/x.sh", "echo $HOME\n") == Reach::kNone);
  // A file's name with no word an install is written with (COPY, ADD, src, source) around:
  // nothing installs it; unless a decoded document may hold one.
  CHECK(sieve.Judge("s/x.sh", "install -m 644 files/chrony.conf /etc/chrony/\n") == Reach::kNone);
  CHECK(sieve.Judge("docs/README.md", "Edit chrony.conf, then copy it.\n") == Reach::kInstalls);
  CHECK(sieve.Judge("cloud.yaml", "write_files:\n- encoding: b64\n  content: x\n# chrony.conf\n") ==
        Reach::kInstalls);
  // No finding, nothing to read again.
  CHECK(Linker::Sieve(linker, {}).needles().empty());
  CHECK_FALSE(Linker::Sieve(linker, {}).Passes("t/chrony.conf.j2", "server {{ ntp_servers }}\n"));
}

TEST_CASE("linkage: a variable's bare name passes the sieve in every path HCL's rules name",
          "[linkage]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  Linker linker(rules);
  ntpsweep::Finding variable;
  variable.rule_id = "ansible-time-server-var";
  variable.directive = "ntp_servers[]";
  variable.location.chain = {"proj/group_vars/all.yml"};
  const Linker::Sieve sieve(linker, {variable});
  using Reach = Linker::Sieve::Reach;
  // No template span, no encoding marker, no literal of those paths in the text: the path alone
  // (any literal of an HCL rule's globs, ASCII case aside) says a bare expression may read it.
  const std::string_view bare = "servers = ntp_servers\n";
  for (std::string_view path :
       {"infra/main.tf", "infra/prod.tfvars", "infra/x.auto.tfvars", "infra/x.tfvars.json",
        "img/a.pkr.hcl", "img/a.pkrvars.hcl", "img/variables.hcl", "img/a.hcl.example",
        "INFRA/MAIN.TF", "Img/Variables.HCL", "a.tf/notes.txt"}) {
    INFO(path);
    CHECK(sieve.Judge(path, bare) == Reach::kAll);
  }
  // Decoys: paths that hold no such literal, though close.
  for (std::string_view path : {"docs/terraform.md", "infra/variables.yaml", "infra/main.t",
                                "img/hcl.txt", "img/a.pkr.json", "tf/notes.txt"}) {
    INFO(path);
    CHECK(sieve.Judge(path, bare) == Reach::kNone);
  }
}

TEST_CASE("linkage: the sources that read variables and the installs are a full reading's",
          "[linkage]") {
  // Linkage asks only for these (SourceCollector::Collect `with_variables`): the regex rules,
  // whose sources read none, are then left out where none of theirs can take another's place.
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  const ntpsweep::scan::SourceCollector collector(rules);
  using Kept = std::vector<std::string>;
  auto kept = [&](const std::string& path, const std::string& text, bool with_variables) {
    ntpsweep::scan::EntrySources found =
        collector.Collect(ntpsweep::Location{{path}}, path, text, nullptr, with_variables);
    Kept out;
    for (const ntpsweep::Source& s : found.sources) {
      if (s.variables.empty()) continue;
      std::string v = s.rule_id + " " + std::to_string(s.span.offset) + "+" +
                      std::to_string(s.span.length) + " " + s.host + " " + s.embedded_path;
      for (const std::string& name : s.variables) v += " $" + name;
      out.push_back(v);
    }
    for (const ntpsweep::Install& in : found.installs)
      out.push_back("install " + std::to_string(in.span.offset) + " " + in.source + " " +
                    in.destination);
    return out;
  };
  // Decoys beside the consumers: a regex rule's line (an echo into chrony.conf, a commented
  // server line) in the same file, a fallback key rule reading a variable, an inner document.
  std::vector<std::pair<std::string, std::string>> texts = {
      {"s/set.sh",
       "echo \"server $NTP_SERVER iburst\" >> /etc/chrony.conf\n# server 192.0.2.13 iburst\n"
       "ntpdate -u \"$NTP_SERVER\"\n"},
      {"vars/all.yml", "ntp_servers: \"{{ pool_host }}\"\nntp:\n  servers: [\"{{ other }}\"]\n"},
      {"cloud.yaml",
       "write_files:\n- path: /etc/chrony.conf\n  content: |\n    server {{ ntp_server }} iburst\n"
       "runcmd:\n- echo \"server $NTP iburst\" >> /etc/chrony.conf\n"},
      {"Dockerfile", "FROM x\nCOPY chrony.conf /etc/chrony/chrony.conf\nENV NTP_SERVER=$NTP\n"},
  };
  namespace fs = std::filesystem;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(NTPSWEEP_SOURCE_DIR) / "fixtures")) {
    if (!e.is_regular_file() || e.file_size() > (256u << 10)) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find('\0') != std::string::npos) continue;
    texts.emplace_back(fs::relative(e.path(), NTPSWEEP_SOURCE_DIR).string(), std::move(text));
  }
  size_t consumers = 0;
  for (const auto& [path, text] : texts) {
    INFO(path);
    const Kept full = kept(path, text, false);
    CHECK(kept(path, text, true) == full);
    consumers += full.size();
  }
  CHECK(consumers >= 20);  // the fixtures hold consumers and installs to compare

  // Where only installs can relate an entry (Sieve::Reach::kInstalls), only the readers that
  // record installs or embed documents run: the installs are a full reading's, inner ones too.
  texts.emplace_back("build/setup.sh",
                     "cat > Dockerfile <<EOF\nFROM x\nCOPY chrony.conf /etc/chrony/\nEOF\n");
  texts.emplace_back("cloud/user-data.yaml",
                     "write_files:\n- path: /srv/Dockerfile\n  content: |\n    FROM x\n"
                     "    COPY files/chrony.conf /etc/chrony/chrony.conf\n");
  size_t installs = 0;
  for (const auto& [path, text] : texts) {
    INFO(path);
    const ntpsweep::Location location{{path}};
    ntpsweep::scan::EntrySources full = collector.Collect(location, path, text, nullptr, true);
    ntpsweep::scan::EntrySources only =
        collector.Collect(location, path, text, nullptr, true, true);
    CHECK(only.sources.empty());
    REQUIRE(only.installs.size() == full.installs.size());
    for (size_t i = 0; i < full.installs.size(); ++i) {
      CHECK(only.installs[i].span.offset == full.installs[i].span.offset);
      CHECK(only.installs[i].source == full.installs[i].source);
      CHECK(only.installs[i].destination == full.installs[i].destination);
    }
    installs += full.installs.size();
  }
  CHECK(installs >= 5);

  // A site's regex rule on the line of a fallback key rule's source: the fallback one gives way,
  // with or without `with_variables`.
  ntpsweep::rules::RuleSet site;
  site.LoadBuiltin();
  site.LoadYaml(
      "rules:\n"
      "  - id: site-ntp-line\n"
      "    name: SiteNtpLine\n"
      "    short: a site line names the old server\n"
      "    full: A site line names the server.\n"
      "    help: Replace it.\n"
      "    message: \"site line names {host}\"\n"
      "    severity: warning\n"
      "    files:\n"
      "      paths: ['**/*.yml']\n"
      "    match:\n"
      "      regex: 'chrony_hosts: \"(?P<host>[^\"]+)\"'\n"
      "    examples:\n"
      "      - path: vars/all.yml\n"
      "        text: |\n"
      "          chrony_hosts: \"10.0.0.1\"\n"
      "        match: [1]\n",
      "rules/site.yaml");
  const ntpsweep::scan::SourceCollector with_site(site);
  const std::string path = "conf/site.yml",
                    text = "chrony_hosts: \"0.{{ region }}.pool.ntp.org\"\n";
  auto variables = [&](const ntpsweep::scan::SourceCollector& c, bool with_variables) {
    size_t n = 0;
    for (const ntpsweep::Source& s :
         c.Collect(ntpsweep::Location{{path}}, path, text, nullptr, with_variables).sources)
      n += !s.variables.empty();
    return n;
  };
  CHECK(variables(collector, true) == 1);  // the key rule's, read alone
  CHECK(variables(with_site, false) == 0);
  CHECK(variables(with_site, true) == 0);
}

TEST_CASE("linkage: the text of template spans, the rest blank", "[linkage]") {
  CHECK(Linker::ExpressionText("a {{ b }} c $D e ${F} <%= g %>") ==
        "  {{ b }}   $D   ${F} <%= g %>");
  CHECK(Linker::ExpressionText("no spans here\n") == std::string(14, ' '));
}

TEST_CASE("linkage: SARIF relatedLocations, linked from the message", "[linkage]") {
  ntpsweep::testing::RunOptions o;
  o.cwd = ntpsweep::testing::kSourceDir;
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--format", "sarif", "--host", "10.20.30.40", "--host", "ntp-old.corp.example.com",
       "fixtures/syntaxes/shell", "fixtures/syntaxes/docker"},
      o);
  REQUIRE(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);
  bool shell = false, docker = false;
  for (const auto& res : doc["runs"][0]["results"]) {
    if (!res.contains("relatedLocations")) continue;
    std::string uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    std::string text = res["message"]["text"];
    const auto& rel = res["relatedLocations"][0];
    CHECK(rel["id"] == 1);
    CHECK(text.find("](1)") != std::string::npos);
    std::string ruri = rel["physicalLocation"]["artifactLocation"]["uri"];
    int line = rel["physicalLocation"]["region"]["startLine"];
    if (uri == "fixtures/syntaxes/shell/provision.sh") shell = ruri == uri && line == 7;
    if (uri == "fixtures/syntaxes/docker/chrony.conf")
      docker = ruri == "fixtures/syntaxes/docker/Dockerfile" && line == 16;
  }
  CHECK(shell);
  CHECK(docker);
}

namespace {

using Members = ntpsweep::testing::ArchiveFiles;

// A tar of `members` (gzip-compressed when `gzip`, zstd when `zstd`), made in memory.
std::string TarOf(const Members& members, bool gzip, bool zstd = false) {
  using ntpsweep::testing::MemoryArchive;
  if (gzip)
    return MemoryArchive(members, archive_write_set_format_pax_restricted,
                         {archive_write_add_filter_gzip});
  if (zstd)
    return MemoryArchive(members, archive_write_set_format_pax_restricted,
                         {archive_write_add_filter_zstd});
  return MemoryArchive(members, archive_write_set_format_pax_restricted);
}

// A project whose findings are related only through other members: a Dockerfile COPY installs
// chrony.conf, a template renders group_vars' ntp_servers, a script's sed writes env.sh's
// NTP_IP. Decoys: a COPY of another file, a template of another variable (never read again),
// notes that name both variables and the file beside linkage hints (read again, related to
// nothing).
const Members kProject = {
    {"proj/Dockerfile",
     "FROM debian:12\n"
     "RUN apt-get update && apt-get install -y chrony\n"
     "COPY chrony.conf /etc/chrony/chrony.conf\n"
     "COPY unrelated.conf /etc/motd\n"},
    {"proj/NOTES.txt",
     "Set ${ntp_servers} in group_vars and $NTP_IP in env.sh; COPY chrony.conf by hand.\n"},
    {"proj/chrony.conf", "server ntp-old.corp.example.com iburst\n"},
    {"proj/group_vars/all.yml", "---\nntp_servers:\n  - 10.20.30.40\n"},
    {"proj/scripts/env.sh", "NTP_IP=10.20.30.40\n"},
    {"proj/scripts/setup.sh",
     "#!/bin/sh\n. ./env.sh\nsed -i \"s/^pool .*/server $NTP_IP iburst/\" "
     "/etc/chrony/chrony.conf\n"},
    {"proj/templates/chrony.conf.j2",
     "{% for s in ntp_servers %}\nserver {{ s }} iburst\n{% endfor %}\n"},
    {"proj/templates/resolv.conf.j2",
     "{% for s in dns_servers %}\nnameserver {{ s }}\n{% endfor %}\n"},
    {"proj/unrelated.conf", "welcome\n"},
};

// Every finding of `prefix`'s project, with `prefix` removed: "file:line rule severity ->
// related file:line ..." (related locations with `related_prefix` removed, "?" when absent).
std::vector<std::string> Rows(const std::string& json, const std::string& prefix,
                              const std::string& related_prefix) {
  std::vector<std::string> out;
  auto strip = [](const std::string& s, const std::string& p) {
    return s.starts_with(p) ? s.substr(p.size()) : "?" + s;
  };
  const nlohmann::json doc = nlohmann::json::parse(json);
  for (const auto& f : doc["findings"]) {
    std::string row = strip(f["location"], prefix) + ":" + std::to_string(f["line"].get<int>()) +
                      " " + f["rule"].get<std::string>() + " " + f["severity"].get<std::string>() +
                      " ->";
    for (const auto& r : f.value("related", nlohmann::json::array()))
      row +=
          " " + strip(r["location"], related_prefix) + ":" + std::to_string(r["line"].get<int>());
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<std::string> kProjectRows = {
    "proj/chrony.conf:1 chrony-source error -> proj/Dockerfile:3",
    "proj/group_vars/all.yml:3 ansible-time-server-var error -> proj/templates/chrony.conf.j2:2",
    "proj/scripts/env.sh:1 shell-ntp-named-var warning -> proj/scripts/setup.sh:3",
};

}  // namespace

// The members that relate a finding hold no target: the gate passes them by, their words are
// kept, and the archive is read again for them at the end. The same relations in a tar operand,
// a tar.gz operand, a tar.gz nested in a tar, a container image's layer, and an archive inside a
// walked directory; the same as with the gate off (every member read by every reader as it passes).
TEST_CASE("linkage: archive members that relate findings are read again", "[linkage][archive]") {
  ntpsweep::testing::TempDir tmp;
  const std::string dir = tmp.path() + "/in";
  ntpsweep::testing::WriteWholeFile(dir + "/proj.tar", TarOf(kProject, false));
  // Its members held in memory for the end (read again only by inflating it all).
  ntpsweep::testing::WriteWholeFile(dir + "/proj.tar.gz", TarOf(kProject, true));
  ntpsweep::testing::WriteWholeFile(
      dir + "/outer.tar",
      TarOf({{"readme.txt", "nested below\n"}, {"outer/proj.tar.gz", TarOf(kProject, true)}},
            false));
  // A docker-archive image of one layer: its members are reported as the container sees them.
  ntpsweep::testing::WriteWholeFile(
      dir + "/image.tar",
      TarOf({{"manifest.json",
              R"([{"Config":"config.json","RepoTags":["proj:1"],"Layers":["l1/layer.tar"]}])"},
             {"config.json",
              R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})"},
             {"l1/layer.tar", TarOf(kProject, false)}},
            false));
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  auto scan = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "scan", "--format", "json", "--host", "10.20.30.40", "--host", "ntp-old.corp.example.com"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = ntpsweep::testing::RunNtpsweep(args, o);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.out)["notices"].empty());
    return r.out;
  };
  for (const std::vector<std::string>& gate :
       {std::vector<std::string>{}, std::vector<std::string>{"--no-prefilter"}}) {
    INFO(gate.size());
    for (const std::string& prefix :
         {std::string("in/proj.tar!"), std::string("in/proj.tar.gz!"),
          std::string("in/outer.tar!outer/proj.tar.gz!"), std::string("in/image.tar!")}) {
      INFO(prefix);
      std::string operand = prefix.substr(0, prefix.find('!'));
      std::vector<std::string> args = gate;
      args.push_back(operand);
      CHECK(Rows(scan(args), prefix, prefix) == kProjectRows);
      // Opened by a worker inside a walked directory.
      args.back() = "in";
      std::vector<std::string> rows = Rows(scan(args), prefix, prefix);
      std::erase_if(rows, [](const std::string& r) { return r.starts_with("?"); });
      CHECK(rows == kProjectRows);
    }
  }
  // Only the members whose words name a finding's variable or file are read again: the
  // Dockerfile, the template, the script and the notes; not the other template.
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--stats", "--format", "json", "--host", "10.20.30.40", "--host",
       "ntp-old.corp.example.com", "in/proj.tar"},
      o);
  size_t at = r.err.find("read for linkage");
  REQUIRE(at != std::string::npos);
  CHECK(r.err.substr(at, r.err.find('\n', at) - at).ends_with(" 4"));
}

namespace {

// `members` as a tar at `path`, each text padded past kReadBackBytes with lines of no word.
void WritePaddedTar(Members members, const std::string& path) {
  for (auto& [name, text] : members)
    while (text.size() < ntpsweep::scan::MemberLinks::kReadBackBytes) text += "# ----------\n";
  ntpsweep::testing::WriteWholeFile(path, TarOf(members, false));
}

}  // namespace

// Members of kReadBackBytes or more keep no words in the pass: each is read again by its offset
// for any needle and judged by its own words then. The same project, every file padded past
// that size with lines of no word: the same related locations, and the same four members
// observed (not the other template, not unrelated.conf).
TEST_CASE("linkage: large tar members listed without words relate findings as small ones",
          "[linkage][archive]") {
  ntpsweep::testing::TempDir tmp;
  WritePaddedTar(kProject, tmp / "proj.tar");
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  for (bool gate : {true, false}) {
    INFO(gate);
    std::vector<std::string> args = {
        "scan",    "--stats",     "--format", "json",
        "--host",  "10.20.30.40", "--host",   "ntp-old.corp.example.com",
        "proj.tar"};
    if (!gate) args.push_back("--no-prefilter");
    auto r = ntpsweep::testing::RunNtpsweep(args, o);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.out)["notices"].empty());
    CHECK(Rows(r.out, "proj.tar!", "proj.tar!") == kProjectRows);
    if (!gate) continue;  // nothing is deferred without the gate
    size_t at = r.err.find("read for linkage");
    REQUIRE(at != std::string::npos);
    CHECK(r.err.substr(at, r.err.find('\n', at) - at).ends_with(" 4"));
  }
}

// The project in raw disk images made by the real tools: an ext4 image (mke2fs -d), an XFS image
// (mkfs.xfs -p) and partition 1 of a GPT image (sfdisk) whose partition 2 holds the same
// installers, template and scripts without a finding. The files with a linkage hint are read again
// alone from their pieces of the image (--stats: no container walked again) and relate the
// findings as an archive's members do, with the same four observed. Decoys: an install of the
// same file name in another directory of the image, and the same files in the other partition,
// relate nothing.
TEST_CASE("linkage: files of ext4, XFS and GPT disk images are read again alone",
          "[linkage][disk]") {
  ntpsweep::testing::TempDir tmp;
  for (const auto& [name, text] : kProject) {
    ntpsweep::testing::WriteWholeFile(tmp / ("tree/" + name), text);
    if (name != "proj/chrony.conf" && name != "proj/group_vars/all.yml" &&
        name != "proj/scripts/env.sh")
      ntpsweep::testing::WriteWholeFile(tmp / ("decoy/" + name), text);
  }
  ntpsweep::testing::WriteWholeFile(tmp / "tree/other/Dockerfile",
                                    "FROM debian:12\nCOPY chrony.conf /etc/chrony/chrony.conf\n");
  ntpsweep::testing::MakeExt4(tmp / "tree", tmp / "in/proj.ext4", 8u << 20);
  ntpsweep::testing::MakeXfs(tmp / "tree", tmp / "in/proj.xfs");
  ntpsweep::testing::MakeExt4(tmp / "decoy", tmp / "p2.ext4", 8u << 20);
  ntpsweep::testing::MakeGpt({tmp / "in/proj.ext4", tmp / "p2.ext4"}, tmp / "in/gpt.img");
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  for (const std::string prefix : {"in/proj.ext4!", "in/proj.xfs!", "in/gpt.img!p1/"}) {
    INFO(prefix);
    auto r = ntpsweep::testing::RunNtpsweep(
        {"scan", "--stats", "-j", "2", "--format", "json", "--host", "10.20.30.40", "--host",
         "ntp-old.corp.example.com", prefix.substr(0, prefix.find('!'))},
        o);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.out)["notices"].empty());
    CHECK(Rows(r.out, prefix, prefix) == kProjectRows);
    auto stat = [&](const std::string& row) {
      const size_t at = r.err.find(row);
      REQUIRE(at != std::string::npos);
      return std::stoull(r.err.substr(at + row.size(), r.err.find('\n', at) - at - row.size()));
    };
    // The other partition's installers, notes and script name the needles too: read, relating
    // nothing.
    CHECK(stat("read for linkage") == (prefix.find("gpt") == std::string::npos ? 4 : 7));
    CHECK(stat("image files read alone") >= 4);
    CHECK(stat("containers walked again") == 0);
  }
  // The image given twice: its findings reported twice, as any operand's, its files listed twice
  // and each read once (no related location twice).
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--stats", "-j", "2", "--format", "json", "--host", "10.20.30.40", "--host",
       "ntp-old.corp.example.com", "in/proj.xfs", "in/proj.xfs"},
      o);
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  std::vector<std::string> twice;
  for (const std::string& row : kProjectRows) twice.insert(twice.end(), 2, row);
  CHECK(Rows(r.out, "in/proj.xfs!", "in/proj.xfs!") == twice);
  CHECK(r.err.find("containers walked again               0\n") != std::string::npos);
}

// A member read again alone is read with its header and its bytes asked first: one that holds
// no needle (a finding's variable or file name) is done unread, counted as ruled out. The large
// project with decoys: a template of another variable and a script of other variables (ruled
// out), a Dockerfile in another directory copying a file of a finding's name (it holds the
// needle: read, judged, related to nothing). The same related locations and the same four
// members observed, on one thread and on two; without the gate nothing is deferred.
TEST_CASE("linkage: tar members read again alone are ruled out by bytes that hold no needle",
          "[linkage][archive]") {
  Members large = kProject;
  large.push_back({"other/Dockerfile", "FROM debian:12\nCOPY chrony.conf /etc/chrony.conf\n"});
  large.push_back({"proj/scripts/build.sh", "#!/bin/sh\nmake -C \"${SRC_DIR}\" \"$TARGET\"\n"});
  ntpsweep::testing::TempDir tmp;
  WritePaddedTar(large, tmp / "proj.tar");
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  auto row = [](const std::string& err, const std::string& label) {
    size_t at = err.find(label);
    REQUIRE(at != std::string::npos);
    return err.substr(at, err.find('\n', at) - at);
  };
  for (const char* jobs : {"-j1", "-j2"}) {
    INFO(jobs);
    auto r = ntpsweep::testing::RunNtpsweep(
        {"scan", "--stats", jobs, "--format", "json", "--host", "10.20.30.40", "--host",
         "ntp-old.corp.example.com", "proj.tar"},
        o);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.out)["notices"].empty());
    CHECK(Rows(r.out, "proj.tar!", "proj.tar!") == kProjectRows);
    CHECK(row(r.err, "read for linkage").ends_with(" 4"));
    CHECK(row(r.err, "ruled out for linkage").ends_with(" 2"));
  }
}

// Members read again alone past the first 16 KiB of their data are read by linkage into buffers
// it reuses, one past 1 MiB into a buffer of its own: the same project padded so, in turns of
// sizes (a larger member after a smaller one on the same buffer, and the reverse), relates the
// same findings as small members, with the same four members observed and no notice.
TEST_CASE("linkage: tar members read again into reused buffers relate findings as small ones",
          "[linkage][archive]") {
  Members padded = kProject;
  size_t i = 0;
  for (auto& [name, text] : padded) {
    const size_t size = i++ % 3 == 0 ? (1u << 20) + 4096 : i % 2 ? 20000 : 70000;
    while (text.size() < size) text += "# ----------\n";
  }
  ntpsweep::testing::TempDir tmp;
  ntpsweep::testing::WriteWholeFile(tmp / "proj.tar", TarOf(padded, false));
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  for (const char* jobs : {"-j1", "-j2"}) {
    INFO(jobs);
    // The readers read the members past 1 MiB too (--max-reader-size), for their relations.
    auto r = ntpsweep::testing::RunNtpsweep(
        {"scan", "--stats", jobs, "--max-reader-size", "4MiB", "--format", "json", "--host",
         "10.20.30.40", "--host", "ntp-old.corp.example.com", "proj.tar"},
        o);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.out)["notices"].empty());
    CHECK(Rows(r.out, "proj.tar!", "proj.tar!") == kProjectRows);
    size_t at = r.err.find("read for linkage");
    REQUIRE(at != std::string::npos);
    CHECK(r.err.substr(at, r.err.find('\n', at) - at).ends_with(" 4"));
  }
}

// A member with a linkage hint is deferred on its hint alone; whether a rule can name a fact in
// it is judged only if it is read again. The decoy names a finding's file (env.sh) beside a `$`
// but holds no rule's words: read again, it must not be observed (so not counted).
TEST_CASE("linkage: a deferred member is judged by its rule words when read again",
          "[linkage][archive]") {
  ntpsweep::testing::TempDir tmp;
  Members members = kProject;
  members.push_back({"proj/docs/list.csv", "name,cost\nenv.sh,$5\n"});
  ntpsweep::testing::WriteWholeFile(tmp.path() + "/proj.tar", TarOf(members, false));
  ntpsweep::testing::RunOptions o;
  o.cwd = tmp.path();
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--stats", "--format", "json", "--host", "10.20.30.40", "--host",
       "ntp-old.corp.example.com", "proj.tar"},
      o);
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  CHECK(Rows(r.out, "proj.tar!", "proj.tar!") == kProjectRows);
  size_t at = r.err.find("read for linkage");
  REQUIRE(at != std::string::npos);
  CHECK(r.err.substr(at, r.err.find('\n', at) - at).ends_with(" 4"));
}

namespace {

// Every finding of a scan (in-process, with `options`) as Rows makes them, with `prefix` removed.
std::vector<std::string> ScanRowsOf(const ntpsweep::scan::ScanOptions& options,
                                    const std::string& prefix, ntpsweep::ScanStats* stats) {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet targets;
  std::string error;
  REQUIRE(targets.Add("10.20.30.40", &error));
  REQUIRE(targets.Add("ntp-old.corp.example.com", &error));
  auto result = ntpsweep::scan::RunScan(options, rules, targets);
  *stats = result.stats;
  CHECK(result.notices.empty());
  std::vector<std::string> out;
  auto strip = [&](const std::string& s) {
    return s.starts_with(prefix) ? s.substr(prefix.size()) : "?" + s;
  };
  for (const auto& f : result.findings) {
    std::string row =
        strip(f.location.Render()) + ":" + std::to_string(f.span.line) + " " + f.rule_id + " ->";
    for (const auto& r : f.related)
      row += " " + strip(r.location.Render()) + ":" + std::to_string(r.span.line);
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The same of a scan of `operand` whose members linkage keeps go to `temp_dir`, at most
// `store_bytes` of them.
std::vector<std::string> ScanRowsWith(const std::string& operand, const std::string& prefix,
                                      const std::string& temp_dir, uint64_t store_bytes,
                                      ntpsweep::ScanStats* stats) {
  ntpsweep::scan::ScanOptions options;
  options.operands = {operand};
  options.temp_dir = temp_dir;
  options.member_store_bytes = store_bytes;
  options.max_reader_bytes = 4 << 20;  // members past the store's 1 MiB block are read
  return ScanRowsOf(options, prefix, stats);
}

}  // namespace

// Members kept whole for linkage (scan/member_links.h) relate findings as they do kept in memory
// (no temporary file) and read again by a second inflate or observed as they pass (no room in
// the store): a variable defined in a finding file and written by a script past the store's
// memory block, a finding file installed by a Dockerfile past it; in a tar.gz, a tar.zst and a
// tar.gz nested in a tar. Decoys: a large member with hints that names nothing, the notes and the
// other template of kProject.
TEST_CASE("linkage: members kept on disk relate findings as from memory and a second inflate",
          "[linkage][archive]") {
  using ntpsweep::scan::MemberLinks;
  ntpsweep::testing::TempDir tmp;
  std::string pad, decoy;
  for (size_t i = 0; pad.size() <= MemberLinks::kStoreMemoryBytes; ++i)
    pad += "# padding line " + std::to_string(i) + "\n";
  const size_t pad_lines = static_cast<size_t>(std::count(pad.begin(), pad.end(), '\n'));
  for (size_t i = 0; decoy.size() <= MemberLinks::kStoreMemoryBytes; ++i)
    decoy += "echo $HOME ${PATH} {{ other_" + std::to_string(i) + " }} chrony\n";
  Members members = kProject;
  for (auto& [name, data] : members)
    if (name == "proj/Dockerfile") data = pad + data;
  members.push_back({"proj/docs/big-notes.sh", decoy});
  members.push_back(
      {"proj/scripts/big-setup.sh",
       pad + ". ./env.sh\nsed -i \"s/^pool .*/server $NTP_IP iburst/\" /etc/chrony.conf\n"});
  const std::string dir = tmp.path() + "/in";
  ntpsweep::testing::WriteWholeFile(dir + "/proj.tar.gz", TarOf(members, true));
  ntpsweep::testing::WriteWholeFile(dir + "/proj.tar.zst", TarOf(members, false, true));
  ntpsweep::testing::WriteWholeFile(
      dir + "/outer.tar",
      TarOf({{"readme.txt", "nested below\n"}, {"outer/proj.tar.gz", TarOf(members, true)}},
            false));
  const std::string temp = tmp.path() + "/temp";
  std::filesystem::create_directories(temp);
  for (const std::string& prefix :
       {dir + "/proj.tar.gz!", dir + "/proj.tar.zst!", dir + "/outer.tar!outer/proj.tar.gz!"}) {
    INFO(prefix);
    const std::string operand = prefix.substr(0, prefix.find('!'));
    ntpsweep::ScanStats on_disk, in_memory, none;
    const std::vector<std::string> rows =
        ScanRowsWith(operand, prefix, temp, MemberLinks::kStoreBytes, &on_disk);
    CHECK(on_disk.members_kept > 0);
    CHECK(on_disk.member_bytes_on_disk > 0);
    CHECK(on_disk.member_store_error.empty());
    CHECK(ScanRowsWith(operand, prefix, "/nonexistent/ntpsweep-linkage-test",
                       MemberLinks::kStoreBytes, &in_memory) == rows);
    CHECK(in_memory.members_kept > 0);
    CHECK(in_memory.member_bytes_on_disk == 0);
    CHECK_FALSE(in_memory.member_store_error.empty());
    // No room: a zstd stream is inflated again, a gzip one's members observed as they pass.
    CHECK(ScanRowsWith(operand, prefix, temp, 0, &none) == rows);
    CHECK(none.members_kept == 0);
    const std::vector<std::string> want = {
        "proj/chrony.conf:1 chrony-source -> proj/Dockerfile:" + std::to_string(pad_lines + 3),
        "proj/group_vars/all.yml:3 ansible-time-server-var -> proj/templates/chrony.conf.j2:2",
        "proj/scripts/env.sh:1 shell-ntp-named-var -> proj/scripts/big-setup.sh:" +
            std::to_string(pad_lines + 2) + " proj/scripts/setup.sh:3",
    };
    CHECK(rows == want);
  }
}

namespace {

// `data` as the only member `name` of a file compressed by `filter` (no archive around it).
std::string CompressedAlone(const std::string& name, const std::string& data,
                            ntpsweep::testing::ArchiveSetter filter) {
  return ntpsweep::testing::MemoryArchive({{name, data}}, archive_write_set_format_raw, {filter});
}

// kProject in `dir`: the findings' files plain, each other file compressed alone (the notes by
// bzip2, the setup script by zstd, the rest by gzip). Returns how many are compressed.
size_t WriteCompressedProject(const std::string& dir) {
  using ntpsweep::testing::WriteWholeFile;
  size_t compressed = 0;
  for (const auto& [name, data] : kProject) {
    const std::string path = dir + "/" + name, base = name.substr(name.rfind('/') + 1);
    if (name.ends_with("/chrony.conf") || name.ends_with(".yml") || name.ends_with("env.sh") ||
        name.ends_with("unrelated.conf")) {
      WriteWholeFile(path, data);
      continue;
    }
    ++compressed;
    if (name.ends_with("NOTES.txt"))
      WriteWholeFile(path + ".bz2", CompressedAlone(base, data, archive_write_add_filter_bzip2));
    else if (name.ends_with("setup.sh"))
      WriteWholeFile(path + ".zst", CompressedAlone(base, data, archive_write_add_filter_zstd));
    else
      WriteWholeFile(path + ".gz", CompressedAlone(base, data, archive_write_add_filter_gzip));
  }
  return compressed;
}

// The rows linkage relates in WriteCompressedProject's tree below "in/".
const std::vector<std::string> kCompressedProjectRows = {
    "in/proj/chrony.conf:1 chrony-source ->",
    "in/proj/group_vars/all.yml:3 ansible-time-server-var -> "
    "in/proj/templates/chrony.conf.j2.gz!chrony.conf.j2:2",
    "in/proj/scripts/env.sh:1 shell-ntp-named-var -> in/proj/scripts/setup.sh.zst!setup.sh:3",
};

}  // namespace

// The only member of a compressed file that is no archive (one file gzip-, bzip2- or
// zstd-compressed alone) keeps nothing for linkage: no record in the store, no words. It is read
// again at the end by decompressing its file, and relates findings as when it was kept whole:
// kProject with each file that relates a finding (or decoys) compressed alone, the findings'
// files plain, gate on and off. Decoys: the notes (read again, relate nothing), the other
// template, a large script with hints that names nothing (past the store's memory block: written
// to disk when kept whole), a Dockerfile whose COPY cannot reach a file outside its compressed
// file; beside them a tar.gz's members are still kept whole, and relate their findings.
TEST_CASE("linkage: a compressed file's only member is decompressed again, not kept",
          "[linkage][archive]") {
  using ntpsweep::scan::MemberLinks;
  using ntpsweep::testing::MemoryArchive;
  using ntpsweep::testing::WriteWholeFile;
  ntpsweep::testing::TempDir tmp;
  const std::string dir = tmp.path() + "/in";
  size_t compressed = 1 + WriteCompressedProject(dir);  // and the large decoy below
  std::string decoy;
  for (size_t i = 0; decoy.size() <= MemberLinks::kStoreMemoryBytes; ++i)
    decoy += "echo $HOME ${PATH} {{ other_" + std::to_string(i) + " }} chrony\n";
  WriteWholeFile(dir + "/proj/docs/big-notes.sh.gz",
                 CompressedAlone("big-notes.sh", decoy, archive_write_add_filter_gzip));
  const std::string temp = tmp.path() + "/temp";
  std::filesystem::create_directories(temp);
  const std::vector<std::string>& want = kCompressedProjectRows;
  ntpsweep::scan::ScanOptions options;
  options.operands = {dir};
  options.temp_dir = temp;
  options.max_reader_bytes = 4 << 20;  // the large decoy is read too with the gate off
  ntpsweep::ScanStats stats;
  CHECK(ScanRowsOf(options, tmp.path() + "/", &stats) == want);
  CHECK(stats.members_kept == 0);
  CHECK(stats.member_bytes_on_disk == 0);
  CHECK(stats.member_bytes_in_memory == 0);
  CHECK(stats.observed == 3);  // the template, the script, the notes
  // Each compressed file decompressed again (the findings give needles), none kept.
  CHECK(stats.containers_walked_again == compressed);
  options.prefilter = false;   // every entry read by every reader as it passes
  CHECK(ScanRowsOf(options, tmp.path() + "/", &stats) == want);
  // A tar.gz's members can be read again only by inflating all of it: kept whole.
  WriteWholeFile(tmp.path() + "/tar/proj.tar.gz", TarOf(kProject, true));
  options.prefilter = true;
  options.operands = {dir, tmp.path() + "/tar"};
  std::vector<std::string> both = want;
  both.insert(
      both.end(),
      {"tar/proj.tar.gz!proj/chrony.conf:1 chrony-source -> tar/proj.tar.gz!proj/Dockerfile:3",
       "tar/proj.tar.gz!proj/group_vars/all.yml:3 ansible-time-server-var -> "
       "tar/proj.tar.gz!proj/templates/chrony.conf.j2:2",
       "tar/proj.tar.gz!proj/scripts/env.sh:1 shell-ntp-named-var -> "
       "tar/proj.tar.gz!proj/scripts/setup.sh:3"});
  CHECK(ScanRowsOf(options, tmp.path() + "/", &stats) == both);
  CHECK(stats.members_kept > 0);
}

// Past MemberLinks::kMaxSole single compressed files listed (16,384), the rest are kept whole as
// any other member: the compressed project and kMaxSole decoys (each a script with a hint that
// names nothing, so deferred too) relate the same rows, with exactly the files past the limit
// kept and the listed ones decompressed again.
TEST_CASE("linkage: single compressed files past the listing limit are kept whole",
          "[linkage][archive]") {
  using ntpsweep::scan::MemberLinks;
  ntpsweep::testing::TempDir tmp;
  const std::string dir = tmp.path() + "/in";
  const size_t project = WriteCompressedProject(dir);
  const std::string decoy =
      CompressedAlone("run.sh", "echo \"$HOME\"\n", archive_write_add_filter_gzip);
  std::filesystem::create_directories(dir + "/decoys");
  for (size_t i = 0; i < MemberLinks::kMaxSole; ++i)
    ntpsweep::testing::WriteWholeFile(dir + "/decoys/" + std::to_string(i) + ".sh.gz", decoy);
  const std::string temp = tmp.path() + "/temp";
  std::filesystem::create_directories(temp);
  ntpsweep::scan::ScanOptions options;
  options.operands = {dir};
  options.temp_dir = temp;
  ntpsweep::ScanStats stats;
  CHECK(ScanRowsOf(options, tmp.path() + "/", &stats) == kCompressedProjectRows);
  CHECK(stats.members_kept == project);
  CHECK(stats.containers_walked_again == MemberLinks::kMaxSole);
}

namespace {

// Lines of padding, past the 1 MiB block of the texts kept in memory (and its line count).
std::string Padding(size_t* lines) {
  std::string pad;
  for (size_t i = 0; pad.size() <= ntpsweep::scan::ReadFiles::kTextMemoryBytes; ++i)
    pad += "# padding line " + std::to_string(i) + "\n";
  *lines = static_cast<size_t>(std::count(pad.begin(), pad.end(), '\n'));
  return pad;
}

// kProject as files in `copies` directories (proj-00, proj-01, ...), the installer and the
// consumers of copy k on lines k % 5 further down: a text read back for a neighbour relates a
// finding to a line (or a file) its own does not. Copy 0 also holds a consumer too large to be
// kept (read again from disk). Decoys: kProject's, and candidates whose hints name nothing, more
// than the texts' memory block in all (the texts kept go on to the temporary file).
// Returns the rows a scan of it must give, with the tree's path and a '/' removed.
std::vector<std::string> WriteProjects(const std::string& root, size_t copies) {
  using ntpsweep::scan::ReadFiles;
  size_t pad_lines = 0;
  const std::string pad = Padding(&pad_lines);
  for (size_t n = 0; n * ReadFiles::kTextFileBytes / 2 <= ReadFiles::kTextMemoryBytes; ++n) {
    std::string decoy;
    for (size_t i = 0; decoy.size() < ReadFiles::kTextFileBytes / 2; ++i)
      decoy += "echo $HOME ${PATH} {{ other_" + std::to_string(i) + " }} chrony\n";
    ntpsweep::testing::WriteWholeFile(root + "/docs/notes-" + std::to_string(n) + ".sh", decoy);
  }
  std::vector<std::string> rows;
  for (size_t k = 0; k < copies; ++k) {
    char name[16];
    std::snprintf(name, sizeof name, "proj-%02zu", k);
    const std::string dir = root + "/" + name, lines_of(k % 5, '\n');
    auto shift = [&](size_t line) { return std::to_string(line + k % 5); };
    for (auto [rel, text] : kProject) {
      rel = rel.substr(std::string("proj/").size());
      const size_t eol = text.find('\n') + 1;
      // After the first line: the shebang, FROM, the loop's head stay where they are.
      if (rel == "Dockerfile" || rel == "scripts/setup.sh" || rel == "templates/chrony.conf.j2")
        text.insert(eol, lines_of);
      ntpsweep::testing::WriteWholeFile(dir + "/" + rel, text);
    }
    std::string env = std::string(name) + "/scripts/env.sh:1 shell-ntp-named-var ->";
    if (k == 0) {
      ntpsweep::testing::WriteWholeFile(
          dir + "/scripts/big-setup.sh",
          pad + ". ./env.sh\nsed -i \"s/^pool .*/server $NTP_IP iburst/\" /etc/chrony.conf\n");
      env += " " + std::string(name) + "/scripts/big-setup.sh:" + std::to_string(pad_lines + 2);
    }
    rows.push_back(std::string(name) + "/chrony.conf:1 chrony-source -> " + name +
                   "/Dockerfile:" + shift(3));
    rows.push_back(std::string(name) + "/group_vars/all.yml:3 ansible-time-server-var -> " + name +
                   "/templates/chrony.conf.j2:" + shift(2));
    rows.push_back(env + " " + name + "/scripts/setup.sh:" + shift(3));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Rewrites a file once the first pass has read it (the "read" line of -v names it): the
// cross-file stage then finds it changed on disk.
class RewriteAfterRead : public std::streambuf {
 public:
  RewriteAfterRead(std::string path, std::string text)
      : path_(std::move(path)), text_(std::move(text)) {}
  bool rewritten() const { return rewritten_; }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    if (c != '\n') {
      line_.push_back(static_cast<char>(c));
      return c;
    }
    if (line_ == "ntpsweep: read " + path_) {
      ntpsweep::testing::WriteWholeFile(path_, text_);
      rewritten_ = true;
    }
    line_.clear();
    return c;
  }

 private:
  std::string path_, text_, line_;
  bool rewritten_ = false;
};

}  // namespace

// The texts of the files on disk that linkage may read again are kept from the first pass
// (scan/read_files.h) and read back from there: a temporary file past their memory block, in
// memory without one, some of them with a budget that ends partway (the rest read again from
// disk), none with a budget of 0: the same findings and related locations each way, over 40
// projects whose neighbours differ in the lines that relate them. A large text is never kept.
// The sieve reads again only a needle as a whole word (a variable, a file's last path segment):
// the relations stay, the decoys that hold a needle inside a longer name are not read again.
TEST_CASE("linkage: candidates holding a needle only inside a longer name are not read again",
          "[linkage]") {
  ntpsweep::testing::TempDir tmp;
  const std::string root = tmp.path() + "/";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"group_vars/all.yml", "ntp_servers:\n  - 10.20.30.40\n"},
      {"files/chrony.conf", "server 10.20.30.40 iburst\n"},
      // Related: a template reading the variable, a Dockerfile installing the file.
      {"roles/ntp/templates/chrony.conf.j2",
       "{% for s in ntp_servers %}\nserver {{ s }} iburst\n{% endfor %}\n"},
      {"Dockerfile", "FROM debian\nCOPY [\"files/chrony.conf\", \"/etc/chrony/chrony.conf\"]\n"},
      // Decoys: the variable's name inside longer ones, the file's name inside longer ones.
      {"roles/ntp/templates/ntp.conf.j2", "server {{ ntp_servers_backup }} iburst\n"},
      {"scripts/set.sh",
       "#!/bin/sh\nsed -i \"s/^pool .*/server ${ntp_servers_old}/\" /etc/ntp.conf\n"},
      {"old/Dockerfile", "FROM debian\nCOPY files/chrony.conf_v2 /etc/chrony/\n"},
      {"old/Containerfile", "FROM debian\nCOPY files/mychrony.conf /etc/chrony/\n"},
      // The file's name where no installer word is: nothing installs it.
      {"scripts/install.sh",
       "#!/bin/sh\ninstall -m 644 files/chrony.conf /etc/chrony/\nntpdate -u $NTP\n"},
  };
  for (const auto& [rel, text] : files) ntpsweep::testing::WriteWholeFile(tmp / rel, text);
  ntpsweep::scan::ScanOptions options;
  options.operands = {root};
  ntpsweep::ScanStats stats;
  CHECK(
      ScanRowsOf(options, root, &stats) ==
      std::vector<std::string>{
          "files/chrony.conf:1 chrony-source -> Dockerfile:2",
          "group_vars/all.yml:2 ansible-time-server-var -> roles/ntp/templates/chrony.conf.j2:2"});
  CHECK(stats.observed == 2);  // the template and the Dockerfile, no decoy
}

// A file's name counts only where an install in the entry could resolve to a finding's file of
// that name (Linker::InstallReaches): under the installer's directory (an Ansible task's role's),
// by a source with `..`, or by an absolute source naming every segment of the file's path.
TEST_CASE("linkage: the sieve reads an install again only where it can reach the finding's file",
          "[linkage]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  Linker linker(rules);
  ntpsweep::Finding config;
  config.rule_id = "chrony-source";
  config.directive = "server";
  config.location.chain = {"proj/roles/ntp/templates/chrony.conf"};
  const Linker::Sieve sieve(linker, {config});
  using Reach = Linker::Sieve::Reach;
  auto judge = [&](const std::vector<std::string>& chain, std::string_view text) {
    ntpsweep::Location at;
    at.chain = chain;
    return sieve.Judge(chain.back(), text, [&] { return at; });
  };
  const std::string task = "- template:\n    src: chrony.conf\n    dest: /etc/chrony.conf\n";
  // The role's task, a Dockerfile above it naming the path partly, a Packer file beside it
  // climbing with `..`, one naming it absolutely.
  CHECK(judge({"proj/roles/ntp/tasks/main.yml"}, task) == Reach::kInstalls);
  CHECK(judge({"proj/Dockerfile"}, "COPY roles/ntp/templates/chrony.conf /etc/\n") ==
        Reach::kInstalls);
  CHECK(judge({"proj/roles/web/Dockerfile"}, "COPY ../ntp/templates/chrony.conf /etc/\n") ==
        Reach::kInstalls);
  // A `..` that does not name the rest of the path: another file of the name.
  CHECK(judge({"proj/roles/web/Dockerfile"}, "COPY ../chrony.conf /etc/\n") == Reach::kNone);
  CHECK(judge({"packer/build.pkr.hcl"},
              "provisioner \"file\" {\n  source = \"../proj/roles/ntp/templates/chrony.conf\"\n"
              "  destination = \"/etc/chrony.conf\"\n}\n") == Reach::kInstalls);
  CHECK(judge({"packer/abs.pkr.hcl"},
              "provisioner \"file\" {\n  source = \"/proj/roles/ntp/templates/chrony.conf\"\n"
              "  destination = \"/etc/chrony.conf\"\n}\n") == Reach::kInstalls);
  CHECK(judge({"Dockerfile"}, "COPY chrony.conf /etc/\n") == Reach::kInstalls);  // the root's
  // An escaped source need not hold the segments as written.
  CHECK(judge({"other/tasks/main.yml"},
              "- copy:\n    src: \"/proj/roles/ntp/templ\\x61tes/chrony.conf\"\n") ==
        Reach::kInstalls);
  // Decoys: the same file name installed from another directory, another role's task, a list
  // naming the name under other directories, a member of an archive (another outer chain).
  CHECK(judge({"web/Dockerfile"}, "COPY chrony.conf /etc/chrony/\n") == Reach::kNone);
  CHECK(judge({"proj/roles/web/Dockerfile"}, "COPY templates/chrony.conf /etc/\n") == Reach::kNone);
  CHECK(judge({"other/roles/ntp/tasks/main.yml"}, task) == Reach::kNone);
  CHECK(judge({"var/lib/dpkg/info/chrony.list"},
              "# source: chrony\n/etc/chrony/chrony.conf\n/usr/share/doc/chrony/README\n") ==
        Reach::kNone);
  CHECK(judge({"img.tar", "proj/Dockerfile"}, "COPY roles/ntp/templates/chrony.conf /etc/\n") ==
        Reach::kNone);
  // Without the entry's location, any file of the name counts.
  CHECK(sieve.Judge("web/Dockerfile", "COPY chrony.conf /etc/chrony/\n") == Reach::kInstalls);
  // A variable's consumer is not judged by its location.
  ntpsweep::Finding variable;
  variable.rule_id = "ansible-time-server-var";
  variable.directive = "ntp_servers[]";
  variable.location.chain = {"proj/group_vars/all.yml"};
  const Linker::Sieve both(linker, {variable, config});
  ntpsweep::Location far;
  far.chain = {"elsewhere/t/chrony.conf.j2"};
  CHECK(both.Judge(far.chain.back(), "server {{ ntp_servers }}\n", [&] { return far; }) ==
        Reach::kAll);
}

TEST_CASE("linkage: where an install can reach a file", "[linkage]") {
  auto reaches = [](const std::vector<std::string>& installer, const std::vector<std::string>& file,
                    std::string_view text) {
    ntpsweep::Location at;
    at.chain = installer;
    return Linker::InstallReaches(at, file, text);
  };
  CHECK(reaches({"a/b/Dockerfile"}, {"a/b/c/x.conf"}, "COPY c/x.conf /"));
  CHECK_FALSE(reaches({"a/b/Dockerfile"}, {"a/bc/x.conf"}, "COPY x.conf /"));
  CHECK(reaches({"/Dockerfile"}, {"/etc/x.conf"}, "COPY etc/x.conf /"));
  CHECK(reaches({"Dockerfile"}, {"etc/x.conf"}, "COPY etc/x.conf /"));
  CHECK(reaches({"./a/Dockerfile"}, {"a/x.conf"}, "COPY x.conf /"));  // normalized
  // A role's task reaches its role's templates/ and files/, not a sibling role's.
  CHECK(reaches({"r/ntp/tasks/main.yml"}, {"r/ntp/files/x.conf"}, "src: x.conf"));
  CHECK_FALSE(reaches({"r/ntp/tasks/main.yml"}, {"r/web/files/x.conf"}, "src: x.conf"));
  // tasks/ ends a longer directory name: "mytasks/" makes "mytemplates/".
  CHECK(reaches({"r/mytasks/main.yml"}, {"r/mytemplates/x.conf"}, "src: x.conf"));
  CHECK(reaches({"tasks/main.yml"}, {"templates/x.conf"}, "src: x.conf"));
  // By `..`, the segments past the directory's shared part; by an absolute source, all.
  CHECK(reaches({"a/Dockerfile"}, {"b/x.conf"}, "COPY ../b/x.conf /"));
  CHECK(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "COPY ../conf.d/x.conf /"));
  CHECK(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "COPY x/../../conf.d/x.conf /"));
  CHECK_FALSE(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "COPY ../x.conf /"));
  CHECK_FALSE(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "COPY ../../etc/x.conf /"));
  // Without `..`, a source out of the directory is absolute: it names the shared part too.
  CHECK_FALSE(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "COPY /conf.d/x.conf /"));
  CHECK(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "COPY /p/conf.d/x.conf /"));
  CHECK(reaches({"r/ntp/tasks/main.yml"}, {"r/web/files/x.conf"}, "src: ../../web/files/x.conf"));
  CHECK_FALSE(reaches({"r/ntp/tasks/main.yml"}, {"r/web/files/x.conf"}, "src: ../x.conf"));
  // An escaped source need not hold its segments as written.
  CHECK(reaches({"p/a/Dockerfile"}, {"p/conf.d/x.conf"}, "src: \"/p/conf\\x2Ed/x.conf\""));
  CHECK(reaches({"a/Dockerfile"}, {"srv/conf.d/x.conf"}, "COPY /srv/conf.d/x.conf /"));
  CHECK_FALSE(reaches({"a/Dockerfile"}, {"srv/conf.d/x.conf"}, "COPY /srv/x.conf /"));
  CHECK_FALSE(reaches({"a/Dockerfile"}, {"srv/conf.d/x.conf"}, "COPY /conf.d/x.conf /"));
  // Another container's file is never this installer's.
  CHECK_FALSE(reaches({"i.tar", "Dockerfile"}, {"j.tar", "x.conf"}, "COPY x.conf /"));
  CHECK(reaches({"i.tar", "Dockerfile"}, {"i.tar", "x.conf"}, "COPY x.conf /"));
  CHECK_FALSE(reaches({"Dockerfile"}, {"i.tar", "x.conf"}, "COPY x.conf /"));
}

// In a scan: the role's task and a Dockerfile climbing to the template relate the finding;
// decoys naming the file's name elsewhere (another role's task, a Dockerfile in another
// directory, a package list) are not read again.
TEST_CASE("linkage: installs that cannot reach the finding's file are not read again",
          "[linkage]") {
  ntpsweep::testing::TempDir tmp;
  const std::string root = tmp.path() + "/";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"roles/ntp/templates/chrony.conf", "server 10.20.30.40 iburst\n"},
      {"roles/ntp/tasks/main.yml",
       "- name: chrony\n  template:\n    src: chrony.conf\n    dest: /etc/chrony/chrony.conf\n"},
      {"docker/Dockerfile", "FROM debian\nCOPY ../roles/ntp/templates/chrony.conf /etc/chrony/\n"},
      {"other/roles/ntp/tasks/main.yml",
       "- name: chrony\n  template:\n    src: chrony.conf\n    dest: /etc/chrony/chrony.conf\n"},
      {"web/Dockerfile", "FROM debian\nCOPY chrony.conf /etc/chrony/chrony.conf\n"},
      {"lists/chrony.list", "source chrony\n/etc/chrony/chrony.conf\n"},
  };
  for (const auto& [rel, text] : files) ntpsweep::testing::WriteWholeFile(tmp / rel, text);
  ntpsweep::scan::ScanOptions options;
  options.operands = {root};
  ntpsweep::ScanStats stats;
  CHECK(ScanRowsOf(options, root, &stats) ==
        std::vector<std::string>{"roles/ntp/templates/chrony.conf:1 chrony-source -> "
                                 "docker/Dockerfile:2 roles/ntp/tasks/main.yml:3"});
  CHECK(stats.observed == 2);  // the task and the Dockerfile, no decoy
}

TEST_CASE("linkage: files' texts kept from the pass relate findings as read again from disk",
          "[linkage]") {
  ntpsweep::testing::TempDir tmp;
  const std::string root = tmp.path() + "/tree", temp = tmp.path() + "/temp";
  const std::vector<std::string> want = WriteProjects(root, 40);
  std::filesystem::create_directories(temp);
  ntpsweep::scan::ScanOptions options;
  options.operands = {root};
  options.temp_dir = temp;
  options.max_reader_bytes = 4 << 20;  // the large consumer, past the texts' block, is read
  ntpsweep::ScanStats kept, in_memory, partway, none;
  CHECK(ScanRowsOf(options, root + "/", &kept) == want);
  // Every candidate but the large one (40 * 5 files with hints, 129 decoys), past the block.
  CHECK(kept.link_texts_kept == 40 * 5 + 129);
  CHECK(kept.link_text_bytes_on_disk > 0);
  CHECK(kept.link_text_error.empty());
  options.temp_dir = "/nonexistent/ntpsweep-linkage-test";
  CHECK(ScanRowsOf(options, root + "/", &in_memory) == want);
  CHECK(in_memory.link_texts_kept == kept.link_texts_kept);
  CHECK(in_memory.link_text_bytes_on_disk == 0);
  CHECK_FALSE(in_memory.link_text_error.empty());
  options.temp_dir = temp;
  options.link_text_bytes = 4096;
  CHECK(ScanRowsOf(options, root + "/", &partway) == want);
  CHECK(partway.link_texts_kept > 0);
  CHECK(partway.link_texts_kept < kept.link_texts_kept);
  options.link_text_bytes = 0;
  CHECK(ScanRowsOf(options, root + "/", &none) == want);
  CHECK(none.link_texts_kept == 0);
  CHECK(none.observed == kept.observed);
}

// A file changed on disk after the first pass read it: its text kept from the pass relates the
// finding (the line the pass saw); not kept (budget 0), it is read again and its new text does.
TEST_CASE("linkage: a file changed after the pass links by the text the pass kept", "[linkage]") {
  ntpsweep::testing::TempDir tmp;
  const std::string root = tmp.path() + "/tree";
  for (const auto& [rel, text] : kProject)
    ntpsweep::testing::WriteWholeFile(root + "/" + rel, text);
  const std::string setup = root + "/proj/scripts/setup.sh";
  const std::string original = ntpsweep::testing::ReadWholeFile(setup);
  // Four lines further down.
  const std::string moved = "#!/bin/sh\n\n\n\n\n" + original.substr(original.find('\n') + 1);
  for (uint64_t budget : {ntpsweep::scan::ReadFiles::kTextBytes, uint64_t{0}}) {
    INFO(budget);
    ntpsweep::testing::WriteWholeFile(setup, original);
    RewriteAfterRead rewrite(setup, moved);
    std::ostream out(&rewrite);
    ntpsweep::input::VerboseLog log(out);
    ntpsweep::scan::ScanOptions options;
    options.operands = {root};
    options.walk.verbose = &log;
    options.link_text_bytes = budget;
    ntpsweep::ScanStats stats;
    std::vector<std::string> rows = ScanRowsOf(options, root + "/", &stats);
    CHECK(rewrite.rewritten());
    std::vector<std::string> want = {
        "proj/chrony.conf:1 chrony-source -> proj/Dockerfile:3",
        "proj/group_vars/all.yml:3 ansible-time-server-var -> proj/templates/chrony.conf.j2:2",
        budget ? "proj/scripts/env.sh:1 shell-ntp-named-var -> proj/scripts/setup.sh:3"
               : "proj/scripts/env.sh:1 shell-ntp-named-var -> proj/scripts/setup.sh:7",
    };
    CHECK(rows == want);
  }
}

// The cross-file stage runs on every worker (the candidates read again, the members replayed,
// each finding's related locations): its output is the same byte for byte on one thread and
// on two, over many linked projects in a tree and in a tar beside them.
TEST_CASE("linkage: many linked files give the same output on one thread and on two", "[linkage]") {
  ntpsweep::testing::TempDir tmp;
  const std::string root = tmp.path() + "/tree";
  const std::vector<std::string> want = WriteProjects(root, 60);
  ntpsweep::testing::WriteWholeFile(root + "/images/proj.tar", TarOf(kProject, false));
  ntpsweep::testing::RunOptions o;
  o.cwd = root;
  std::vector<std::string> outputs;
  for (const char* jobs : {"1", "2", "1", "2"}) {
    auto r = ntpsweep::testing::RunNtpsweep(
        {"scan", "--format", "json", "-j", jobs, "--max-reader-size",
         "4MiB",  // proj-00's big-setup.sh
         "--host", "10.20.30.40", "--host", "ntp-old.corp.example.com", "."},
        o);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    outputs.push_back(r.out);
  }
  for (const std::string& out : outputs) CHECK(out == outputs.front());
  // Every project's relations, and the tar's (its members as the archive's chain).
  const std::vector<std::string> rows = Rows(outputs.front(), "", "");
  size_t related = 0;
  for (const std::string& row : rows) {
    std::istringstream after(row.substr(row.find(" -> ") + 4));
    related += static_cast<size_t>(std::distance(std::istream_iterator<std::string>(after),
                                                 std::istream_iterator<std::string>()));
  }
  CHECK(rows.size() == want.size() + kProjectRows.size());
  CHECK(related == 60 * 3 + 1 + kProjectRows.size());  // proj-00's big-setup.sh reads NTP_IP too
}

// Two consumers on one span (a template appended to a tar under the same name, read twice):
// the related locations are ranked by what they say, not by which thread observed one first.
TEST_CASE(
    "linkage: consumers on one span are related in the same order whatever was observed "
    "first",
    "[linkage]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::Finding variable;
  variable.rule_id = "ansible-time-server-var";
  variable.directive = "ntp_servers[]";
  variable.location.chain = {"proj/group_vars/all.yml"};
  variable.span.line = 3;
  const std::string path = "proj/templates/chrony.conf.j2";
  const std::vector<std::string> texts = {
      "server {{ ntp_servers }} iburst\n",
      "pool   {{ ntp_servers }} iburst\n",
      // Decoys: another variable on the same span, a consumer on another line.
      "server {{ dns_servers }} iburst\n",
  };
  auto related = [&](const std::vector<size_t>& order, unsigned jobs) {
    Linker linker(rules);
    for (size_t i : order) linker.Observe(ntpsweep::Location{{path}}, path, texts[i]);
    std::vector<ntpsweep::Finding> findings = {variable};
    linker.Link(&findings, jobs);
    std::vector<std::string> out;
    for (const ntpsweep::RelatedLocation& r : findings[0].related)
      out.push_back(r.location.Render() + ":" + std::to_string(r.span.line) + ":" +
                    std::to_string(r.span.column) + " " + r.message);
    return out;
  };
  const std::vector<std::string> want = {
      path + ":1:8 `ntp_servers` is rendered here by `pool {{ ntp_servers }}`",
      path + ":1:8 `ntp_servers` is rendered here by `server {{ ntp_servers }}`",
  };
  CHECK(related({0, 1, 2}, 1) == want);
  CHECK(related({2, 1, 0}, 1) == want);
  CHECK(related({1, 2, 0}, 2) == want);
}
