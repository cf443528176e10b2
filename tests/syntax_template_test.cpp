// Template layer: tags found, logic blanked, expressions opaque, loops resolved, destinations.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "syntax/syntax.h"
#include "syntax/template.h"

namespace {

using namespace ntpsweep::syntax;

std::vector<std::string> Tags(std::string_view text, bool shell) {
  std::vector<std::string> out;
  for (const TemplateSpan& s : FindTemplateSpans(text, shell))
    out.push_back(std::string(1, s.dialect) + (s.output ? "=" : ":") + std::string(text.substr(s.begin, s.end - s.begin)));
  return out;
}

const Fact* FactNamed(const Document& d, std::string_view name) {
  for (const Fact& f : d.facts)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("template: tags of Jinja, ERB/EPP, Terraform and shell", "[syntax][template]") {
  using V = std::vector<std::string>;
  CHECK(Tags("{% for s in xs %}server {{ s }}{# c #}", false) ==
        V{"j:{% for s in xs %}", "j={{ s }}", "j:{# c #}"});
  CHECK(Tags("<% @s.each do |x| -%>server <%= x %><%# c %><%% literal", false) ==
        V{"e:<% @s.each do |x| -%>", "e=<%= x %>", "e:<%# c %>"});
  CHECK(Tags("%{ for s in xs ~}${s} $${escaped}", false) == V{"t:%{ for s in xs ~}", "t=${s}"});
  CHECK(Tags("echo $NTP ${X:-a} $(date) `id` \\$literal", true) ==
        V{"s=$NTP", "t=${X:-a}", "s=$(date)", "s=`id`"});
  CHECK(Tags("echo $NTP", false).empty());
  CHECK(LooksTemplated("server {{ x }}"));
  CHECK(LooksTemplated("<% if a %>"));
  CHECK(!LooksTemplated("NTP=${X}"));  // ${} alone: a shell or compose variable
}

TEST_CASE("template: a config template reads as the config, expressions opaque", "[syntax][template]") {
  std::string t =
      "{% for value in timesync_ntp_servers %}\n"
      "{{ 'pool' if value['pool'] else 'server' }} {{\n"
      "value['hostname'] }}{{ ' iburst' if value['iburst'] else '' }}\n"
      "{% endfor %}\n"
      "server 10.0.0.1 iburst\n";
  Document d;
  ReadDocument(*FindSyntax("chrony"), "templates/chrony.conf.j2", t, &d);
  REQUIRE(d.facts.size() == 2);
  const Fact& dyn = d.facts[0];
  CHECK(dyn.name == "pool");  // the first quoted word of the directive expression
  REQUIRE(dyn.args.size() == 2);
  CHECK(dyn.args[0].text == "{{\nvalue['hostname'] }}");
  CHECK(dyn.args[0].expression);
  CHECK(dyn.templated);
  CHECK(std::find(dyn.variables.begin(), dyn.variables.end(), "timesync_ntp_servers") != dyn.variables.end());
  const Fact& lit = d.facts[1];
  CHECK(lit.name == "server");
  CHECK(lit.args[0].text == "10.0.0.1");
  CHECK(!lit.args[0].expression);
  CHECK(lit.templated);
}

TEST_CASE("template: Go actions are logic, so text after them on a line is read",
          "[syntax][template]") {
  using V = std::vector<std::string>;
  CHECK(Tags("{{ range .S }}server {{ . }}{{- end }}{{/* c */}}{{ else if .X }}{{ with .Y }}",
             false) == V{"j:{{ range .S }}", "j={{ . }}", "j:{{- end }}", "j:{{/* c */}}",
                         "j:{{ else if .X }}", "j:{{ with .Y }}"});
  // Decoys: Jinja expressions that start like an action word, Go output.
  CHECK(Tags("{{ range(3) }}{{ ending }}{{ .End }}{{ template \"t\" . }}", false) ==
        V{"j={{ range(3) }}", "j={{ ending }}", "j={{ .End }}", "j={{ template \"t\" . }}"});
  std::string t =
      "{{ range .Servers }}server {{ . }} iburst\n"
      "{{ end }}server 10.0.0.1 iburst\n"
      "{{ if .Corp }}pool ntp1.corp.example.com iburst{{ end }}\n"
      "{{ .Extra }}server 10.0.0.10\n";
  Document d;
  ReadDocument(*FindSyntax("ntp-conf"), "templates/ntp.conf.tmpl", t, &d);
  std::vector<std::pair<std::string, std::string>> got;
  for (const Fact& f : d.facts)
    got.emplace_back(std::string(f.name), f.args.empty() ? "" : std::string(f.args[0].text));
  // The last line's output tag glued to `server` makes no `server` directive: 10.0.0.10 is no
  // host there.
  CHECK(got ==
        std::vector<std::pair<std::string, std::string>>{{"server", "{{ . }}"},
                                                         {"server", "10.0.0.1"},
                                                         {"pool", "ntp1.corp.example.com"},
                                                         {"{{ .Extra }}server", "10.0.0.10"}});
}

TEST_CASE("template: destinations of template files", "[syntax][template]") {
  CHECK(TemplateDestination("roles/ntp/templates/chrony.conf.j2") == "roles/ntp/templates/chrony.conf");
  CHECK(TemplateDestination("templates/ntp.conf.debian.tmpl") == "templates/ntp.conf");
  CHECK(TemplateDestination("templates/ntpd.conf.openbsd.tmpl") == "templates/etc/ntpd.conf");
  CHECK(TemplateDestination("templates/step-tickers.epp") == "templates/etc/ntp/step-tickers");
  CHECK(TemplateDestination("ntp/files/ntp.CentOS.5.conf") == "ntp/files/ntp.conf");
  CHECK(TemplateDestination("timesyncd.conf.d/ansible.conf.j2") == "timesyncd.conf.d/ansible.conf");
  CHECK(TemplateDestination("salt/ntp/ntp.conf").empty());  // already the config's name
  CHECK(TemplateDestination("user_data.yaml.tpl").empty());  // read by its own (YAML) rules
  CHECK(TemplateDestination("templates/nginx.conf.j2").empty());
}

TEST_CASE("template: suffixes stack on any name and are stripped before selection",
          "[syntax][template]") {
  CHECK(StripTemplateSuffixes("roles/chrony/templates/chronyd.sh.j2") ==
        "roles/chrony/templates/chronyd.sh");
  CHECK(StripTemplateSuffixes("templates/ntp.conf.erb") == "templates/ntp.conf");
  CHECK(StripTemplateSuffixes("autotools/ntp.conf.in") == "autotools/ntp.conf");
  CHECK(StripTemplateSuffixes("x/chrony.conf.tmpl") == "x/chrony.conf");
  CHECK(StripTemplateSuffixes("x/chrony.conf.tpl") == "x/chrony.conf");
  CHECK(StripTemplateSuffixes("x/timesyncd.conf.template") == "x/timesyncd.conf");
  CHECK(StripTemplateSuffixes("x/chrony.conf.jinja") == "x/chrony.conf");
  CHECK(StripTemplateSuffixes("x/chrony.conf.jinja2") == "x/chrony.conf");
  CHECK(StripTemplateSuffixes("x/step-tickers.epp") == "x/step-tickers");
  CHECK(StripTemplateSuffixes("x/corp.sources.mustache") == "x/corp.sources");
  CHECK(StripTemplateSuffixes("x/ntp.conf.j2.in") == "x/ntp.conf");  // stacked
  // Names that only look like it: no suffix, a whole name, a suffix inside a word.
  CHECK(StripTemplateSuffixes("x/chrony.conf") == "x/chrony.conf");
  CHECK(StripTemplateSuffixes("x/.in") == "x/.in");
  CHECK(StripTemplateSuffixes("x/.j2") == "x/.j2");
  CHECK(StripTemplateSuffixes("x/login") == "x/login");
  CHECK(StripTemplateSuffixes("x/main.tf") == "x/main.tf");
  CHECK(StripTemplateSuffixes("x/ntp.conf.j2x") == "x/ntp.conf.j2x");
  CHECK(TemplateDestination("autotools/ntp.conf.in") == "autotools/ntp.conf");
  CHECK(TemplateDestination("roles/chrony/templates/chronyd.sh.j2").empty());
}

TEST_CASE("template: default lists in template code, generic renderers", "[syntax][template]") {
  std::string t =
      "{% set ntpservers = salt['pillar.get']('ntp:servers', [\n"
      "  '10.0.0.1',\n"
      "  'b.example.com'\n"
      "]) %}\n"
      "{% for s in ntpservers %}\n"
      "{{ declaration }} {{ value }}\n"
      "{% endfor %}\n";
  Document d;
  ReadDocument(*FindSyntax("template"), "salt/ntp/ntp-client.conf", t, &d);
  const Fact* def = FactNamed(d, "ntp:servers");
  REQUIRE(def);
  REQUIRE(def->args.size() == 1);
  CHECK(def->args[0].text == "10.0.0.1");
  CHECK(def->args[0].offset == t.find("10.0.0.1"));
  const Fact* dyn = FactNamed(d, "@dynamic");
  REQUIRE(dyn);
  CHECK(dyn->args[0].text == "{{ value }}");
  REQUIRE(d.embedded.size() == 1);
  CHECK(d.embedded[0].path == "salt/ntp/ntp.conf");
}

TEST_CASE("template: names an expression reads", "[syntax][template]") {
  using V = std::vector<std::string>;
  CHECK(ExpressionNames("<%= $ntp::servers %>") == V{"ntp::servers"});
  CHECK(ExpressionNames("${join(\" \", var.ntp_servers)}") == V{"ntp_servers"});
  CHECK(ExpressionNames("{{ salt['pillar.get']('ntp:servers', []) }}") == V{"ntp:servers", "salt"});
  CHECK(ExpressionNames("{{user `ntp_server`}}") == V{"ntp_server"});
  CHECK(ExpressionNames("{{ value['hostname'] }}") == V{"value"});
}
