// The fixture tree of issue #4 (fixtures/syntaxes): one small, real-looking file or two per
// syntax (cloud-init, Ansible, Puppet/Chef/Salt, Packer, Terraform, Dockerfile/compose/k8s,
// shell, installers, DHCP) with positives and decoys. The table below was written by reading
// each fixture line against the issue: every time-source line is reported by its specific rule;
// decoys (nginx upstream, nntp-server, DNS/proxy/route addresses, version strings, a backup host
// in a script) get at most a catch-all mention.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fixture_tree.h"
#include "host/target.h"
#include "rules/rule.h"
#include "scan/inventory.h"
#include "scan/scan.h"

namespace {

using namespace ntpsweep;

const std::string kRoot = std::string(NTPSWEEP_SOURCE_DIR) + "/fixtures/syntaxes";

struct Row {
  std::string file;
  int line;
  std::string rule;
  std::string activity;
  auto Key() const { return std::tie(file, line, rule, activity); }
  bool operator<(const Row& o) const { return Key() < o.Key(); }
  bool operator==(const Row& o) const { return Key() == o.Key(); }
};

std::string Rel(const Location& loc) {
  return fixture_tree::RelativeTo(kRoot, loc);
}

scan::ScanResult ScanFixtures() {
  return fixture_tree::Scan(kRoot);
}

const std::vector<Row> kExpected = {
    {"ansible/group_vars/all.yml", 2, "ansible-time-server-var", "template"},
    {"ansible/group_vars/all.yml", 6, "ansible-time-server-var", "template"},
    {"ansible/group_vars/all.yml", 7, "text-mention", "mention"},
    {"ansible/roles/ntp/defaults/main.yml", 4, "ansible-time-server-var", "template"},
    {"ansible/roles/ntp/defaults/main.yml", 7, "text-mention", "mention"},
    {"ansible/roles/ntp/defaults/main.yml", 9, "ansible-time-server-var", "commented-out"},
    {"ansible/roles/ntp/tasks/main.yml", 13, "chrony-source", "active"},
    {"ansible/roles/ntp/tasks/main.yml", 19, "ntp-conf-source", "active"},
    {"ansible/roles/ntp/tasks/main.yml", 20, "ntp-conf-reference", "reference"},
    {"ansible/roles/ntp/tasks/main.yml", 23, "shell-one-shot-sync", "active"},
    {"ansible/roles/ntp/tasks/main.yml", 26, "chrony-source", "active"},
    {"ansible/roles/ntp/tasks/main.yml", 31, "text-mention", "mention"},
    {"ansible/roles/ntp/templates/chrony.conf.j2", 9, "chrony-source", "template"},
    {"ansible/site.yml", 3, "ansible-time-server-var", "template"},
    {"ansible/site.yml", 8, "ansible-assert-time-source", "reference"},
    {"ansible/site.yml", 9, "ansible-assert-regex-time-source", "reference"},
    {"chef/attributes/time.rb", 3, "chef-attribute-time-server", "active"},  // list over lines
    {"chef/attributes/time.rb", 6, "chef-attribute-time-server", "active"},  // %w()
    {"chef/attributes/time.rb", 7, "text-mention", "mention"},                // listen
    {"chef/attributes/default.rb", 1, "chef-attribute-time-server", "active"},
    {"chef/attributes/default.rb", 2, "text-mention", "mention"},
    {"chef/templates/chrony.conf.erb", 4, "chrony-source", "template"},
    {"cloud-init/mime-user-data.txt", 9, "cloud-init-ntp", "active"},
    {"cloud-init/mime-user-data.txt", 15, "shell-one-shot-sync", "active"},
    {"cloud-init/user-data", 5, "cloud-init-ntp", "active"},
    {"cloud-init/user-data", 7, "cloud-init-ntp", "active"},
    {"cloud-init/user-data", 13, "chrony-source", "active"},
    {"cloud-init/user-data", 17, "ntp-conf-source", "active"},
    {"cloud-init/user-data", 20, "timesyncd-ntp", "active"},
    {"cloud-init/user-data", 22, "chrony-source", "active"},
    {"cloud-init/user-data", 23, "shell-one-shot-sync", "active"},
    {"cloud-init/user-data", 25, "chrony-source", "active"},
    {"decoys/nginx.conf", 2, "text-mention", "mention"},
    {"decoys/nginx.conf", 4, "text-mention", "mention"},  // prose: "# see http://..."
    {"dhcp/dhcpd.conf", 1, "text-mention", "mention"},
    {"dhcp/dhcpd.conf", 4, "dhcpd-ntp-servers", "active"},
    {"dhcp/dhcpd.conf", 4, "dhcpd-ntp-servers", "active"},
    {"dhcp/dhcpd.conf", 5, "text-mention", "mention"},
    {"dhcp/dhcpd.conf", 6, "dhcpd-ntp-servers", "commented-out"},
    {"dhcp/dnsmasq.conf", 1, "dnsmasq-ntp-server", "active"},
    {"dhcp/dnsmasq.conf", 2, "dnsmasq-ntp-server", "active"},
    {"dhcp/dnsmasq.conf", 3, "text-mention", "mention"},
    {"dhcp/dnsmasq.conf", 4, "dnsmasq-ntp-server", "active"},
    {"dhcp/dnsmasq.conf", 5, "text-mention", "mention"},
    {"dhcp/kea-dhcp4.conf", 5, "text-mention", "mention"},
    {"dhcp/kea-dhcp4.conf", 6, "kea-ntp-servers", "active"},
    {"docker/.env", 1, "env-file-time-server", "active"},
    {"docker/.env", 2, "text-mention", "mention"},
    {"docker/Dockerfile", 2, "dockerfile-time-server-env", "active"},
    {"docker/Dockerfile", 3, "dockerfile-time-server-env", "active"},
    {"docker/Dockerfile", 5, "text-mention", "mention"},
    {"docker/Dockerfile", 7, "chrony-source", "active"},
    {"docker/Dockerfile", 8, "embedded-time-directive", "commented-out"},
    {"docker/Dockerfile", 11, "shell-one-shot-sync", "active"},
    {"docker/Dockerfile", 14, "ntp-conf-source", "active"},
    {"docker/Dockerfile", 17, "text-mention", "mention"},
    {"docker/chrony.conf", 1, "chrony-source", "active"},
    {"docker/docker-compose.yml", 5, "yaml-time-server-key", "active"},
    {"docker/docker-compose.yml", 10, "text-mention", "mention"},
    {"ignition/chrony.bu", 10, "chrony-source", "active"},
    {"ignition/config.ign", 12, "chrony-source", "active"},
    {"ignition/config.ign", 18, "timesyncd-ntp", "active"},
    {"ignition/config.ign", 24, "text-mention", "mention"},
    {"installers/autoinst.xml", 4, "text-mention", "mention"},
    {"installers/autoinst.xml", 9, "autoyast-ntp-server", "active"},
    {"installers/autoinst.xml", 12, "autoyast-ntp-server", "commented-out"},
    {"installers/ks.cfg", 2, "kickstart-ntp", "active"},
    {"installers/ks.cfg", 3, "kickstart-ntp", "active"},
    {"installers/ks.cfg", 4, "kickstart-ntp", "commented-out"},
    {"installers/ks.cfg", 5, "text-mention", "mention"},
    {"installers/ks.cfg", 10, "chrony-source", "active"},
    {"installers/preseed.cfg", 2, "preseed-ntp-server", "active"},
    {"installers/preseed.cfg", 3, "preseed-ntp-server", "commented-out"},
    {"installers/preseed.cfg", 4, "text-mention", "mention"},
    // late_command writes a server line into the target's ntp.conf (issue 8, kind 4).
    {"installers/preseed.cfg", 5, "embedded-time-directive", "active"},
    {"k8s/configmap.yaml", 7, "chrony-source", "active"},
    {"k8s/deployment.yaml", 10, "yaml-time-server-key", "active"},
    {"k8s/deployment.yaml", 12, "text-mention", "mention"},
    {"packer/files/chrony.conf", 2, "chrony-source", "active"},
    {"packer/packer.json", 3, "packer-json-time-server", "template"},
    {"packer/packer.json", 11, "shell-one-shot-sync", "template"},
    {"packer/packer.json", 16, "ntp-conf-source", "active"},
    {"packer/ubuntu.pkr.hcl", 3, "hcl-time-server-key", "template"},
    {"packer/ubuntu.pkr.hcl", 7, "text-mention", "mention"},
    {"packer/ubuntu.pkr.hcl", 11, "cloud-init-ntp", "active"},
    {"packer/ubuntu.pkr.hcl", 21, "shell-one-shot-sync", "active"},
    {"packer/ubuntu.pkr.hcl", 31, "chrony-source", "active"},
    {"packer/ubuntu.pkrvars.hcl", 1, "hcl-time-server-key", "template"},
    {"packer/ubuntu.pkrvars.hcl", 3, "hcl-time-server-key", "commented-out"},
    {"puppet/data/common.yaml", 3, "hiera-time-server", "template"},
    {"puppet/data/common.yaml", 8, "hiera-time-server", "template"},
    {"puppet/manifests/params.pp", 3, "puppet-time-server-variable", "template"},
    {"puppet/manifests/params.pp", 4, "puppet-time-server-variable", "template"},
    {"puppet/manifests/params.pp", 6, "text-mention", "mention"},  // $dns_servers
    {"puppet/manifests/params.pp", 7, "text-mention", "mention"},  // $monitor_host
    {"puppet/manifests/params.pp", 8, "puppet-time-server-variable", "commented-out"},
    {"puppet/manifests/profile.pp", 3, "puppet-manifest-time-server", "active"},
    {"puppet/manifests/profile.pp", 4, "puppet-manifest-time-server", "active"},  // next line
    {"puppet/manifests/profile.pp", 5, "text-mention", "mention"},                // restrict
    {"puppet/manifests/profile.pp", 8, "puppet-manifest-time-server", "active"},  // a hash
    {"puppet/manifests/profile.pp", 12, "puppet-time-server-variable", "template"},
    {"puppet/manifests/site.pp", 2, "puppet-manifest-time-server", "active"},
    {"puppet/manifests/site.pp", 3, "text-mention", "mention"},
    {"puppet/templates/ntp.conf.epp", 8, "ntp-conf-source", "template"},
    {"salt/ntp/ntp.conf", 3, "template-default-servers", "template"},
    {"salt/pillar/ntp.sls", 5, "salt-pillar-time-server", "template"},
    {"salt/pillar/ntp.sls", 9, "salt-pillar-time-server", "template"},
    {"salt/pillar/ntp.sls", 10, "text-mention", "mention"},
    {"shell/cron.d/ntpdate", 2, "shell-one-shot-sync", "active"},
    {"shell/provision.sh", 3, "shell-time-server-var", "active"},
    {"shell/provision.sh", 5, "text-mention", "mention"},
    {"shell/provision.sh", 8, "chrony-source", "active"},
    {"shell/provision.sh", 11, "timesyncd-ntp", "active"},
    {"shell/provision.sh", 13, "ntp-conf-source", "active"},
    {"shell/provision.sh", 14, "shell-one-shot-sync", "active"},
    {"shell/provision.sh", 15, "shell-time-daemon-command", "active"},
    {"shell/provision.sh", 16, "shell-timedatectl", "active"},
    {"shell/provision.sh", 17, "chrony-source", "active"},
    {"shell/sync-time.ps1", 1, "shell-time-daemon-command", "active"},
    {"shell/systemd/ntpdate.service", 6, "shell-one-shot-sync", "active"},
    {"terraform/main.tf", 2, "text-mention", "mention"},
    {"terraform/main.tf", 3, "terraform-dhcp-options-ntp", "active"},
    {"terraform/main.tf", 18, "cloud-init-ntp", "active"},
    {"terraform/templates/user_data.yaml.tpl", 5, "cloud-init-ntp", "template"},
    {"terraform/templates/user_data.yaml.tpl", 12, "chrony-source", "template"},
    {"terraform/terraform.tfvars", 1, "hcl-time-server-key", "template"},
    {"terraform/terraform.tfvars.json", 2, "json-time-server-key", "active"},
    {"terraform/terraform.tfvars.json", 3, "text-mention", "mention"},
    // TOML, Nix, INI, .properties (issue 8, kind 5): one time-server key pattern.
    {"data/ntpd-rs/ntp.toml", 6, "ntpd-rs-source", "active"},
    {"data/ntpd-rs/ntp.toml", 11, "ntpd-rs-source", "commented-out"},
    {"data/ntpd-rs/ntp.toml", 14, "text-mention", "mention"},  // [[server]] listen
    {"data/ntpd-rs/ntp.toml", 17, "text-mention", "mention"},
    {"data/appliance.cfg", 3, "ini-time-server-key", "active"},
    {"data/appliance.cfg", 6, "text-mention", "mention"},  // [proxy] server
    {"data/appliance.cfg", 7, "text-mention", "mention"},
    {"decoys/haproxy.cfg", 2, "text-mention", "mention"},
    {"data/agent.toml", 4, "toml-time-server-key", "active"},
    {"data/agent.toml", 6, "text-mention", "mention"},
    {"data/agent.toml", 10, "toml-time-server-key", "active"},
    {"data/agent.toml", 12, "text-mention", "mention"},
    {"data/agent.toml", 15, "text-mention", "mention"},
    {"data/agent.toml", 18, "toml-time-server-key", "active"},
    {"data/agent.toml", 19, "toml-time-server-key", "commented-out"},
    {"data/configuration.nix", 4, "nix-time-server-key", "active"},
    {"data/configuration.nix", 7, "nix-time-server-key", "active"},
    {"data/configuration.nix", 8, "text-mention", "mention"},
    {"data/configuration.nix", 13, "nix-time-server-key", "active"},
    {"data/configuration.nix", 17, "nix-time-server-key", "commented-out"},
    {"data/configuration.nix", 18, "text-mention", "mention"},
    {"data/configuration.nix", 19, "text-mention", "mention"},
    {"data/settings.ini", 2, "text-mention", "mention"},
    {"data/settings.ini", 3, "ini-time-server-key", "active"},
    {"data/settings.ini", 7, "ini-time-server-key", "active"},
    {"data/settings.ini", 8, "ini-time-server-key", "commented-out"},
    {"data/settings.ini", 9, "text-mention", "mention"},
    {"data/application.properties", 1, "properties-time-server-key", "active"},
    {"data/application.properties", 2, "properties-time-server-key", "active"},
    {"data/application.properties", 5, "text-mention", "mention"},
    {"data/application.properties", 6, "properties-time-server-key", "commented-out"},
    {"data/application.properties", 7, "text-mention", "mention"},
    // Daemon lines embedded in other code (issue 8, kind 4): one rule over every syntax.
    // The powershell reader follows the here-string into Set-Content's chrony.conf.
    {"embedded/Configure-Time.ps1", 3, "chrony-source", "active"},
    {"embedded/Configure-Time.ps1", 6, "text-mention", "mention"},
    {"embedded/ansible/time.yml", 4, "embedded-time-directive", "active"},
    {"embedded/ansible/time.yml", 9, "chrony-source", "active"},
    {"embedded/ansible/time.yml", 14, "timesyncd-ntp", "active"},
    {"embedded/ansible/time.yml", 16, "text-mention", "mention"},
    {"embedded/ansible/time.yml", 18, "embedded-timesyncd-line", "active"},
    {"embedded/chef/recipes/default.rb", 3, "embedded-time-directive", "active"},
    {"embedded/chef/recipes/default.rb", 7, "embedded-time-directive", "active"},
    {"embedded/chef/recipes/default.rb", 10, "embedded-time-directive", "commented-out"},
    {"embedded/chef/recipes/default.rb", 12, "text-mention", "mention"},
    {"embedded/nginx-upstream.conf", 2, "text-mention", "mention"},
    {"embedded/nginx-upstream.conf", 3, "text-mention", "mention"},
    {"embedded/nginx-upstream.conf", 7, "text-mention", "mention"},
    {"embedded/puppet/manifests/init.pp", 3, "embedded-time-directive", "active"},
    {"embedded/puppet/manifests/init.pp", 6, "text-mention", "mention"},
    {"embedded/salt/time.sls", 4, "embedded-time-directive", "active"},
    {"embedded/salt/time.sls", 11, "embedded-time-directive", "active"},
    {"embedded/salt/time.sls", 16, "text-mention", "mention"},
    {"embedded/setup-time.sh", 4, "embedded-time-directive", "active"},
    {"embedded/setup-time.sh", 5, "embedded-time-directive", "active"},
    {"embedded/setup-time.sh", 7, "embedded-time-directive", "active"},
    {"embedded/setup-time.sh", 8, "embedded-time-directive", "commented-out"},
    {"embedded/setup-time.sh", 9, "text-mention", "mention"},
    {"embedded/setup-time.sh", 10, "embedded-time-directive", "active"},
    {"embedded/setup-time.sh", 11, "embedded-time-directive", "active"},
    {"embedded/setup-time.sh", 12, "text-mention", "mention"},
    {"embedded/setup-time.sh", 13, "text-mention", "mention"},
    {"embedded/time.nix", 5, "embedded-time-directive", "active"},
    {"embedded/time.nix", 9, "text-mention", "mention"},
    // Issue #8: escaped spellings (mentions that say so), configs recognised by content,
    // template suffixes on any name.
    {"detect/escaped/roles/chrony/tasks/main.yml", 4, "text-mention", "mention"},
    {"detect/escaped/roles/chrony/tasks/main.yml", 9, "text-mention", "mention"},
    {"detect/escaped/fix-time.sh", 3, "text-mention", "mention"},
    {"detect/escaped/fix-time.sh", 4, "text-mention", "mention"},
    {"detect/escaped/fix-time.sh", 6, "text-mention", "mention"},
    {"detect/escaped/NOTES.md", 3, "text-mention", "mention"},
    {"detect/escaped/NOTES.md", 4, "text-mention", "mention"},
    {"detect/escaped/patterns.json", 3, "text-mention", "mention"},
    {"detect/escaped/patterns.json", 5, "text-mention", "mention"},
    {"detect/content/fai/files/etc/chrony/CORP_TIME", 2, "chrony-source", "active"},
    {"detect/content/fai/files/etc/chrony/CORP_TIME", 3, "chrony-source", "active"},
    {"detect/content/fai/files/etc/chrony/CORP_TIME", 7, "chrony-reference", "reference"},
    {"detect/content/fai/files/etc/systemd/timesyncd.conf/CORP_TIME", 2, "timesyncd-ntp", "active"},
    {"detect/content/fai/files/etc/systemd/timesyncd.conf/CORP_TIME", 3, "timesyncd-ntp", "active"},
    {"detect/content/roles/time/files/corp-ntp", 3, "ntp-conf-reference", "reference"},
    {"detect/content/roles/time/files/corp-ntp", 4, "ntp-conf-source", "active"},
    {"detect/content/roles/time/files/corp-ntp", 5, "ntp-conf-source", "active"},
    {"detect/content/decoys/nginx-upstream", 2, "text-mention", "mention"},
    {"detect/content/decoys/nginx-upstream", 3, "text-mention", "mention"},
    {"detect/content/decoys/main.cf", 1, "text-mention", "mention"},
    {"detect/content/decoys/clock.ini", 6, "ini-time-server-key",
     "active"},  // not timesyncd: its [Time] is another; an INI key named NTP is a time-server key
    {"detect/content/decoys/set-server.sh", 2, "text-mention", "mention"},
    {"detect/content/decoys/chrony-howto.md", 5, "text-mention", "mention"},
    {"detect/templates/roles/chrony/templates/chronyd.sh.j2", 3, "shell-one-shot-sync", "template"},
    {"detect/templates/autotools/ntp.conf.in", 4, "ntp-conf-source", "template"},
    {"detect/templates/etc/chrony/sources.d/corp.sources.mustache", 4, "chrony-source", "template"},
    {"detect/templates/hooks/ntp-sync.bash.erb", 5, "shell-one-shot-sync", "template"},
    {"detect/templates/nginx/upstream.conf.j2", 5, "text-mention", "mention"},
};

}  // namespace

TEST_CASE("syntaxes fixtures: every time source by its specific rule, decoys at most mentioned",
          "[syntaxes]") {
  scan::ScanResult result = ScanFixtures();
  std::set<Row> got, want(kExpected.begin(), kExpected.end());
  for (const Finding& f : result.findings)
    got.insert(Row{Rel(f.location), static_cast<int>(f.span.line), f.rule_id,
                   std::string(ActivityName(f.activity))});
  for (const Row& r : want)
    if (!got.count(r)) FAIL_CHECK("missing: " << r.file << ":" << r.line << " " << r.rule << " " << r.activity);
  for (const Row& r : got)
    if (!want.count(r)) FAIL_CHECK("unexpected: " << r.file << ":" << r.line << " " << r.rule << " " << r.activity);
  CHECK(got.size() == want.size());
  // Decoys: nothing but the catch-all on these lines.
  const std::set<std::pair<std::string, int>> decoys = {
      {"decoys/nginx.conf", 2},       {"decoys/nginx.conf", 4},      {"dhcp/dhcpd.conf", 1},
      {"dhcp/dhcpd.conf", 5},         {"dhcp/dnsmasq.conf", 3},      {"dhcp/dnsmasq.conf", 5},
      {"dhcp/kea-dhcp4.conf", 5},     {"docker/Dockerfile", 5},      {"docker/Dockerfile", 17},
      {"docker/docker-compose.yml", 10}, {"docker/.env", 2},         {"k8s/deployment.yaml", 12},
      {"shell/provision.sh", 5},      {"installers/ks.cfg", 5},      {"installers/preseed.cfg", 4},
      {"installers/autoinst.xml", 4}, {"ansible/group_vars/all.yml", 7},
      {"ansible/roles/ntp/tasks/main.yml", 31}, {"terraform/main.tf", 2},
      {"data/agent.toml", 6},         {"data/agent.toml", 12},       {"data/agent.toml", 15},
      {"data/ntpd-rs/ntp.toml", 14},  {"data/ntpd-rs/ntp.toml", 17},
      {"puppet/manifests/params.pp", 6}, {"puppet/manifests/params.pp", 7},
      {"data/appliance.cfg", 6},      {"data/appliance.cfg", 7},     {"decoys/haproxy.cfg", 2},
      {"puppet/manifests/profile.pp", 5}, {"chef/attributes/time.rb", 7},
      {"data/configuration.nix", 8},  {"data/configuration.nix", 18}, {"data/configuration.nix", 19},
      {"data/settings.ini", 2},       {"data/settings.ini", 9},      {"data/application.properties", 5},
      {"data/application.properties", 7},
      {"embedded/Configure-Time.ps1", 6}, {"embedded/ansible/time.yml", 16},
      {"embedded/chef/recipes/default.rb", 12}, {"embedded/nginx-upstream.conf", 2},
      {"embedded/nginx-upstream.conf", 3}, {"embedded/nginx-upstream.conf", 7},
      {"embedded/puppet/manifests/init.pp", 6}, {"embedded/salt/time.sls", 16},
      {"embedded/setup-time.sh", 9},   {"embedded/setup-time.sh", 12},
      {"embedded/setup-time.sh", 13},  {"embedded/time.nix", 9},
      {"detect/content/decoys/nginx-upstream", 2},
      {"detect/content/decoys/nginx-upstream", 3},
      {"detect/content/decoys/main.cf", 1},
      {"detect/content/decoys/set-server.sh", 2},
      {"detect/content/decoys/chrony-howto.md", 5},
      {"detect/templates/nginx/upstream.conf.j2", 5}};
  for (const Finding& f : result.findings)
    if (decoys.count({Rel(f.location), static_cast<int>(f.span.line)}))
      CHECK(f.rule_id == "text-mention");
  // Escaped spellings say so; plain ones do not.
  for (const Finding& f : result.findings) {
    bool escaped = false;
    for (const auto& [k, v] : f.properties) escaped = escaped || (k == "spelling" && v == "escaped");
    INFO(Rel(f.location) << ":" << f.span.line << " " << f.matched);
    CHECK(escaped == Rel(f.location).starts_with("detect/escaped/"));
  }
  // Version strings and look-alike numbers are not the server at all.
  for (const Finding& f : result.findings) {
    CHECK(Rel(f.location) != "decoys/versions.yml");
    CHECK(!(Rel(f.location) == "shell/provision.sh" && f.span.line == 19));
  }
}

TEST_CASE("syntaxes fixtures: findings in embedded documents point at the outer line and path",
          "[syntaxes]") {
  scan::ScanResult result = ScanFixtures();
  auto find = [&](const std::string& file, int line, const std::string& rule) -> const Finding* {
    for (const Finding& f : result.findings)
      if (Rel(f.location) == file && static_cast<int>(f.span.line) == line && f.rule_id == rule) return &f;
    return nullptr;
  };
  auto prop = [](const Finding& f, const std::string& key) {
    for (const auto& [k, v] : f.properties)
      if (k == key) return v;
    return std::string();
  };
  // write_files content (verbatim, b64, gz+b64), runcmd, MIME parts, Dockerfile heredocs.
  const Finding* f = find("cloud-init/user-data", 13, "chrony-source");
  REQUIRE(f);
  CHECK(prop(*f, "embeddedPath") == "/etc/chrony/conf.d/corp.conf");
  CHECK(f->line_text == "      server 10.20.30.40 iburst");
  CHECK(f->span.column == 14);
  f = find("cloud-init/user-data", 17, "ntp-conf-source");
  REQUIRE(f);  // base64: the finding covers the encoded value
  CHECK(prop(*f, "embeddedPath") == "/etc/ntp.conf");
  f = find("cloud-init/user-data", 20, "timesyncd-ntp");
  REQUIRE(f);
  CHECK(prop(*f, "embeddedPath") == "/etc/systemd/timesyncd.conf.d/corp.conf");
  REQUIRE(find("cloud-init/mime-user-data.txt", 15, "shell-one-shot-sync"));
  // Ignition data URLs (percent-encoded, base64) and Butane inline contents.
  f = find("ignition/config.ign", 18, "timesyncd-ntp");
  REQUIRE(f);
  CHECK(prop(*f, "embeddedPath") == "/etc/systemd/timesyncd.conf.d/10-corp.conf");
  f = find("ignition/chrony.bu", 10, "chrony-source");
  REQUIRE(f);
  CHECK(f->span.column == 18);
  f = find("docker/Dockerfile", 14, "ntp-conf-source");
  REQUIRE(f);
  CHECK(prop(*f, "embeddedPath") == "/etc/ntp.conf");
  f = find("shell/provision.sh", 11, "timesyncd-ntp");
  REQUIRE(f);
  CHECK(f->line_text == "NTP=10.20.30.40");
}

TEST_CASE("syntaxes fixtures: linkage relates variables to renderers and files to installers",
          "[syntaxes][linkage]") {
  scan::ScanResult result = ScanFixtures();
  auto related = [&](const std::string& file, int line) {
    std::vector<std::string> out;
    for (const Finding& f : result.findings)
      if (Rel(f.location) == file && static_cast<int>(f.span.line) == line)
        for (const RelatedLocation& r : f.related) out.push_back(Rel(r.location) + ":" + std::to_string(r.span.line));
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(related("ansible/roles/ntp/defaults/main.yml", 4) == V{"ansible/roles/ntp/templates/chrony.conf.j2:3"});
  CHECK(related("ansible/roles/ntp/templates/chrony.conf.j2", 9) == V{"ansible/roles/ntp/tasks/main.yml:4"});
  CHECK(related("puppet/data/common.yaml", 3) == V{"puppet/templates/ntp.conf.epp:3"});
  CHECK(related("shell/provision.sh", 3) == V{"shell/provision.sh:7"});
  CHECK(related("docker/chrony.conf", 1) == V{"docker/Dockerfile:16"});
  CHECK(related("packer/files/chrony.conf", 2) == V{"packer/ubuntu.pkr.hcl:26"});
  CHECK(related("packer/ubuntu.pkr.hcl", 3) == V{"packer/packer.json:10", "packer/ubuntu.pkr.hcl:20"});
  CHECK(related("terraform/terraform.tfvars", 1) == V{"terraform/main.tf:9", "terraform/templates/user_data.yaml.tpl:4"});
  // A definition nobody renders has no related location; nor has a plain config line.
  CHECK(related("ansible/group_vars/all.yml", 6).empty());
  CHECK(related("dhcp/dnsmasq.conf", 1).empty());
}

TEST_CASE("syntaxes fixtures: the inventory lists sources and expressions, not decoys",
          "[syntaxes][inventory]") {
  const auto got = fixture_tree::InventorySources(kRoot);  // file, line, host
  for (const auto& want : std::vector<std::tuple<std::string, int, std::string>>{
           {"cloud-init/user-data", 5, "192.0.2.50"},
           {"cloud-init/user-data", 7, "ntp-old.corp.example.com"},
           {"ansible/group_vars/all.yml", 4, "192.0.2.60"},
           {"ansible/roles/ntp/templates/chrony.conf.j2", 3, "{{ server }}"},
           {"ansible/roles/ntp/defaults/main.yml", 5, "0{{ '.' + ntp_area if ntp_area else '' }}.pool.ntp.org"},
           {"puppet/templates/ntp.conf.epp", 3, "<%= $server %>"},
           {"terraform/terraform.tfvars", 1, "192.0.2.70"},
           {"terraform/templates/user_data.yaml.tpl", 4, "${ntp_servers}"},
           {"docker/Dockerfile", 3, "192.0.2.80"},
           {"dhcp/kea-dhcp4.conf", 6, "192.0.2.90"},
           {"dhcp/dnsmasq.conf", 1, "192.0.2.4"},
           {"installers/ks.cfg", 2, "0.rhel.pool.ntp.org"},
           {"shell/provision.sh", 7, "$NTP_IP"},
           {"docker/docker-compose.yml", 5, "time.cloudflare.com"},
           {"shell/sync-time.ps1", 1, "time.windows.com"},
           {"data/agent.toml", 4, "0.pool.ntp.org"},
           {"data/configuration.nix", 13, "ntp-old.corp.example.com"},
           {"data/settings.ini", 3, "time.cloudflare.com"},
           {"data/application.properties", 3, "time.cloudflare.com"},
           {"embedded/chef/recipes/default.rb", 3, "10.20.30.40"},
           {"embedded/time.nix", 5, "10.20.30.40"},
           {"embedded/Configure-Time.ps1", 3, "10.20.30.40"},
           // Configs recognised by content, template suffixes on any name (issue #8).
           {"detect/content/fai/files/etc/chrony/CORP_TIME", 2, "10.20.30.40"},
           {"detect/content/fai/files/etc/systemd/timesyncd.conf/CORP_TIME", 3, "2001:db8::123"},
           {"detect/content/roles/time/files/corp-ntp", 5, "ntp-old.corp.example.com"},
           {"detect/templates/roles/chrony/templates/chronyd.sh.j2", 3, "10.20.30.40"},
           {"detect/templates/autotools/ntp.conf.in", 4, "10.20.30.40"}})
    CHECK(got.count(want) == 1);
  for (const auto& [file, line, host] : got) {
    CHECK(file != "decoys/nginx.conf");
    CHECK(file != "decoys/versions.yml");
    CHECK((!file.starts_with("detect/content/decoys/") || file == "detect/content/decoys/clock.ini"));
    CHECK(file != "detect/templates/nginx/upstream.conf.j2");
    CHECK(!(file == "dhcp/dnsmasq.conf" && line == 3));  // nntp-server
    CHECK(!(file == "dhcp/dhcpd.conf" && line == 5));
    CHECK(!(file == "shell/provision.sh" && line == 5));  // BACKUP_HOST
    CHECK(!(file == "docker/docker-compose.yml" && line == 10));
    CHECK(!(file == "data/settings.ini" && line == 2));       // dns_servers
    CHECK(!(file == "data/agent.toml" && line == 6));         // ntpsec_version
    CHECK(!(file == "data/configuration.nix" && line == 8));  // nameservers
    CHECK(file != "embedded/nginx-upstream.conf");
    CHECK(!(file == "embedded/setup-time.sh" && line == 9));   // prose in an echo
    CHECK(!(file == "embedded/salt/time.sls" && line == 16));  // dnsmasq server=
    CHECK(host != "127.0.0.1");
    CHECK(host != "10.20.30.0/24");
  }
}
