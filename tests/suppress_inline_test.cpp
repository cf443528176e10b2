// Suppressions as a library: inline `ntpsweep:ignore` markers in any comment syntax, the ignore
// file's format and errors, expiry against a pinned date, and unused entries.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "triage/suppress.h"

namespace {

using ntpsweep::Finding;
using ntpsweep::Location;
using ntpsweep::Notice;
using ntpsweep::Suppression;
namespace triage = ntpsweep::triage;

Finding At(const std::string& path, uint32_t line, const std::string& rule,
           const std::string& fingerprint = "") {
  Finding f;
  f.rule_id = rule;
  f.location = Location{{path}};
  f.span.line = f.span.end_line = line;
  f.span.column = 1;
  f.fingerprint = fingerprint;
  return f;
}

}  // namespace

TEST_CASE("suppress: the marker is found in every comment syntax", "[suppress]") {
  struct Case {
    const char* text;
    bool whole_line;
    std::vector<std::string> rules;
    const char* reason;
  };
  const Case cases[] = {
      {"# ntpsweep:ignore", true, {}, ""},
      {"server x  # ntpsweep:ignore ntp-conf-source -- standby until OPS-42", false,
       {"ntp-conf-source"}, "standby until OPS-42"},
      {"  // ntpsweep:ignore rule-a, rule-b -- two rules", true, {"rule-a", "rule-b"}, "two rules"},
      {"text <!-- ntpsweep:ignore -- history -->", false, {}, "history"},
      {"/* ntpsweep:ignore -- a test vector */", true, {}, "a test vector"},
      {"; ntpsweep:ignore", true, {}, ""},
      {"-- ntpsweep:ignore text-mention", true, {"text-mention"}, ""},
      {"{# ntpsweep:ignore -- jinja #}", true, {}, "jinja"},
      {"server h iburst ! ntpsweep:ignore -- chrony", false, {}, "chrony"},
      {"% ntpsweep:ignore", true, {}, ""},
      {"x = 1 ' ntpsweep:ignore -- vb", false, {}, "vb"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto markers = triage::FindInlineMarkers(std::string("first line\n") + c.text + "\nlast\n");
    REQUIRE(markers.size() == 1);
    CHECK(markers[0].line == 2);
    CHECK(markers[0].whole_line == c.whole_line);
    CHECK(markers[0].rules == c.rules);
    CHECK(markers[0].reason == c.reason);
  }
}

TEST_CASE("suppress: text that is not a comment marker is ignored", "[suppress]") {
  CHECK(triage::FindInlineMarkers("echo ntpsweep:ignore\n").empty());          // no comment
  CHECK(triage::FindInlineMarkers("# ntpsweep:ignored by the team\n").empty());  // another word
  CHECK(triage::FindInlineMarkers("# ntpsweep:ignore-all\n").empty());
  CHECK(triage::FindInlineMarkers("ntpsweep:ignore # trailing\n").empty());    // comment after it
  CHECK(triage::FindInlineMarkers("").empty());
  // The marker at the very start of the text, with a comment before it on the same line.
  auto m = triage::FindInlineMarkers("#ntpsweep:ignore");
  REQUIRE(m.size() == 1);
  CHECK(m[0].line == 1);
  CHECK(m[0].column == 2);
}

TEST_CASE("suppress: a marker covers its line, and the next one only when alone", "[suppress]") {
  const std::string text =
      "# ntpsweep:ignore -- whole line\n"      // 1: covers 1 and 2
      "server a\n"                             // 2
      "server b  # ntpsweep:ignore rule-x\n"   // 3: covers 3, only rule-x
      "server c\n"                             // 4: not covered (trailing marker above)
      "# ntpsweep:ignore -- nothing below\n"   // 5: unused
      "\n";
  std::vector<Finding> findings = {At("f", 2, "rule-x"), At("f", 3, "rule-x"),
                                   At("f", 3, "rule-y"), At("f", 4, "rule-x")};
  auto unused = triage::ApplyInlineSuppressions(text, &findings);
  REQUIRE(findings[0].suppression);
  CHECK(findings[0].suppression->kind == Suppression::Kind::kInSource);
  CHECK(findings[0].suppression->justification == "whole line");
  CHECK(findings[0].suppression->source == "f:1");
  REQUIRE(findings[1].suppression);
  CHECK(findings[1].suppression->justification.empty());
  CHECK_FALSE(findings[2].suppression);  // rule-y is not named by the marker
  CHECK_FALSE(findings[3].suppression);
  REQUIRE(unused.size() == 1);
  CHECK(unused[0].line == 5);
}

TEST_CASE("suppress: the ignore file format", "[suppress]") {
  auto entries = triage::ParseIgnoreFile(
      "# comment\n"
      "\n"
      "legacy/**  -- the legacy fleet is switched off\n"
      "0123456789abcdef:2 rule=text-mention expires=2027-01-31 -- being removed, OPS-1\n",
      ".ntpsweepignore");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].path_glob == "legacy/**");
  CHECK(entries[0].fingerprint.empty());
  CHECK(entries[0].reason == "the legacy fleet is switched off");
  CHECK(entries[0].source == ".ntpsweepignore:3");
  CHECK(entries[1].fingerprint == "0123456789abcdef:2");
  CHECK(entries[1].rule == "text-mention");
  CHECK(entries[1].expires == "2027-01-31");
  CHECK(entries[1].line == 4);
}

TEST_CASE("suppress: ignore file errors name file:line:column", "[suppress]") {
  auto error_of = [](const std::string& text) {
    try {
      triage::ParseIgnoreFile(text, "ig");
    } catch (const triage::SuppressionError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("\nlegacy/**\n") == "ig:2:10: an entry needs a reason: PATTERN [rule=ID] "
                                     "[expires=YYYY-MM-DD] -- REASON");
  CHECK(error_of("a/** expires=2027-02-30 -- x\n") ==
        "ig:1:14: expires='2027-02-30' is not a date (YYYY-MM-DD)");
  CHECK(error_of("a/** until=2027 -- x\n") ==
        "ig:1:6: unexpected 'until=2027' (expected rule=ID or expires=YYYY-MM-DD before ' -- REASON')");
  CHECK(error_of("a/** --   \n").find("ig:1:") == 0);
}

TEST_CASE("suppress: ignore entries expire, and unused ones are reported", "[suppress]") {
  std::vector<triage::IgnoreEntry> entries = triage::ParseIgnoreFile(
      "a/** expires=2026-06-01 -- until June\n"
      "b/** expires=2026-06-02 -- until the day after\n"
      "0000000000000001:1 rule=r1 -- one fingerprint\n"
      "nothing/** -- matches nothing\n",
      "ig");
  std::vector<Finding> findings = {At("a/x.conf", 1, "r1"), At("b/y.conf", 1, "r1"),
                                   At("c/z.conf", 1, "r1", "0000000000000001:1"),
                                   At("c/z.conf", 2, "r2", "0000000000000001:1")};
  std::vector<Notice> notices;
  triage::ApplyIgnoreEntries(entries, "2026-06-01", true, &findings, &notices);
  CHECK_FALSE(findings[0].suppression);  // expires on the day: no longer suppresses
  REQUIRE(findings[1].suppression);
  CHECK(findings[1].suppression->kind == Suppression::Kind::kExternal);
  CHECK(findings[1].suppression->justification == "until the day after");
  REQUIRE(findings[2].suppression);
  CHECK_FALSE(findings[3].suppression);  // rule=r1 only
  REQUIRE(notices.size() == 2);
  CHECK(notices[0].id == "expired-suppression");
  CHECK(notices[0].line == 1);
  CHECK(notices[0].message.find("expired on 2026-06-01") != std::string::npos);
  CHECK(notices[1].id == "unused-suppression");
  CHECK(notices[1].line == 4);

  // Without --report-unused-suppressions only the expiry is reported.
  notices.clear();
  for (Finding& f : findings) f.suppression.reset();
  triage::ApplyIgnoreEntries(entries, "2026-05-31", false, &findings, &notices);
  CHECK(findings[0].suppression);
  CHECK(notices.empty());
}

TEST_CASE("suppress: today can be pinned for tests", "[suppress]") {
  setenv("NTPSWEEP_TODAY", "2030-02-28", 1);
  CHECK(triage::Today() == "2030-02-28");
  setenv("NTPSWEEP_TODAY", "2030-02-29", 1);
  CHECK_THROWS_AS(triage::Today(), triage::SuppressionError);
  unsetenv("NTPSWEEP_TODAY");
  CHECK(triage::IsValidDate(triage::Today()));
  CHECK(triage::IsValidDate("2028-02-29"));
  CHECK_FALSE(triage::IsValidDate("2100-02-29"));
}
