// Rules tooling: `rules list` (id, severity, tags, summary), `rules show ID`, `rules validate
// DIR` (schema, collisions, what GitHub needs of a rule) and `rules test [DIR]`.
#include <catch2/catch.hpp>

#include "ci_util.h"

namespace {

using namespace ntpsweep::testing;

const char* kGoodRule = R"(rules:
  - id: site-ntp-wrapper
    name: SiteNtpWrapper
    short: the site wrapper points at the old server
    full: >-
      Our ntp-wrapper script takes the server as its first argument.
    help: |
      **What to do:** pass the new server.
    message: "ntp-wrapper uses {host}"
    severity: error
    tags: [ntp, site]
    security-severity: "4.0"
    match:
      regex: 'ntp-wrapper\s+(?P<host>\S+)'
    examples:
      - path: bin/sync
        text: |
          ntp-wrapper 10.0.0.1
        match: [1]
)";

}  // namespace

TEST_CASE("ci rules: list shows id, severity, tags and summary", "[ci][rules]") {
  RunResult r = RunNtpsweep({"rules", "list"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\ntext-mention\twarning\tntp,mention,decommission\ta text file mentions the old server\n") !=
        std::string::npos);
}

TEST_CASE("ci rules: show prints the full help of one rule", "[ci][rules]") {
  RunResult r = RunNtpsweep({"rules", "show", "text-mention"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("text-mention (TextMention)\n  severity:          warning\n", 0) == 0);
  CHECK(r.out.find("  tags:              ntp, mention, decommission\n") != std::string::npos);
  CHECK(r.out.find("**What to do:** read the line.") != std::string::npos);
  r = RunNtpsweep({"rules", "show", "no-such-rule"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no rule 'no-such-rule'") != std::string::npos);
}

TEST_CASE("ci rules: validate and test a rule directory", "[ci][rules]") {
  TempDir tmp;
  WriteWholeFile(tmp / "good/site.yaml", kGoodRule);
  RunResult r = RunNtpsweep({"rules", "validate", tmp / "good"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "rules validate: 1 rule valid\n");
  r = RunNtpsweep({"rules", "test", "--no-builtin-rules", tmp / "good"});
  CHECK(r.exit_code == 0);
  r = RunNtpsweep({"rules", "show", "--rules", tmp / "good", "site-ntp-wrapper"});
  CHECK(r.exit_code == 0);

  // What GitHub rejects or hides: a non-numeric security-severity, too many tags.
  std::string bad = kGoodRule;
  bad.replace(bad.find("\"4.0\""), 5, "high");
  bad.replace(bad.find("[ntp, site]"), 11, "[a, b, c, d, e, f, g, h, i, j, k]");
  WriteWholeFile(tmp / "bad/site.yaml", bad);
  r = RunNtpsweep({"rules", "validate", tmp / "bad"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(tmp / "bad/site.yaml:11:11: at most 10 tags") != std::string::npos);
  bad = kGoodRule;
  bad.replace(bad.find("\"4.0\""), 5, "high");
  WriteWholeFile(tmp / "bad/site.yaml", bad);
  r = RunNtpsweep({"rules", "validate", tmp / "bad"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(tmp / "bad/site.yaml:12:24: 'security-severity' must be a number") != std::string::npos);
  // An id that collides with the built-in pack.
  std::string dup = kGoodRule;
  dup.replace(dup.find("site-ntp-wrapper"), 16, "text-mention");
  WriteWholeFile(tmp / "dup/site.yaml", dup);
  r = RunNtpsweep({"rules", "validate", tmp / "dup"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("duplicate rule id 'text-mention'") != std::string::npos);
  r = RunNtpsweep({"rules", "validate", tmp / "empty-dir-that-does-not-exist"});
  CHECK(r.exit_code == 2);
}
