// GlobMatch: the path globs of rule `files.paths` and of --exclude; KeyPathMatch: rule key paths.
#include "core/glob.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

struct Case {
  const char* pattern;
  const char* path;
  bool match;
};

// One row per behaviour; the comment says which.
const Case kCases[] = {
    // `**/` spans zero or more whole directories.
    {"**/ntp.conf", "ntp.conf", true},
    {"**/ntp.conf", "etc/ntp.conf", true},
    {"**/ntp.conf", "srv/root/etc/ntp.conf", true},
    {"**/ntp.conf", "etc/xntp.conf", false},          // not a segment boundary
    {"**/ntp.conf", "etc/ntp.conf.bak", false},       // the whole name must match
    {"**/ntp.conf", "etc/ntp.conf/extra", false},
    {"**/ntp.conf", "etc/NTP.conf", false},           // case-sensitive
    // `*` stays inside one segment.
    {"**/ntp.d/*.conf", "etc/ntpsec/ntp.d/10-corp.conf", true},
    {"**/ntp.d/*.conf", "ntp.d/a.conf", true},
    {"**/ntp.d/*.conf", "etc/ntp.d/sub/a.conf", false},
    {"**/ntp.d/*.conf", "etc/ntp.d/a.conf.bak", false},
    {"**/ntp.d/*.conf", "etc/xntp.d/a.conf", false},
    {"**/chrony/sources.d/*.sources", "etc/chrony/sources.d/corp.sources", true},
    {"**/chrony/sources.d/*.sources", "etc/chrony/sources.d/corp.conf", false},
    {"**/*.network.d/*.conf", "etc/systemd/network/10-eth0.network.d/ntp.conf", true},
    {"etc/*.conf", "etc/ntp.conf", true},
    {"etc/*.conf", "etc/ntpsec/ntp.conf", false},     // '*' never crosses '/'
    {"etc/*.conf", "x/etc/ntp.conf", false},          // a pattern with '/' is anchored
    {"docs/**", "docs/runbook.md", true},
    {"docs/**", "docs/a/b/c.md", true},
    {"docs/**", "src/docs/a.md", false},
    {"**/default/ntpdate", "etc/default/ntpdate", true},
    {"**/default/ntpdate", "etc/default/ntpdate~", false},
    // A pattern without '/' matches the last segment, at any depth.
    {"*.network", "etc/systemd/network/10-eth0.network", true},
    {"*.network", "10-eth0.network", true},
    {"*.network", "etc/systemd/network/10-eth0.network.d/ntp.conf", false},
    {"*.network", "etc/a.network/file", false},
    {"step-tickers", "etc/ntp/step-tickers", true},
    {"step-tickers", "etc/ntp/step-tickers.rpmsave", false},
    {"*.md", "docs/runbook.md", true},
    {"*", "etc/ntp.conf", true},
    {"**", "etc/ntp.conf", true},
    // `?` is one character, never '/'.
    {"ntp?.conf", "etc/ntp1.conf", true},
    {"ntp?.conf", "etc/ntp.conf", false},
    {"ntp?.conf", "etc/ntp12.conf", false},
    {"etc/a?b", "etc/a/b", false},
    {"etc/a?b", "etc/axb", true},
    // Bracket classes, ranges and negation.
    {"[abc].txt", "b.txt", true},
    {"[abc].txt", "d.txt", false},
    {"ntp[0-9].conf", "ntp7.conf", true},
    {"ntp[0-9].conf", "ntpa.conf", false},
    {"ntp[!0-9].conf", "ntpa.conf", true},
    {"ntp[!0-9].conf", "ntp7.conf", false},
    {"ntp[^0-9].conf", "ntpa.conf", true},
    {"**/[0-9][0-9]-*.conf", "etc/ntpsec/ntp.d/10-corp.conf", true},
    {"**/[0-9][0-9]-*.conf", "etc/ntpsec/ntp.d/x0-corp.conf", false},
    {"a[b", "a[b", true},                                // a lone '[' is literal
    {"a[b", "ab", false},
    // Leading "./" on the path and leading '/' on either side are ignored.
    {"**/ntp.conf", "./etc/ntp.conf", true},
    {"etc/ntp.conf", "./etc/ntp.conf", true},
    {"etc/ntp.conf", "././etc/ntp.conf", true},
    {"/etc/ntp.conf", "etc/ntp.conf", true},
    {"etc/ntp.conf", "/etc/ntp.conf", true},
    {"/etc/*.conf", "/etc/ntp.conf", true},
    {"ntp.conf", "./ntp.conf", true},
    {"ntp.conf", "/etc/ntp.conf", true},
    // Literal characters.
    {"etc/ntp.conf", "etc/ntp.conf", true},
    {"etc/ntp.conf", "etc/ntpXconf", false},          // '.' is not a wildcard
    {"etc/ntp.conf", "etc/ntp.con", false},
    {"etc/ntp.conf", "etc/ntp.conf.d", false},  // a literal pattern is the whole path
    // A literal head (before the first '*', '?', '[' or '\\') and what follows it.
    {"srv/root/etc/chrony/conf.d/*.conf", "srv/root/etc/chrony/conf.d/corp.conf", true},
    {"srv/root/etc/chrony/conf.d/*.conf", "srv/root/usr/share/doc/corp.conf", false},
    {"srv/root/etc/chrony/conf.d/*.conf", "srv/root/etc/chrony/conf.d", false},
    {"srv/root/etc/chrony/conf.d/*.conf", "srv/root/etc/chrony/conf.d/", false},
    {"srv/root/etc/chrony/conf.d/*.conf", "srv/root/etc/chrony/conf.d/.conf", true},
    {"srv/root/etc/chrony/conf.d/*.conf", "srv/root/etc/chrony/conf.d/a/b.conf", false},
    {"srv/root/etc/ntp.d/**", "srv/root/etc/ntp.d/a/b.conf", true},
    {"srv/root/etc/ntp.d/**", "srv/root/etc/ntp.dd/a", false},
    {"etc/ntp\\*.conf", "etc/ntp*.conf", true},  // an escape ends the head, stays literal
    {"etc/ntp\\*.conf", "etc/ntpx.conf", false},
    {"etc/[n]tp.conf", "etc/ntp.conf", true},
    {"etc/[n]tp.conf", "etc/Ntp.conf", false},
    {"ntp.conf", "etc/ntp.conf.d/x", false},
};

}  // namespace

TEST_CASE("GlobMatch: table of patterns and paths", "[glob]") {
  for (const Case& c : kCases) {
    INFO("pattern \"" << c.pattern << "\" path \"" << c.path << "\"");
    CHECK(ntpsweep::GlobMatch(c.pattern, c.path) == c.match);
  }
}

TEST_CASE("PathGlob: one pattern against many paths matches as GlobMatch", "[glob]") {
  for (const Case& c : kCases) {
    INFO("pattern \"" << c.pattern << "\" path \"" << c.path << "\"");
    const ntpsweep::PathGlob glob(c.pattern);
    CHECK(glob.Matches(c.path) == c.match);
    // Reused: nothing of one path stays for the next.
    CHECK(glob.Matches(c.path) == c.match);
  }
  // An include's glob, absolute under the scanned root, against the files read.
  const ntpsweep::PathGlob confdir("/srv/root/etc/chrony/conf.d/*.conf");
  CHECK(confdir.Matches("/srv/root/etc/chrony/conf.d/10-corp.conf"));
  CHECK(confdir.Matches("srv/root/etc/chrony/conf.d/10-corp.conf"));
  CHECK_FALSE(confdir.Matches("/srv/root/etc/chrony/conf.d/10-corp.conf.bak"));
  CHECK_FALSE(confdir.Matches("/srv/root/etc/chrony/chrony.conf"));
  CHECK_FALSE(confdir.Matches("/srv/root/usr/share/doc/chrony/conf.d/a.conf"));
  CHECK_FALSE(confdir.Matches("/srv/root/etc/chrony/conf.d"));
  CHECK_FALSE(confdir.Matches(""));
}

// Every pattern of the table and the shapes PathGlobSet looks up (named paths, a directory's
// "/**", a bare name, leading "/" and "./", near misses and glob characters in either) against
// every path: the same answers as GlobMatch, each match once.
TEST_CASE("PathGlobSet: many patterns against many paths match as GlobMatch", "[glob]") {
  std::vector<std::string> patterns = {"etc/ntp.conf",
                                       "/etc/ntp.conf",
                                       "./etc/ntp.conf",
                                       "ntp.conf",
                                       "etc",
                                       "etc/**",
                                       "/etc/**",
                                       "etc/chrony/**",
                                       "etc/chrony*/**",
                                       "**",
                                       "/**",
                                       "e[t]c/ntp.conf",
                                       "etc/ntp.con?",
                                       "etc\\/ntp.conf",
                                       "",
                                       "/",
                                       "etc/ntp.conf/",
                                       "etc//ntp.conf",
                                       "repo/etc/ntp.conf",
                                       "conf.d/**"};
  std::vector<std::string> paths = {"etc/ntp.conf",
                                    "/etc/ntp.conf",
                                    "./etc/ntp.conf",
                                    "././etc/ntp.conf",
                                    "etc/ntp.conf.bak",
                                    "etcx/ntp.conf",
                                    "etc",
                                    "etc/chrony/a.conf",
                                    "etc/chrony/x/y.conf",
                                    "etc/chronyd/a",
                                    "ntp.conf",
                                    "repo/etc/ntp.conf",
                                    "a/conf.d/b",
                                    "conf.d/b",
                                    "",
                                    "/"};
  for (const Case& c : kCases) {
    patterns.push_back(c.pattern);
    paths.push_back(c.path);
  }
  const ntpsweep::PathGlobSet set(patterns);
  for (const std::string& path : paths) {
    std::vector<int> seen(patterns.size(), 0);
    set.ForEachMatch(path, [&](size_t k) { ++seen[k]; });
    for (size_t k = 0; k < patterns.size(); ++k) {
      INFO("pattern \"" << patterns[k] << "\" path \"" << path << "\"");
      CHECK(seen[k] == (ntpsweep::GlobMatch(patterns[k], path) ? 1 : 0));
    }
  }
}

TEST_CASE("GlobMatch: the built-in rule globs select the files they are meant for", "[glob]") {
  // Backup suffixes are stripped before rules see a path, so the globs name only live files.
  CHECK(ntpsweep::GlobMatch("**/chrony.conf", "usr/share/chrony/chrony.conf"));
  CHECK(ntpsweep::GlobMatch("**/chrony.conf", "etc/chrony.conf"));
  CHECK_FALSE(ntpsweep::GlobMatch("**/chrony.conf", "etc/nginx/nginx.conf"));
  CHECK(ntpsweep::GlobMatch("**/timesyncd.conf.d/*.conf", "etc/systemd/timesyncd.conf.d/50-corp.conf"));
  CHECK_FALSE(ntpsweep::GlobMatch("**/timesyncd.conf.d/*.conf", "etc/systemd/timesyncd.conf"));
  CHECK(ntpsweep::GlobMatch("**/sysconfig/ntpd", "etc/sysconfig/ntpd"));
  CHECK_FALSE(ntpsweep::GlobMatch("**/sysconfig/ntpd", "etc/sysconfig/ntpdate"));
  CHECK(ntpsweep::GlobMatch("**/openntpd/ntpd.conf", "etc/openntpd/ntpd.conf"));
  CHECK_FALSE(ntpsweep::GlobMatch("**/etc/ntpd.conf", "etc/openntpd/ntpd.conf"));
  CHECK(ntpsweep::GlobMatch("**/etc/ntpd.conf", "etc/ntpd.conf"));
}

namespace {

// KeyPathMatch: the key paths of rule `key_paths` against fact names ("ntp.servers[]").
const Case kKeyPathCases[] = {
    // Literal names, case-insensitive; '.' is a separator, not a wildcard.
    {"ntp.servers", "ntp.servers", true},
    {"ntp.servers", "NTP.Servers", true},
    {"ntp.servers", "ntpXservers", false},
    {"ntp.servers", "ntp.servers[]", false},
    {"ntp.servers[]", "ntp.servers[]", true},
    // '*' stays inside one name: never across '.', nor into "[]" or a key marker "{}".
    {"*NTP*SERVER*", "CHRONY_NTP_SERVERS", true},
    {"*NTP*SERVER*", "ntp.servers", false},
    {"**.*ntp*server*", "ntp_servers[]", false},
    {"**.*ntp*server*[]", "ntp_servers[]", true},
    {"*ntp*::*server*{}", "ntp::servers{}", true},
    {"*ntp*::*server*", "ntp::servers{}", false},
    {"variables.*ntp*", "variables.ntp_server", true},
    {"variables.*ntp*", "variables.ntp.server", false},
    // '**.' spans zero or more whole names; a bare '**' matches anything.
    {"**.*ntp*server*", "ntp_servers", true},
    {"**.*ntp*server*", "all.vars.ntp_servers", true},
    {"**.ntp-client.**.address", "profile.ntp-client.ntp_servers.ntp_server.address", true},
    {"**.ntp-client.**.address", "profile.xntp-client.servers.address", false},
    {"ntp.**", "ntp.servers[].host", true},
    {"**.ntp", "ntp", true},
    {"a.**.b", "a.b", true},
    {"**", "", true},
    // Literal runs must occur in order and apart (the match's quick rejection).
    {"*server*ntp*", "ntp_server", false},
    {"*ab*ab*", "xab", false},
    {"*ab*ab*", "ABAB", true},
    // '?' is one character, never '.'.
    {"ntp.server?", "ntp.servers", true},
    {"ntp?servers", "ntp.servers", false},
    // '[' is literal: "option-data[ntp-servers]" names a list entry, not a class.
    {"**.option-data[ntp-servers].data", "Dhcp4.option-data[ntp-servers].data", true},
    {"**.option-data[42].data", "Dhcp4.option-data[4].data", false},
};

}  // namespace

TEST_CASE("KeyPathMatch: table of patterns and key paths", "[glob]") {
  for (const Case& c : kKeyPathCases) {
    INFO("pattern \"" << c.pattern << "\" key path \"" << c.path << "\"");
    CHECK(ntpsweep::KeyPathMatch(c.pattern, c.path) == c.match);
  }
}

TEST_CASE("GlobMatch: many stars against a long name try each split once", "[glob][hostile]") {
  // A .gitignore in a scanned repository is hostile input: `*a*a...*a*b` against a name of a's
  // tried every split of every split (a hang); `**/**/...` against a deep path the same.
  std::string stars;
  for (int i = 0; i < 30; ++i) stars += "*a";
  const std::string as(200, 'a');
  CHECK_FALSE(ntpsweep::GlobMatch(stars + "*b", as));
  CHECK(ntpsweep::GlobMatch(stars + "*b", as + "b"));
  CHECK_FALSE(ntpsweep::GlobMatch(stars + "*b", as + "b/c"));  // '*' stops at '/'
  std::string globstars, deep;
  for (int i = 0; i < 30; ++i) globstars += "**/", deep += "d/";
  CHECK_FALSE(ntpsweep::GlobMatch(globstars + "z", deep + "y"));
  CHECK(ntpsweep::GlobMatch(globstars + "z", deep + "z"));
  CHECK(ntpsweep::KeyPathMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", as + "b"));
  CHECK_FALSE(ntpsweep::KeyPathMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", as + "ab.c"));
}
