// Linkage: the variable names a definition stands for, and related locations across files.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "run_binary.h"
#include "scan/linkage.h"

#include <nlohmann/json.hpp>

using ntpsweep::scan::Linker;

TEST_CASE("linkage: names a key path defines", "[linkage]") {
  using V = std::vector<std::string>;
  CHECK(Linker::DefinedNames("ntp_servers[]") == V{"ntp_servers"});
  CHECK(Linker::DefinedNames("variable.ntp_server.default") == V{"ntp_server", "variable", "variable:ntp_server",
                                                                  "variable:ntp_server:default"});
  CHECK(Linker::DefinedNames("ntp.servers[]") == V{"ntp", "ntp:servers"});
  CHECK(Linker::DefinedNames("ntp::servers[]") == V{"ntp::servers"});
  CHECK(Linker::DefinedNames("spec.containers[].env[NTP_SERVERS].value") ==
        V{"NTP_SERVERS", "spec", "spec:containers"});
  CHECK(Linker::DefinedNames("NTP_IP") == V{"NTP_IP"});
}

TEST_CASE("linkage: SARIF relatedLocations, linked from the message", "[linkage]") {
  ntpsweep::testing::RunOptions o;
  o.cwd = ntpsweep::testing::kSourceDir;
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--format", "sarif", "--host", "10.20.30.40", "--host", "ntp-old.corp.example.com",
       "fixtures/syntaxes/shell", "fixtures/syntaxes/docker"}, o);
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
