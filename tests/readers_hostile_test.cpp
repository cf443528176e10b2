// Hostile text for the syntax readers, generated here at run time: deep nesting, unclosed
// template openers, UTF-16, trailing zero runs, oversized encoded content, odd file names,
// a crash inside one entry. Each input carries a real reference beside the hostile part that
// must still be found, and the gap must be named in a notice. No timing: a quadratic reader
// shows as a ctest timeout (this file is its own test binary with a TIMEOUT, see
// tests/CMakeLists.txt); the cases check structure (the notice naming the place, the reference
// found, the tags recognised).
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/bytes.h"
#include "core/file.h"
#include "run_binary.h"
#include "scan/guard.h"
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

namespace {

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// `data` compressed by the gzip tool.
std::string Gzip(const TempDir& tmp, const std::string& data) {
  WriteWholeFile(tmp / "gzip-in", data);
  RunResult r = RunCommand(
      {"/bin/sh", "-c", "gzip -c < '" + tmp / "gzip-in" + "' > '" + tmp / "gzip-out" + "'"});
  REQUIRE(r.exit_code == 0);
  std::string out = ReadWholeFile(tmp / "gzip-out");
  std::filesystem::remove(tmp / "gzip-in");
  std::filesystem::remove(tmp / "gzip-out");
  return out;
}

}  // namespace

TEST_CASE("hostile: gz+b64 content past the size limit is read up to it, and says so",
          "[hostile][cloud-init]") {
  TempDir tmp;
  // 18 MiB once inflated (the limit is 16 MiB): the reference on its first line.
  std::string inner = "server 10.20.30.41 iburst\n" + Repeat("# padding line\n", 18u << 16);
  std::string payload = Base64(Gzip(tmp, inner));
  for (const char* encoding : {"gz+b64", "gzip+base64"}) {
    INFO(encoding);
    TempDir root;
    WriteWholeFile(root / "user-data",
                   std::string("#cloud-config\nntp:\n  servers: [10.20.30.40]\n") +
                       "write_files:\n  - path: /etc/chrony.conf\n" + "    encoding: " + encoding +
                       "\n    content: " + payload + "\n");
    Json doc = Scan(root.path());
    CHECK(Found(doc, "user-data") == Hits{{3, "10.20.30.40"}, {7, "10.20.30.41"}});
    std::vector<std::string> notes = Notices(doc, "malformed-document");
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == root /
                          "user-data:7:14: write_files content decompresses to more than 16 "
                          "MiB: only the first 16 MiB were read");
  }
  // Truly broken gzip is still called that, once.
  TempDir root;
  std::string broken = Gzip(tmp, inner).substr(0, 10);
  WriteWholeFile(root / "user-data",
                 "#cloud-config\nntp:\n  servers: [10.20.30.40]\nwrite_files:\n"
                 "  - path: /etc/chrony.conf\n    encoding: gz+b64\n"
                 "    content: " +
                     Base64(broken) + "\n");
  Json doc = Scan(root.path());
  CHECK(Found(doc, "user-data") == Hits{{3, "10.20.30.40"}});
  CHECK(Notices(doc, "malformed-document") ==
        std::vector<std::string>{root / "user-data:7:14: write_files content is not valid gzip"});
}

TEST_CASE("hostile: a malformed embedded document is reported once", "[hostile][messages]") {
  TempDir root;
  WriteWholeFile(root / "user-data",
                 "#cloud-config\nntp:\n  servers: [10.20.30.40]\nwrite_files:\n"
                 "  - path: /etc/chrony.conf\n    encoding: b64\n    content: \"!!not base64\"\n");
  Json doc = Scan(root.path());
  CHECK(Found(doc, "user-data") == Hits{{3, "10.20.30.40"}});
  CHECK(Notices(doc, "malformed-document") ==
        std::vector<std::string>{root / "user-data:7:14: write_files content is not valid base64"});
}

TEST_CASE("hostile: an exception in one entry's analysis ends that entry, not the scan",
          "[hostile][guard]") {
  using ntpsweep::Location;
  using ntpsweep::Notice;
  using ntpsweep::scan::GuardEntry;
  std::vector<Notice> notices;
  Location where{{"repo/etc", "chrony.conf"}};
  bool after = false;
  CHECK_FALSE(GuardEntry(where, &notices, [] { throw std::bad_alloc(); }));
  CHECK_FALSE(GuardEntry(where, &notices, [] { throw std::runtime_error("reader bug"); }));
  CHECK_FALSE(GuardEntry(where, &notices, [] { throw 42; }));
  CHECK(GuardEntry(where, &notices, [&] { after = true; }));
  CHECK(after);
  REQUIRE(notices.size() == 3);
  for (const Notice& n : notices) {
    CHECK(n.id == "analysis-failed");
    CHECK(n.location == where);
    CHECK(n.message.starts_with(where.Render() + ": analysis stopped ("));
  }
  CHECK(notices[0].message.find("out of memory") != std::string::npos);
  CHECK(notices[1].message.find("reader bug") != std::string::npos);
}

namespace {

// `text` as UTF-16 with a byte order mark.
std::string Utf16(const std::u16string& text, bool big_endian) {
  std::string out = big_endian ? "\xFE\xFF" : "\xFF\xFE";
  for (char16_t u : text) {
    char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  }
  return out;
}

}  // namespace

TEST_CASE("hostile: UTF-16 files with a BOM are read as text at the right line and column",
          "[hostile][utf16]") {
  // Columns count code points, as for UTF-8 files: the emoji (a surrogate pair) is one.
  std::u16string text =
      u"# time\r\n$n = '\u00f1'\r\nw32tm /config /manualpeerlist:\"10.20.30.40\"\r\n"
      u"x \U0001F600 10.20.30.41\r\n";
  TempDir root;
  WriteWholeFile(root / "le/setup.ps1", Utf16(text, false));
  WriteWholeFile(root / "be/setup.ps1", Utf16(text, true));
  Json doc = Scan(root.path());
  for (const char* f : {"le/setup.ps1", "be/setup.ps1"}) {
    INFO(f);
    std::vector<std::tuple<int, int, std::string>> got;
    for (const Json& x : doc["findings"])
      if (x["location"].get<std::string>().ends_with(f))
        got.emplace_back(x["line"], x["column"], x["line_text"]);
    CHECK(got == std::vector<std::tuple<int, int, std::string>>{
                     {3, 32, "w32tm /config /manualpeerlist:\"10.20.30.40\""},
                     {4, 5, "x \xF0\x9F\x98\x80 10.20.30.41"}});
  }
  CHECK(doc["notices"].empty());

  std::string decoded;
  // An unpaired surrogate decodes to U+FFFD; a file without a BOM is left as it is.
  CHECK(ntpsweep::TextOf(std::string("\xFF\xFE\x00\xD8"
                                     "a\x00",
                                     6),
                         &decoded) ==
        "\xEF\xBF\xBD"
        "a");
  CHECK(ntpsweep::TextOf("plain", &decoded) == "plain");
}

TEST_CASE("hostile: UTF-8 files with a BOM are read by their syntax from the first line",
          "[hostile][bom]") {
  // Windows editors and PowerShell save UTF-8 with EF BB BF: the first directive, command or key
  // must still be one (it was free text, or broke the document), at the column an editor shows.
  const std::string bom = "\xEF\xBB\xBF";
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"etc/chrony.conf", "server 10.20.30.40 iburst\nserver 10.20.30.4\n", "chrony-source"},
      {"etc/ntp.conf", "server 10.20.30.40\nrestrict 10.20.30.4\n", "ntp-conf-source"},
      {"setup/Set-Time.ps1", "w32tm /config /manualpeerlist:10.20.30.40 /update\n# 10.20.30.4\n",
       "shell-time-daemon-command"},
      {"packer/ntp.json",
       "{\"variables\": {\"ntp_server\": \"10.20.30.40\", \"dns\": \"10.20.30.4\"}}\n",
       "packer-json-time-server"},
      {"etc/systemd/timesyncd.conf", "[Time]\nNTP=10.20.30.40\nFallbackNTP=10.20.30.4\n",
       "timesyncd-ntp"},
      {"ks.cfg", "timesource --ntp-server=10.20.30.40\nnetwork --ip=10.20.30.4\n", "kickstart-ntp"},
      {"etc/dhcp/dhcpd.conf", "option ntp-servers 10.20.30.40;\noption routers 10.20.30.4;\n",
       "dhcpd-ntp-servers"}};
  TempDir root;
  for (const auto& [path, text, rule] : cases) WriteWholeFile(root / ("bom/" + path), bom + text);
  for (const auto& [path, text, rule] : cases) WriteWholeFile(root / ("plain/" + path), text);
  Json doc = Scan(root.path(), {"--host", "10.20.30.4"});
  for (const auto& [path, text, rule] : cases) {
    INFO(path);
    // What the file without a BOM gives, the file with one gives too: same rules, lines, columns.
    auto of = [&doc](const std::string& file) {
      std::vector<std::tuple<std::string, int, int, std::string, std::string>> got;
      for (const Json& f : doc["findings"])
        if (f["location"].get<std::string>().ends_with(file))
          got.emplace_back(f["rule"], f["line"], f["column"], f["matched"], f["line_text"]);
      return got;
    };
    auto plain = of("plain/" + path), with_bom = of("bom/" + path);
    REQUIRE(!plain.empty());
    CHECK(std::get<0>(plain.front()) == rule);  // the first line (or [Time]) decides it
    CHECK(with_bom == plain);
  }
  CHECK(doc["notices"].empty());
  std::string decoded;
  CHECK(ntpsweep::TextOf(bom + "server x\n", &decoded) == "server x\n");
  CHECK(ntpsweep::TextOf("\xEF\xBB", &decoded) == "\xEF\xBB");
}

TEST_CASE("hostile: a Group Policy Registry.pol is read as its strings", "[hostile][utf16]") {
  // GPO backups and SYSVOL copies set W32Time's NtpServer in Registry.pol: "PReg", version 1,
  // then [key;value;type;size;data] with UTF-16LE strings and binary DWORDs. Binary before.
  auto wide = [](std::string_view s) {
    std::string out;
    for (char c : s) out += std::string{c, '\0'};
    return out;
  };
  auto dword = [](uint32_t v) {
    return std::string{static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
  };
  // An entry; `data` is written as it is (string values: wide, NUL-ended).
  auto entry = [&](std::string_view key, std::string_view value, uint32_t type,
                   const std::string& data) {
    return wide("[") + wide(key) + std::string(2, '\0') + wide(";") + wide(value) +
           std::string(2, '\0') + wide(";") + dword(type) + wide(";") +
           dword(static_cast<uint32_t>(data.size())) + wide(";") + data + wide("]");
  };
  auto sz = [&](std::string_view s) { return wide(s) + std::string(2, '\0'); };
  const std::string w32time = "Software\\Policies\\Microsoft\\W32time\\Parameters";
  const std::string pol =
      std::string("PReg\x01\x00\x00\x00", 8) +
      entry("Software\\Policies\\Microsoft\\Windows NT\\DNSClient", "NameServer", 1,
            sz("10.20.30.140")) +
      entry(w32time, "Blob", 3, "\x01\x02\x03") +     // REG_BINARY of odd length
      entry(w32time, "Type", 4, dword(0x000a0014)) +  // REG_DWORD
      entry(w32time, "NtpServer", 1, sz("10.20.30.40,0x9 time.windows.com,0x9"));
  TempDir root;
  WriteWholeFile(root / "GPO/{31B2F340}/Machine/Registry.pol", pol);
  WriteWholeFile(root / "GPO/{31B2F340}/Machine/other.bin", pol.substr(8));  // no header: binary
  Json doc = Scan(root.path());
  CHECK(Found(doc, "Machine/Registry.pol") == Hits{{4, "10.20.30.40"}});
  CHECK(Found(doc, "Machine/other.bin").empty());
  for (const Json& f : doc["findings"])
    CHECK(f["line_text"] == "[" + w32time + ";NtpServer;10.20.30.40,0x9 time.windows.com,0x9]");
  // A damaged entry: the rest is read unit by unit, control characters as spaces.
  std::string decoded;
  CHECK(ntpsweep::TextOf(pol.substr(0, pol.size() - 2), &decoded)
            .ends_with("]\n[" + w32time +
                       " ;NtpServer ;  ;J ;10.20.30.40,0x9 time.windows.com,0x9 "));
}

TEST_CASE("hostile: UTF-16LE without a BOM is read as text, not skipped as binary",
          "[hostile][utf16]") {
  // .NET's UnicodeEncoding without a preamble and copies of `reg export` output stripped of
  // FF FE: every second byte NUL, so the file was binary and its NtpServer never read.
  auto wide = [](std::string_view s) {
    std::string out;
    for (char c : s) out += std::string{c, '\0'};
    return out;
  };
  const std::string reg =
      "Windows Registry Editor Version 5.00\r\n\r\n"
      "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters]\r\n"
      "\"NtpServer\"=\"10.20.30.40,0x9\"\r\n"
      "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Dnscache\\Parameters]\r\n"
      "\"Server\"=\"10.20.30.41\"\r\n";
  TempDir root;
  WriteWholeFile(root / "bare/time.reg", wide(reg));
  WriteWholeFile(root / "bom/time.reg", "\xFF\xFE" + wide(reg));
  // Decoys: wide text after a control unit, and a short wide run, stay binary.
  WriteWholeFile(root / "bin/blob.dat", wide("\x01" + reg));
  WriteWholeFile(root / "bin/short.dat", wide("10.20.30.40") + std::string(64, '\x02'));
  Json doc = Scan(root.path());
  CHECK(Found(doc, "bare/time.reg") == Hits{{4, "10.20.30.40"}, {6, "10.20.30.41"}});
  CHECK(Found(doc, "bare/time.reg") == Found(doc, "bom/time.reg"));
  for (const Json& f : doc["findings"])
    if (f["location"].get<std::string>().ends_with("time.reg") && f["line"] == 4)
      CHECK(f["rule"] == "w32time-registry-file");
  CHECK(Found(doc, "bin/blob.dat").empty());
  CHECK(Found(doc, "bin/short.dat").empty());
  std::string decoded;
  CHECK(ntpsweep::TextOf(wide("server 10.0.0.1\n"), &decoded) == "server 10.0.0.1\n");
  CHECK(ntpsweep::TextOf(wide("server\n"), &decoded) == wide("server\n"));  // under 8 units
}

TEST_CASE("hostile: text followed by a hole of zeros is read up to the hole", "[hostile][holes]") {
  TempDir root;
  // A chrony.conf whose first line is the reference, then 1 MiB of zero bytes (a sparse tail
  // after truncate, or padding), and a script with a binary payload.
  WriteWholeFile(root / "etc/chrony.conf",
                 "server 10.20.30.40 iburst\n" + std::string(1u << 20, '\0'));
  REQUIRE(truncate((root / "etc/chrony.conf").c_str(), 1ll << 30) == 0);  // a 1 GiB hole
  std::string payload;
  for (int i = 0; i < 1000; ++i) payload += std::string("\0\x01\x02\x7f", 4);
  WriteWholeFile(root / "install.sh", "#!/bin/sh\nntpdate 10.20.30.41\nexit 0\n" + payload);
  // Binary from the first byte stays skipped, silently (a NUL before any line of text).
  WriteWholeFile(root / "tool.bin", std::string("\x7f"
                                                "ELF\x02\x01\x01\x00",
                                                8) +
                                        "10.20.30.40\n");
  Json doc = Scan(root.path());
  CHECK(Found(doc, "etc/chrony.conf") == Hits{{1, "10.20.30.40"}});
  CHECK(Found(doc, "install.sh") == Hits{{2, "10.20.30.41"}});
  CHECK(Found(doc, "tool.bin").empty());
  CHECK(Notices(doc, "binary-tail") ==
        std::vector<std::string>{
            root / "etc/chrony.conf: only the text before byte 26 was read; it is followed by "
                   "zero bytes (a hole or padding)",
            root / "install.sh: only the text before byte 37 was read; it is followed by binary "
                   "data"});
  CHECK(doc["stats"]["binary_skipped"] == 1);

  CHECK(ntpsweep::TextBeforeNul(std::string("no line break\0", 14)) == 0);
  CHECK(ntpsweep::TextBeforeNul(std::string("a\n\x01\0", 4)) == 0);  // a control byte
  CHECK(ntpsweep::TextBeforeNul(std::string("caf\xC3\xA9\n\0", 7)) == 6);
}

TEST_CASE("hostile: odd file names stay one line in text and exact in JSON", "[hostile][names]") {
  TempDir root;
  const std::string newline = "new\nline\x1b[31m.conf", not_utf8 = "bad\xff\xfe.conf";
  WriteWholeFile(root / newline, "server 10.20.30.40\n");
  WriteWholeFile(root / not_utf8, "server 10.20.30.41\n");
  RunResult text = RunNtpsweep({"scan", "-q", "--color", "never", "--host", "10.20.30.40", "--host",
                                "10.20.30.41", root.path()});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find(root / "new\\nline\\x1b[31m.conf\n") != std::string::npos);
  CHECK(text.out.find('\x1b') == std::string::npos);

  Json doc = Scan(root.path());
  REQUIRE(doc["findings"].size() == 2);
  int exact = 0;
  for (const Json& f : doc["findings"]) {
    std::string location = f["location"];
    if (location.ends_with(".conf") && location.find("bad") != std::string::npos) {
      // `location` is lossy (U+FFFD); the base64 fields give the bytes back.
      std::string bytes;
      REQUIRE(ntpsweep::Base64Decode(f["location_base64"].get<std::string>(), &bytes));
      CHECK(bytes == root / not_utf8);
      REQUIRE(f["chain_base64"].size() == 1);
      REQUIRE(ntpsweep::Base64Decode(f["chain_base64"][0].get<std::string>(), &bytes));
      CHECK(bytes == root / not_utf8);
      ++exact;
    } else {
      CHECK(location == root / newline);  // valid UTF-8: the plain field is exact
      CHECK_FALSE(f.contains("location_base64"));
    }
  }
  CHECK(exact == 1);

  CHECK(ntpsweep::EscapeControls("a\tb\x7f\x01 ok") == "a\\tb\\x7f\\x01 ok");
  CHECK(ntpsweep::IsValidUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(ntpsweep::IsValidUtf8("\xC0\xAF"));      // overlong
  CHECK_FALSE(ntpsweep::IsValidUtf8("\xED\xA0\x80"));  // a surrogate
  CHECK(ntpsweep::Base64Encode("ab") == "YWI=");
}

TEST_CASE("hostile: unterminated strings, raw strings, comments and heredocs in program source",
          "[hostile][code]") {
  // Each opener repeated ~200,000 times after a real binding: a reader that rescans from every
  // opener is quadratic and fails by the binary's timeout; the binding before must be read.
  const ntpsweep::syntax::SyntaxInfo* code = ntpsweep::syntax::FindSyntax("code");
  REQUIRE(code);
  for (std::string_view opener :
       {"\"", "'a\n", "`", "\"\"\"", "'''", "r#\"", "r###", "R\"x(", "R\"", "/*", "<<~EOS\n", "%w[",
        "x = {", "x = f(", "x = a<", "y: [&", "{a: ", "=begin\n", "#define "}) {
    std::string text =
        "ntp_server = \"10.20.30.40\"\n" + Repeat(std::string(opener) + "b ", 200000);
    ntpsweep::syntax::Document doc;
    code->read(text, &doc);
    INFO(opener);
    REQUIRE(!doc.facts.empty());
    CHECK(doc.facts.front().name == "ntp_server");
    REQUIRE(doc.facts.front().args.size() == 1);
    CHECK(doc.facts.front().args.front().text == "10.20.30.40");
  }
}

TEST_CASE("hostile: unclosed and repeated array and loop openers in scripts", "[hostile][shell]") {
  // A bash array, a PowerShell @( or ( list, a for/foreach header: unclosed once, or opened
  // ~100,000 times; the reader stays linear and the assignment before them is still read.
  for (std::string_view syntax : {"shell", "powershell"}) {
    const ntpsweep::syntax::SyntaxInfo* reader = ntpsweep::syntax::FindSyntax(syntax);
    REQUIRE(reader);
    for (std::string_view opener : {"A=(", "A=( # x\n", "$a = @(", "$a = -join (", "@(",
                                    "for x in $A; do ", "foreach ($x in $a) { ", "set A=b "}) {
      for (size_t n : {size_t{1}, size_t{100000}}) {
        std::string text = "NTP_SERVER=10.20.30.40\n" + Repeat(std::string(opener) + "b ", n);
        ntpsweep::syntax::Document doc;
        reader->read(text, &doc);
        INFO(syntax << " " << opener << " x" << n);
        REQUIRE(!doc.facts.empty());
        CHECK(doc.facts.front().name == "NTP_SERVER");
        REQUIRE(doc.facts.front().args.size() == 1);
        CHECK(doc.facts.front().args.front().text == "10.20.30.40");
      }
    }
  }
}

TEST_CASE("hostile: a file of many references gives each once, by its own rule",
          "[hostile][many]") {
  // 15,000 references and as many decoys in one file: comparing every match with every other
  // was quadratic (seconds at 25,000) and shows by the binary's timeout; what is checked is that
  // each reference is one finding of the daemon's rule, and a block comment still reads as one.
  constexpr int kLines = 15000;
  std::string chrony, ps1;
  for (int i = 0; i < kLines; ++i) {
    chrony += "server 10.20.30.40 iburst\nserver 10.20.30.4 iburst\n";
    if (i == kLines / 2) ps1 += "<#\n";
    ps1 +=
        "w32tm /config /manualpeerlist:10.20.30.40 /update\nw32tm /config "
        "/manualpeerlist:10.20.30.4\n";
    if (i == kLines / 2 + 99) ps1 += "#>\n";
  }
  TempDir tmp;
  WriteWholeFile(tmp / "etc/chrony/chrony.conf", chrony);
  WriteWholeFile(tmp / "setup.ps1", ps1);
  // Data lines (an address first) after as many unclosed line-opening `<#`, each opening a block
  // to the end: every one commented-out; the same lines without the openers are mentions.
  const std::string data = Repeat("10.20.30.40 old-ntp\n", kLines);
  WriteWholeFile(tmp / "notes.ps1", Repeat("<# a\n", kLines) + data);
  WriteWholeFile(tmp / "open.ps1", data);
  Json doc = Scan(tmp.path());
  std::map<std::string, int> by_rule;
  int commented = 0, active_ps1 = 0;
  for (const Json& f : doc["findings"]) {
    CHECK(f["matched"] == "10.20.30.40");
    std::string where = f["location"];
    ++by_rule[where + " " + f["rule"].get<std::string>()];
    if (where.ends_with("notes.ps1")) CHECK(f["activity"] == "commented-out");
    if (where.ends_with("open.ps1")) CHECK(f["activity"] == "mention");
    if (where.ends_with("setup.ps1")) {
      int line = f["line"];
      // Lines 2*(kLines/2)+2 .. +200 are inside the block.
      bool inside = line > 2 * (kLines / 2) + 1 && line <= 2 * (kLines / 2) + 201;
      CHECK((f["activity"] == "commented-out") == inside);
      (inside ? commented : active_ps1)++;
    }
  }
  CHECK(by_rule[tmp / "etc/chrony/chrony.conf chrony-source"] == kLines);
  CHECK(by_rule.count(tmp / "etc/chrony/chrony.conf text-mention") == 0);
  CHECK(by_rule[tmp / "notes.ps1 text-mention"] == kLines);
  CHECK(by_rule[tmp / "open.ps1 text-mention"] == kLines);
  CHECK(commented == 100);
  CHECK(active_ps1 == kLines - 100);
}

TEST_CASE("hostile: a match past 4 KiB of a line gets a snippet that shows it",
          "[hostile][snippet]") {
  TempDir tmp;
  // A minified JSON document: one line, the time server far into it, decoys before and after.
  std::string json = "{\"pad\": \"" + Repeat("a", 9000) + "\", \"decoy\": \"10.20.30.400\", " +
                     "\"ntp_servers\": [\"10.20.30.40\"], \"tail\": \"" + Repeat("b", 9000) +
                     "\"}\n";
  WriteWholeFile(tmp / "app/config.json", json);
  // A short line keeps the whole line.
  WriteWholeFile(tmp / "etc/chrony.conf", "server 10.20.30.41 iburst\n");
  Json doc = Scan(tmp.path());
  CHECK(Found(doc, "app/config.json") ==
        std::vector<std::pair<int, std::string>>{{1, "10.20.30.40"}});
  for (const Json& f : doc["findings"]) {
    std::string text = f["line_text"];
    INFO(f["location"]);
    CHECK(text.size() <= 4096);
    CHECK(text.find(f["matched"].get<std::string>()) != std::string::npos);
  }
  std::string sarif_path = tmp.path() + "/out.sarif";
  RunResult r =
      RunNtpsweep({"scan", "-q", "--format", "sarif", "-o", sarif_path, "--host", "10.20.30.40",
                   "--host", "10.20.30.41", tmp.path() + "/app", tmp.path() + "/etc"});
  REQUIRE(r.signal == 0);
  Json sarif = Json::parse(ReadWholeFile(sarif_path));
  size_t snippets = 0;
  for (const Json& res : sarif["runs"][0]["results"]) {
    std::string snippet = res["locations"][0]["physicalLocation"]["region"]["snippet"]["text"];
    CHECK(snippet.find("10.20.30.4") != std::string::npos);
    ++snippets;
  }
  CHECK(snippets == 2);
}

TEST_CASE("hostile: many references on one long line, in each reader", "[hostile][many]") {
  // A reader asked for a fact's line start, a mention's comment and a finding's column by
  // searching from the line's start each time: 20,000 references on one line took seconds, a
  // minified file of 100,000 minutes. Now the searches go on along the line: every reference is
  // still reported at its own column, and no decoy. (Kept small: each finding's JSON carries 4 KiB
  // of its line, and a sanitizer build reads it all.)
  constexpr int kRefs = 3000;
  const std::string target = "10.20.30.40";  // the decoy is 10.20.30.4
  auto many = [&](std::string_view head, std::string_view item, std::string_view sep,
                  std::string_view tail) {
    std::string out(head);
    for (int i = 0; i < kRefs; ++i) {
      if (i) out += sep;
      std::string one(item);
      for (size_t at; (at = one.find("@N")) != std::string::npos;)
        one.replace(at, 2, std::to_string(i));
      out += one;
    }
    return out + std::string(tail) + "\n";
  };
  const std::map<std::string, std::string> files = {
      {"etc/chrony/chrony.conf", many("", "server 10.20.30.40 iburst 10.20.30.4", " ", "")},
      {"servers.js", many("const ntpServers = [", "\"10.20.30.40\", \"10.20.30.4x\"", ", ", "];")},
      {"client.js", many("", "ntpServer@N = \"10.20.30.40\"; other = \"10.20.30.4\";", " ", "")},
      {"default.nix",
       many("{ ", "networking.timeServers = [ \"10.20.30.40\" \"10.20.30.4\" ];", " ", " }")},
      {"vars.yaml", many("{", "ntp_server@N: 10.20.30.40, dns@N: 10.20.30.4", ", ", "}")},
      {"dhcpd.conf",
       many("", "option ntp-servers 10.20.30.40; option domain-name-servers 10.20.30.4;", " ", "")},
      {"main.tf",
       many("locals { ", "ntp_server@N = \"10.20.30.40\" dns@N = \"10.20.30.4\"", " ", " }")},
      {"Dockerfile",
       many("RUN ", "echo \"server 10.20.30.40\" >> /etc/chrony.conf && ping 10.20.30.4", " && ",
            "")},
      {"setup.sh", many("", "ntpdate 10.20.30.40; ping 10.20.30.4;", " ", "")},
  };
  TempDir tmp;
  for (const auto& [name, text] : files) WriteWholeFile(tmp / name, text);
  Json doc = Scan(tmp.path());
  std::map<std::string, std::set<int>> columns;
  for (const Json& f : doc["findings"]) {
    CHECK(f["matched"] == target);
    CHECK(f["line"] == 1);
    columns[f["location"].get<std::string>()].insert(f["column"].get<int>());
  }
  for (const auto& [name, text] : files) {
    INFO(name);
    std::set<int> expected;  // where the target stands whole (not the decoy's prefix)
    for (size_t at = text.find(target); at != std::string::npos; at = text.find(target, at + 1))
      if (!std::isdigit(static_cast<unsigned char>(text[at + target.size()])))
        expected.insert(static_cast<int>(at) + 1);
    CHECK(expected.size() == kRefs);
    CHECK(columns[tmp / name] == expected);
  }
}

TEST_CASE("hostile: a long chain of variables reaches the time source in one walk",
          "[hostile][variables]") {
  // A1=$A0, A2=$A1, ... 30,000 links: each pass over the definitions went one link further, so a
  // chain of n links took n passes (minutes). A decoy chain B beside it ends in `echo`, not in a
  // time source: its head stays an ordinary variable.
  constexpr int kLinks = 30000;
  struct Case {
    std::string_view syntax, head, link, use, decoy_use;
  };
  for (const Case& c :
       {Case{"shell", "@0=10.20.30.40\n", "@N=$@P\n", "ntpdate -u $@L\n", "echo $@L\n"},
        Case{"powershell", "$@0 = \"10.20.30.40\"\n", "$@N = $@P\n",
             "w32tm /config /manualpeerlist:$@L\n", "Write-Host $@L\n"},
        Case{"dockerfile", "ARG @0=10.20.30.40\n", "ENV @N=${@P}\n", "RUN ntpdate -u ${@L}\n",
             "RUN echo ${@L}\n"}}) {
    auto spell = [&](std::string_view form, std::string_view var, int n) {
      std::string out(form);
      auto put = [&](std::string_view key, int i) {
        for (size_t at; (at = out.find(key)) != std::string::npos;)
          out.replace(at, key.size(), std::string(var) + std::to_string(i));
      };
      put("@N", n);
      put("@P", n - 1);
      put("@L", kLinks);
      put("@0", 0);
      return out;
    };
    std::string text = c.syntax == "dockerfile" ? "FROM scratch\n" : "";
    for (std::string_view var : {"A", "B"}) {
      text += spell(c.head, var, 0);
      for (int i = 1; i <= kLinks; ++i) text += spell(c.link, var, i);
    }
    text += spell(c.use, "A", 0) + spell(c.decoy_use, "B", 0);
    const ntpsweep::syntax::SyntaxInfo* reader = ntpsweep::syntax::FindSyntax(c.syntax);
    REQUIRE(reader);
    ntpsweep::syntax::Document doc;
    reader->read(text, &doc);
    INFO(c.syntax);
    std::map<std::string, const ntpsweep::syntax::Fact*> heads;
    for (const ntpsweep::syntax::Fact& f : doc.facts)
      if (f.name == "A0" || f.name == "B0") heads[std::string(f.name)] = &f;
    REQUIRE(heads.size() == 2);
    CHECK(heads["A0"]->section == "time");
    REQUIRE(heads["A0"]->time_read < text.size());
    std::string_view read = std::string_view(text).substr(heads["A0"]->time_read);
    bool reads_last = read.starts_with("$A" + std::to_string(kLinks) + "\n") ||
                      read.starts_with("${A" + std::to_string(kLinks) + "}");
    CHECK(reads_last);
    CHECK(heads["B0"]->section != "time");
    CHECK(heads["B0"]->time_read == ntpsweep::syntax::Fact::kNoRead);
  }
}

TEST_CASE("hostile: a property value continued over a million lines is read once",
          "[hostile][properties]") {
  // Each byte of a word in a continued value looked through every join before it: a value of
  // 1,000,000 lines joined without blanks took minutes (a join ends a word, as a blank does). The
  // host on the last line is still the value's last word, at its own offset; the commented line
  // before it ends at its backslash (a comment never continues).
  constexpr size_t kLines = 1000000;
  const ntpsweep::syntax::SyntaxInfo* reader = ntpsweep::syntax::FindSyntax("properties");
  REQUIRE(reader);
  std::string text =
      "#dns.server = 10.20.30.4 \\\nntp.server = " + Repeat("a\\\n", kLines) + "10.20.30.40\n";
  ntpsweep::syntax::Document doc;
  reader->read(text, &doc);
  REQUIRE(doc.facts.size() == 2);
  CHECK(doc.facts[0].name == "dns.server");
  CHECK(doc.facts[0].commented);
  REQUIRE(doc.facts[0].args.size() == 1);
  const ntpsweep::syntax::Fact& ntp = doc.facts[1];
  CHECK(ntp.name == "ntp.server");
  REQUIRE(ntp.args.size() == kLines + 1);
  CHECK(ntp.args.back().text == "10.20.30.40");
  CHECK(ntp.args.back().offset == text.rfind("10.20.30.40"));
  CHECK(ntp.args[kLines - 1].text == "a");
}

TEST_CASE("hostile: TOML dotted keys nested past the bound are read line by line, not recursed",
          "[hostile][nesting][toml]") {
  // toml++ bounds arrays and inline tables but not the tables a dotted key opens, and recurses
  // once per level: a header or key of 200,000 dots overflowed the stack (SIGSEGV, the whole scan
  // lost). Each file has a reference before and after the deep part; the shallow file below the
  // bound is read as TOML (no notice) and its decoy 10.20.30.4 is not a finding.
  TempDir tmp;
  const std::string dots = Repeat("a.", 200000) + "a";
  WriteWholeFile(tmp / "header/conf.toml",
                 "ntp_server = \"10.20.30.40\"\n[" + dots + "]\nntp_server = \"10.20.30.41\"\n");
  WriteWholeFile(tmp / "key/conf.toml", "ntp_server = \"10.20.30.40\"\n" + dots +
                                            " = 1\nntp_servers = [\"10.20.30.41\"]\n");
  WriteWholeFile(tmp / "inline/conf.toml", "ntp_server = \"10.20.30.40\"\nt = { " +
                                               Repeat("b = { " + Repeat("a.", 60) + "a = { ", 100) +
                                               "\n[time]\nntp_server = \"10.20.30.41\"\n");
  WriteWholeFile(tmp / "shallow/conf.toml", "dns_server = \"10.20.30.4\"\n[" + Repeat("a.", 98) +
                                                "a]\nntp_server = \"10.20.30.40\"\n");
  Json doc = Scan(tmp.path());
  CHECK(Found(doc, "header/conf.toml") == Hits{{1, "10.20.30.40"}, {3, "10.20.30.41"}});
  CHECK(Found(doc, "key/conf.toml") == Hits{{1, "10.20.30.40"}, {3, "10.20.30.41"}});
  CHECK(Found(doc, "inline/conf.toml") == Hits{{1, "10.20.30.40"}, {4, "10.20.30.41"}});
  CHECK(Found(doc, "shallow/conf.toml") == Hits{{3, "10.20.30.40"}});
  std::vector<std::string> deep = Notices(doc, "malformed-document");
  std::sort(deep.begin(), deep.end());
  REQUIRE(deep.size() == 3);
  CHECK(deep[0].starts_with(tmp / "header/conf.toml:2:201:"));  // the 100th dot
  CHECK(deep[1].starts_with(tmp / "inline/conf.toml:2:"));
  CHECK(deep[2].starts_with(tmp / "key/conf.toml:2:200:"));
  for (const std::string& m : deep) CHECK(m.find("TOML tables nested deeper") != std::string::npos);
}

TEST_CASE("hostile: Dockerfile heredoc bodies are read once, as what they write or run",
          "[hostile][dockerfile]") {
  // The next instruction was looked for after the heredoc's opening line, not after its body:
  // each body line was read again as an instruction (an `ENV` line written to /etc/motd became a
  // Dockerfile ENV), and n unclosed `RUN <<EOF` lines made n scripts each holding the rest of the
  // file (quadratic time and memory).
  constexpr size_t kUnclosed = 3000;
  const ntpsweep::syntax::SyntaxInfo* reader = ntpsweep::syntax::FindSyntax("dockerfile");
  REQUIRE(reader);
  std::string text =
      "FROM scratch\nCOPY <<EOF /etc/motd\nENV NTP_SERVER=10.20.30.40\nEOF\n"
      "RUN <<EOF\nntpdate -u 10.20.30.41\nEOF\nENV DNS_SERVER=10.20.30.4\n" +
      Repeat("RUN <<EOF\n", kUnclosed);
  ntpsweep::syntax::Document doc;
  reader->read(text, &doc);
  std::vector<std::string> env;
  for (const ntpsweep::syntax::Fact& f : doc.facts)
    if (f.section == "ENV") env.emplace_back(f.name);
  CHECK(env == std::vector<std::string>{"DNS_SERVER"});
  std::vector<std::string> embedded;
  for (const ntpsweep::syntax::EmbeddedDocument& e : doc.embedded) embedded.push_back(e.path);
  CHECK(embedded ==
        std::vector<std::string>{"/etc/motd", "dockerfile/run.sh", "dockerfile/run.sh"});
  REQUIRE(doc.embedded.size() == 3);
  CHECK(doc.embedded[0].text.find("ENV NTP_SERVER=10.20.30.40") != std::string::npos);
  CHECK(doc.embedded[1].text.find("ntpdate -u 10.20.30.41") != std::string::npos);
  CHECK(doc.embedded[2].text.size() == (kUnclosed - 1) * std::string("RUN <<EOF\n").size());
}

TEST_CASE("hostile: CRLF line ends give the findings LF gives", "[hostile][crlf]") {
  // RE2's `$` stands before '\n' only, so a rule or sniff ending a line with `$` missed every
  // CRLF line: a Nix string's chrony line, a Salt text value and a [Time] section found by content
  // fell back to a plain mention. A rule that spells \r itself (PowerShell's backtick before
  // \r?\n) still sees the text as is. Decoys: 10.20.30.4 beside each reference.
  const std::map<std::string, std::string> files = {
      {"time.nix",
       "{\n  services.chrony.extraConfig = ''\n    server 10.20.30.40 iburst\n"
       "    server 10.20.30.4 iburst\n  '';\n}\n"},
      {"salt/time.sls",
       "corp:\n  file.append:\n    - name: {{ conf }}\n    - text: server 10.20.30.40 iburst\n"
       "other:\n  file.append:\n    - name: {{ conf }}\n    - text: server 10.20.30.4 iburst\n"},
      {"site/CORP_TIME", "[Time]\nNTP=10.20.30.40 10.20.30.4\n"},
      {"win/clock.ps1",
       "Set-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters' "
       "`\n"
       "    -Name NtpServer `\n    -Value \"10.20.30.40,0x9\"\n"},
  };
  TempDir tmp;
  for (const auto& [name, text] : files) {
    WriteWholeFile(tmp / ("lf/" + name), text);
    std::string crlf;
    for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    WriteWholeFile(tmp / ("crlf/" + name), crlf);
  }
  auto findings = [&](const std::string& root) {
    std::set<std::tuple<std::string, int, int, std::string, std::string>> out;
    Json doc = Scan(tmp / root);
    for (const Json& f : doc["findings"])
      out.emplace(f["location"].get<std::string>().substr((tmp / root).size()),
                  f["line"].get<int>(), f["column"].get<int>(), f["rule"].get<std::string>(),
                  f["matched"].get<std::string>());
    return out;
  };
  auto lf = findings("lf");
  std::set<std::string> rules;
  for (const auto& f : lf) {
    CHECK(std::get<4>(f) == "10.20.30.40");
    rules.insert(std::get<3>(f));
  }
  CHECK(rules == std::set<std::string>{"embedded-time-directive", "timesyncd-ntp",
                                       "w32time-registry-command"});
  CHECK(findings("crlf") == lf);
  // The inventory's regex rules read the text as the scan's do (they missed both embedded lines).
  auto sources = [&](const std::string& root) {
    std::set<std::tuple<std::string, int, int, std::string, std::string>> out;
    RunResult r = RunNtpsweep({"inventory", "-q", "--format", "json", tmp / root});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const Json doc = Json::parse(r.out);
    for (const Json& server : doc["servers"])
      for (const Json& ref : server["references"])
        out.emplace(ref["location"].get<std::string>().substr((tmp / root).size()),
                    ref["line"].get<int>(), ref["column"].get<int>(),
                    ref["rule"].get<std::string>(), ref["host"].get<std::string>());
    return out;
  };
  auto lf_sources = sources("lf");
  std::set<std::string> source_rules;
  for (const auto& s : lf_sources) source_rules.insert(std::get<3>(s));
  CHECK(source_rules == rules);
  CHECK(sources("crlf") == lf_sources);
}

namespace {

// A file of each reader's syntax: `head`, filler lines around one line naming the target, `tail`.
// Every 100th filler line names a decoy (10.20.30.4, 10.20.30.42), never the target.
struct SizedCase {
  std::string path;
  std::string syntax;  // the reader the path selects, named in the notice
  std::string head;
  std::string (*filler)(size_t i, const std::string& value);
  std::string target_line;
  std::string tail;
};

const std::vector<SizedCase>& SizedCases() {
  static const std::vector<SizedCase> cases = {
      {"script.sh", "shell", "#!/bin/sh\n",
       [](size_t i, const std::string& v) {
         return "VAR_" + std::to_string(i) + "=\"" + v + "\"; echo \"$VAR_" + std::to_string(i) +
                "\" > /tmp/out\n";
       },
       "ntpdate -u 10.20.30.40\n", ""},
      {"compose.yaml", "yaml", "services:\n",
       [](size_t i, const std::string& v) {
         return "  svc_" + std::to_string(i) + ":\n    image: repo/img:" + std::to_string(i) +
                "\n    dns: [\"" + v + "\"]\n";
       },
       "  ntp:\n    ntp_servers: [10.20.30.40]\n", ""},
      {"settings.json", "json", "{\"items\": [\n",
       [](size_t i, const std::string& v) {
         return "{\"name\": \"n" + std::to_string(i) + "\", \"dns\": \"" + v + "\"},\n";
       },
       "{\"ntp_server\": \"10.20.30.40\"},\n", "{\"end\": 1}]}\n"},
      {"config.toml", "toml", "",
       [](size_t i, const std::string& v) {
         return "[section_" + std::to_string(i) + "]\ndns = \"" + v + "\"\n";
       },
       "[ntp]\nservers = [\"10.20.30.40\"]\n", ""},
      {"etc/chrony/chrony.conf", "chrony", "",
       [](size_t i, const std::string& v) {
         return "allow " + (v.empty() ? "10.1." + std::to_string(i % 250) + ".0/24" : v) + "\n";
       },
       "server 10.20.30.40 iburst\n", ""},
      {"etc/ntp.conf", "ntp-conf", "",
       [](size_t i, const std::string& v) {
         return "restrict " + (v.empty() ? "10.1." + std::to_string(i % 250) + ".0" : v) +
                " nomodify\n";
       },
       "server 10.20.30.40 iburst\n", ""},
      {"settings.ini", "ini", "[s]\n",
       [](size_t i, const std::string& v) {
         return "key_" + std::to_string(i) + " = value " + v + "\n";
       },
       "ntp_server = 10.20.30.40\n", ""},
      {"settings.py", "code", "",
       [](size_t i, const std::string& v) {
         return "name_" + std::to_string(i) + " = \"value " + v + "\"\n";
       },
       "NTP_SERVER = \"10.20.30.40\"\n", ""},
      {"main.tf", "hcl", "",
       [](size_t i, const std::string& v) {
         return "variable \"v" + std::to_string(i) + "\" {\n  default = \"x" + v + "\"\n}\n";
       },
       "variable \"ntp_servers\" {\n  default = [\"10.20.30.40\"]\n}\n", ""},
      {"configuration.nix", "nix", "{\n",
       [](size_t i, const std::string& v) {
         return "  opt" + std::to_string(i) + ".value = \"x" + v + "\";\n";
       },
       "  services.timesyncd.servers = [ \"10.20.30.40\" ];\n", "}\n"},
      {"autoinst.xml", "xml", "<profile>\n",
       [](size_t i, const std::string& v) {
         return "<item" + std::to_string(i) + "><v>x" + v + "</v></item" + std::to_string(i) +
                ">\n";
       },
       "<ntp-client><ntp_servers><ntp_server><address>10.20.30.40</address></ntp_server>"
       "</ntp_servers></ntp-client>\n",
       "</profile>\n"},
      {"etc/dhcp/dhcpd.conf", "dhcpd", "",
       [](size_t i, const std::string& v) {
         return "host h" + std::to_string(i) + " { fixed-address " +
                (v.empty() ? "10.1." + std::to_string(i % 250) + ".1" : v) + "; }\n";
       },
       "option ntp-servers 10.20.30.40;\n", ""},
      {"etc/dnsmasq.conf", "dnsmasq", "",
       [](size_t i, const std::string& v) {
         return "address=/h" + std::to_string(i) + ".example/" +
                (v.empty() ? "10.1." + std::to_string(i % 250) + ".1" : v) + "\n";
       },
       "dhcp-option=option:ntp-server,10.20.30.40\n", ""},
      {"ks.cfg", "kickstart", "",
       [](size_t i, const std::string& v) {
         return "part /p" + std::to_string(i) + " --size=100 # " + v + "\n";
       },
       "timesource --ntp-server=10.20.30.40\n", ""},
      {"preseed.cfg", "preseed", "",
       [](size_t i, const std::string& v) {
         return "d-i some/question" + std::to_string(i) + " string v" + v + "\n";
       },
       "d-i clock-setup/ntp-server string 10.20.30.40\n", ""},
      {"chrony.conf.j2", "template", "",
       [](size_t i, const std::string& v) {
         return "server {{ s" + std::to_string(i) + " }} iburst # " + v + "\n";
       },
       "server 10.20.30.40 iburst\n", ""},
      {"Dockerfile", "dockerfile", "FROM debian\n",
       [](size_t i, const std::string& v) { return "ENV V" + std::to_string(i) + "=x" + v + "\n"; },
       "RUN ntpdate 10.20.30.40\n", ""},
      {"etc/default/ntp", "shell-vars", "",
       [](size_t i, const std::string& v) { return "V" + std::to_string(i) + "=\"x" + v + "\"\n"; },
       "NTPSERVERS=\"10.20.30.40\"\n", ""},
      {"app.properties", "properties", "",
       [](size_t i, const std::string& v) {
         return "key." + std::to_string(i) + "=value" + v + "\n";
       },
       "ntp.server=10.20.30.40\n", ""},
  };
  return cases;
}

// The case's text of at least `bytes` bytes, and the 1-based line of the target.
std::pair<std::string, int> SizedText(const SizedCase& c, size_t bytes) {
  std::string before = c.head, after;
  for (size_t i = 0; before.size() + after.size() < bytes; ++i) {
    std::string decoy = i % 100 == 7 ? (i % 200 == 7 ? "10.20.30.4" : "10.20.30.42") : "";
    (i % 2 ? after : before) += c.filler(i, decoy);
  }
  std::string text = before + c.target_line + after + c.tail;
  size_t at = text.find("10.20.30.40");  // the decoys are no prefix of it
  int line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  return {text, line + 1};
}

// location -> (line, matched, rule) of every finding.
std::map<std::string, std::vector<std::tuple<int, std::string, std::string>>> FindingsByFile(
    const Json& doc, const std::string& root) {
  std::map<std::string, std::vector<std::tuple<int, std::string, std::string>>> out;
  for (const Json& f : doc["findings"]) {
    std::string at = f["location"].get<std::string>();
    if (at.starts_with(root + "/")) at = at.substr(root.size() + 1);
    out[at].emplace_back(f["line"].get<int>(), f["matched"].get<std::string>(),
                         f["rule"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("hostile: a document over --max-reader-size is matched as text, with a notice",
          "[hostile][reader-size]") {
  // A reader holds 10 to 70 times its input (facts, nodes, words): a 12 MB YAML file took 500 MB.
  // Past the bound no reader reads the file; its text rules still find the target (a mention
  // or a daemon line), the notice names the file, the reader and the bound, --stats counts it.
  // The same content under the bound is read by its reader. No decoy is found in either.
  constexpr size_t kBound = 256 << 10;
  TempDir tmp;
  std::map<std::string, int> line_of;
  for (const SizedCase& c : SizedCases()) {
    auto [big, big_line] = SizedText(c, kBound + 1);
    auto [small, small_line] = SizedText(c, kBound / 4);
    REQUIRE(big.size() > kBound);
    REQUIRE(small.size() < kBound);
    WriteWholeFile(tmp / ("big/" + c.path), big);
    WriteWholeFile(tmp / ("small/" + c.path), small);
    line_of["big/" + c.path] = big_line;
    line_of["small/" + c.path] = small_line;
  }
  std::vector<std::string> args = {"scan",    "-q",      "--format",    "json",
                                   "--stats", "--host",  "10.20.30.40", "--max-reader-size",
                                   "256KiB",  tmp.path()};
  RunResult r = RunNtpsweep(args);
  INFO(r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == 1);
  Json doc = Json::parse(r.out);
  auto found = FindingsByFile(doc, tmp.path());
  std::vector<std::string> notices = Notices(doc, "limit-reader-size");
  for (const SizedCase& c : SizedCases()) {
    INFO(c.path);
    const auto& big = found["big/" + c.path];
    const auto& small = found["small/" + c.path];
    REQUIRE(big.size() == 1);
    REQUIRE(small.size() == 1);
    CHECK(std::get<0>(big[0]) == line_of["big/" + c.path]);
    CHECK(std::get<1>(big[0]) == "10.20.30.40");
    CHECK(std::get<0>(small[0]) == line_of["small/" + c.path]);
    CHECK(std::get<1>(small[0]) == "10.20.30.40");
    // The small file's finding is its reader's: the big one's comes from a text rule.
    CHECK(std::get<2>(big[0]) != std::get<2>(small[0]));
    std::string expected = tmp / ("big/" + c.path) + ": not read by the " + c.syntax + " reader: " +
                           std::to_string(std::filesystem::file_size(tmp / ("big/" + c.path))) +
                           " bytes, over --max-reader-size (" + std::to_string(kBound) + ")";
    CHECK(std::count_if(notices.begin(), notices.end(),
                        [&](const std::string& n) { return n.starts_with(expected); }) == 1);
    CHECK(std::none_of(notices.begin(), notices.end(), [&](const std::string& n) {
      return n.starts_with(tmp / ("small/" + c.path) + ":");
    }));
    CHECK(r.err.find("reader " + c.syntax + " over size") != std::string::npos);
  }
  CHECK(found.size() == 2 * SizedCases().size());  // no other file, so no decoy
}

TEST_CASE("hostile: --max-reader-size is 1 MiB unless raised", "[hostile][reader-size]") {
  const SizedCase& yaml = SizedCases()[1];
  REQUIRE(yaml.syntax == "yaml");
  auto [text, line] = SizedText(yaml, (1 << 20) + 1);
  TempDir tmp;
  WriteWholeFile(tmp / yaml.path, text);
  Json capped = Scan(tmp.path());
  std::vector<std::string> notices = Notices(capped, "limit-reader-size");
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].find("not read by the yaml reader: " + std::to_string(text.size()) +
                        " bytes, over --max-reader-size (1048576)") != std::string::npos);
  Json raised = Scan(tmp.path(), {"--max-reader-size", "2MiB"});
  CHECK(Notices(raised, "limit-reader-size").empty());
  auto capped_found = FindingsByFile(capped, tmp.path())[yaml.path];
  auto raised_found = FindingsByFile(raised, tmp.path())[yaml.path];
  REQUIRE(capped_found.size() == 1);
  REQUIRE(raised_found.size() == 1);
  CHECK(std::get<0>(capped_found[0]) == line);
  CHECK(std::get<0>(raised_found[0]) == line);
  CHECK(std::get<2>(capped_found[0]) != std::get<2>(raised_found[0]));  // read as YAML: its rule
}

TEST_CASE("hostile: a document over --max-reader-size is read neither for linkage nor inventory",
          "[hostile][reader-size]") {
  // The cross-file stage and the inventory read documents through their own collector: the
  // bound holds there too (a 6.7 MB playbook of template tasks took 300 MB), with a notice
  // saying what is missing. The same tasks under the bound are read and linked.
  constexpr size_t kBound = 64 << 10;
  TempDir tmp;
  auto tasks = [](size_t at_least) {
    std::string text = "---\n";
    for (int i = 0; text.size() < at_least; ++i)
      text += "- name: step " + std::to_string(i) +
              "\n  template:\n    src: " + (i % 2 ? "decoy.conf.j2" : "chrony.conf.j2") +
              "\n    dest: /etc/chrony/conf.d/n" + std::to_string(i) + ".conf\n";
    return text;
  };
  const std::string big = tasks(kBound + 1), small = tasks(512);
  REQUIRE(small.size() < kBound);
  for (const std::string role : {"big", "small"}) {
    WriteWholeFile(tmp / ("roles/" + role + "/templates/chrony.conf.j2"),
                   "server 10.20.30.40 iburst\n");
    WriteWholeFile(tmp / ("roles/" + role + "/templates/decoy.conf.j2"),
                   "server 10.20.30.4 iburst\n");
    WriteWholeFile(tmp / ("roles/" + role + "/tasks/main.yml"), role == "big" ? big : small);
  }
  const std::string bound = std::to_string(kBound);
  Json doc = Scan(tmp.path(), {"--max-reader-size", bound});
  std::map<std::string, std::set<std::string>> related;  // finding's file -> related files
  for (const Json& f : doc["findings"])
    for (const Json& r : f.value("related", Json::array()))
      related[f["location"].get<std::string>()].insert(r["location"].get<std::string>());
  CHECK(doc["findings"].size() == 2);  // the decoy templates hold 10.20.30.4
  CHECK(related ==
        std::map<std::string, std::set<std::string>>{
            {tmp / "roles/small/templates/chrony.conf.j2", {tmp / "roles/small/tasks/main.yml"}}});
  std::vector<std::string> notices = Notices(doc, "limit-reader-size");
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] == tmp / "roles/big/tasks/main.yml" + ": not read by the yaml reader: " +
                          std::to_string(big.size()) + " bytes, over --max-reader-size (" + bound +
                          "); the files it installs and the variables it reads are not " +
                          "linked to findings");

  // An inventory: the time sources only the YAML reader finds are missing from the big file.
  WriteWholeFile(tmp / "vars/small.yml", "ntp_servers:\n  - 10.1.1.1\n");
  WriteWholeFile(tmp / "vars/big.yml",
                 "ntp_servers:\n  - 10.1.1.2\n" + std::string(kBound, '#') + "\n");
  RunResult r = RunNtpsweep(
      {"inventory", "-q", "--format", "json", "--max-reader-size", bound, tmp / "vars"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Json inventory = Json::parse(r.out);
  std::set<std::string> servers;
  for (const Json& s : inventory["servers"]) servers.insert(s["server"].get<std::string>());
  CHECK(servers == std::set<std::string>{"10.1.1.1"});
  std::vector<std::string> unread = Notices(inventory, "limit-reader-size");
  REQUIRE(unread.size() == 1);
  CHECK(unread[0].starts_with(tmp / "vars/big.yml" + ": not read by the yaml reader: "));
  CHECK(unread[0].ends_with("; the time sources only that reader finds are not listed"));
}

TEST_CASE("hostile: a host list of a million bytes is read in linear time", "[hostile][sources]") {
  // Every word of a step-tickers is a time source. Linkage (here under --no-prefilter) and the
  // inventory weighed each source against every other (hours for 1 MB, the ctest TIMEOUT here)
  // and copied its line's 4 KiB excerpt for each; the reference first must be found, no decoy.
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp/step-tickers",
                 "10.20.30.40\n" + Repeat("10.20.30.4 ntp.example.net 10.20.30.400\n", 5000) +
                     Repeat("{\n", 400000));
  WriteWholeFile(tmp / "etc/ntp/ntpservers", "10.20.30.41 " + Repeat("`", 300000) + "\n");
  Json doc = Scan(tmp.path(), {"--no-prefilter"});
  CHECK(Found(doc, "etc/ntp/step-tickers") == Hits{{1, "10.20.30.40"}});
  CHECK(Found(doc, "etc/ntp/ntpservers") == Hits{{1, "10.20.30.41"}});
  CHECK(doc["findings"].size() == 2);

  // The inventory lists every word once, the decoys under their own names.
  WriteWholeFile(tmp / "etc/ntp/step-tickers",
                 "10.20.30.40\n" + Repeat("10.20.30.4 ntp.example.net\n", 30000));
  std::filesystem::remove(tmp / "etc/ntp/ntpservers");
  RunResult r = RunNtpsweep({"inventory", "-q", "--format", "json", tmp.path()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, int> counts;
  const Json inventory = Json::parse(r.out);
  for (const Json& s : inventory["servers"])
    counts[s["server"].get<std::string>()] = s["count"].get<int>();
  CHECK(counts == std::map<std::string, int>{
                      {"10.20.30.40", 1}, {"10.20.30.4", 30000}, {"ntp.example.net", 30000}});
}
