// Hostile text for the syntax readers, generated here at run time: deep nesting, unclosed
// template openers, UTF-16, trailing zero runs, oversized encoded content, odd file names,
// a crash inside one entry. Each input carries a real reference beside the hostile part that
// must still be found, and the gap must be named in a notice. No timing: a quadratic reader
// shows as a ctest timeout (this file is its own test binary with a TIMEOUT, see
// tests/CMakeLists.txt); the cases check structure (the notice naming the place, the reference
// found, the tags recognised).
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_binary.h"
#include "syntax/syntax.h"
#include "syntax/template.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Scans `root` for 10.20.30.40 (and 10.20.30.41) with JSON output; the scan must exit 0 or 1.
Json Scan(const std::string& root, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"scan",   "-q",          "--format", "json",
                                   "--host", "10.20.30.40", "--host",   "10.20.30.41"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(root);
  RunResult r = RunNtpsweep(args);
  INFO(r.err);
  REQUIRE(r.signal == 0);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  return Json::parse(r.out);
}

// (line, matched) of every finding in a file whose location ends with `file`.
std::vector<std::pair<int, std::string>> Found(const Json& doc, const std::string& file) {
  std::vector<std::pair<int, std::string>> out;
  for (const Json& f : doc["findings"])
    if (f["location"].get<std::string>().ends_with(file))
      out.emplace_back(f["line"].get<int>(), f["matched"].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Notices(const Json& doc, const std::string& id) {
  std::vector<std::string> out;
  for (const Json& n : doc["notices"])
    if (n["id"] == id) out.push_back(n["message"].get<std::string>());
  return out;
}

using Hits = std::vector<std::pair<int, std::string>>;

}  // namespace

TEST_CASE("hostile: nesting past the bound is skipped with one notice, references kept",
          "[hostile][nesting]") {
  TempDir tmp;
  constexpr size_t kDeep = 20000;  // overflowed the recursive HCL parser's stack before
  // HCL blocks: the reference before, one inside the deepest block, one after.
  WriteWholeFile(tmp / "hcl/main.tf", "ntp_server = \"10.20.30.40\"\n" + Repeat("b {\n", kDeep) +
                                          "x = \"10.20.30.41\"\n" + Repeat("}\n", kDeep) +
                                          "ntp_servers = [\"10.20.30.41\"]\n");
  // HCL lists and objects inside an attribute.
  WriteWholeFile(tmp / "hcl-list/vars.tfvars", "ntp_servers = " + Repeat("[{a = ", kDeep) +
                                                   "\"10.20.30.40\"" + Repeat("}]", kDeep) +
                                                   "\nntp_server = \"10.20.30.41\"\n");
  // JSON and YAML flow collections, YAML block sequences.
  WriteWholeFile(tmp / "json/x.json", "{\"v\": " + Repeat("[", 100000) + "\"10.20.30.40\"" +
                                          Repeat("]", 100000) + ", \"w\": \"10.20.30.41\"}\n");
  WriteWholeFile(tmp / "yaml/x.yaml",
                 "v:\n" + Repeat("- ", 100000) + "10.20.30.40\nw: 10.20.30.41\n");
  // XML elements.
  WriteWholeFile(tmp / "xml/autoinst.xml", "<profile>" + Repeat("<a>", 100000) + "10.20.30.40" +
                                               Repeat("</a>", 100000) +
                                               "<ntp_server>10.20.30.41</ntp_server></profile>\n");

  Json doc = Scan(tmp.path());
  CHECK(Found(doc, "hcl/main.tf") ==
        Hits{{1, "10.20.30.40"}, {kDeep + 2, "10.20.30.41"}, {2 * kDeep + 3, "10.20.30.41"}});
  CHECK(Found(doc, "hcl-list/vars.tfvars") == Hits{{1, "10.20.30.40"}, {2, "10.20.30.41"}});
  CHECK(Found(doc, "json/x.json") == Hits{{1, "10.20.30.40"}, {1, "10.20.30.41"}});
  CHECK(Found(doc, "yaml/x.yaml") == Hits{{2, "10.20.30.40"}, {3, "10.20.30.41"}});
  CHECK(Found(doc, "xml/autoinst.xml") == Hits{{1, "10.20.30.40"}, {1, "10.20.30.41"}});
  // One notice per document, naming the file and the line where the bound was passed.
  std::vector<std::string> deep = Notices(doc, "malformed-document");
  std::sort(deep.begin(), deep.end());
  REQUIRE(deep.size() == 5);
  CHECK(deep[0].starts_with(tmp / "hcl-list/vars.tfvars:1:"));
  CHECK(deep[1].starts_with(tmp / "hcl/main.tf:102:"));  // block 101 opens on line 102
  CHECK(deep[2].starts_with(tmp / "json/x.json:1:"));
  CHECK(deep[3].starts_with(tmp / "xml/autoinst.xml:1:"));
  CHECK(deep[4].starts_with(tmp / "yaml/x.yaml:2:"));
  for (const std::string& m : deep)
    CHECK(m.find("nested deeper than 100 levels") != std::string::npos);
}

TEST_CASE("hostile: structure below the nesting bound is still read", "[hostile][nesting]") {
  // 99 levels: read as HCL (the rule names the key path), no notice.
  ntpsweep::syntax::Document doc;
  std::string text = Repeat("b {\n", 99) + "ntp_server = \"10.20.30.40\"\n" + Repeat("}\n", 99);
  ntpsweep::syntax::ReadDocument(*ntpsweep::syntax::FindSyntax("hcl"), "main.tf", text, &doc);
  CHECK(doc.diagnostics.empty());
  REQUIRE(doc.facts.size() == 1);
  CHECK(doc.facts[0].name.ends_with(".b.ntp_server"));
  // 101 levels: the part past the bound is not read, and that is said once.
  ntpsweep::syntax::Document deeper;
  text = Repeat("b {\n", 101) + "ntp_server = \"10.20.30.40\"\n" + Repeat("}\n", 101);
  ntpsweep::syntax::ReadDocument(*ntpsweep::syntax::FindSyntax("hcl"), "main.tf", text, &deeper);
  CHECK(deeper.diagnostics.size() == 1);
  CHECK(deeper.facts.empty());
}

TEST_CASE("hostile: unclosed template openers are read in linear time", "[hostile][templates]") {
  using ntpsweep::syntax::FindTemplateSpans;
  // Structure, not speed: after 100,000 unclosed openers a closed tag is still found, and the
  // reference beside them too (the ctest TIMEOUT catches a quadratic scan).
  std::string open = Repeat("${", 100000);
  std::string text = "x = \"" + open + "\"\ny = \"${var.ok}\"\n";
  std::vector<ntpsweep::syntax::TemplateSpan> spans = FindTemplateSpans(text, false);
  // None of the unclosed ones is a tag; the closed one on the last line is.
  REQUIRE(spans.size() == 1);
  CHECK(text.substr(spans[0].begin, spans[0].end - spans[0].begin) == "${var.ok}");
  // Closed tags after an unclosed one at lower depth are still tags.
  text = "a = \"${\"\n" + Repeat("b = \"${var.x}\"\n", 3);
  spans = FindTemplateSpans(text, false);
  REQUIRE(spans.size() == 3);
  CHECK(text.substr(spans[0].begin, spans[0].end - spans[0].begin) == "${var.x}");
  // Nested braces inside an unclosed expression: an inner opener closes where its brace does.
  text = "${ {" + Repeat("${x}", 3) + "\n";
  spans = FindTemplateSpans(text, false);
  CHECK(spans.size() == 3);
  // Every kind of opener, unclosed, on many lines; and shell expansions.
  text = Repeat("x = \"{{ %{ <% $( {% {# ${\"\n", 50000) + "y = \"{{ ok }}\"\n";
  spans = FindTemplateSpans(text, true);
  REQUIRE(!spans.empty());

  TempDir tmp;
  WriteWholeFile(tmp / "a/main.tf", "ntp_server = \"10.20.30.40\"\nx = \"" + open + "\"\n");
  WriteWholeFile(tmp / "b/main.tf",
                 "ntp_server = \"10.20.30.40\"\nx = " + Repeat("{", 100000) + "\n");
  WriteWholeFile(tmp / "c/main.tf",
                 "ntp_server = \"10.20.30.40\"\n" + Repeat("x = \"${\"\n", 100000));
  WriteWholeFile(tmp / "d/tpl.j2", "server 10.20.30.40\n" + Repeat("{{ {% {# <% ${ $( \n", 50000));
  WriteWholeFile(tmp / "e/run.sh", "ntpdate 10.20.30.40\n" + Repeat("echo \"$( ${ `\n", 50000));
  Json doc = Scan(tmp.path());
  for (const char* f : {"a/main.tf", "b/main.tf", "c/main.tf", "d/tpl.j2", "e/run.sh"}) {
    INFO(f);
    CHECK(Found(doc, f) == Hits{{1, "10.20.30.40"}});
  }
}
