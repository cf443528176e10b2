// Correlation: which watched clients the static analysis explains. A hosts map says which host,
// repository and image an address is; a scan or inventory JSON report says where the old server
// is configured. A client is explained when a finding lies in one of its repositories or images.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "watch/endpoint.h"

namespace ntpsweep::watch {

// One host after every map was read and rows were joined by name.
struct MappedHost {
  std::vector<std::string> names;  // as first written; the first is the one shown
  std::vector<std::string> repositories;
  std::vector<std::string> images;
  std::vector<std::string> where;  // "map.csv:4": the rows that said so
};

class HostsMap {
 public:
  // Reads one map (CSV with a header, or /etc/hosts format: detected from its first line).
  // Bad lines become notices naming FILE:LINE. False, with `error`, when the file cannot be read
  // or is neither format.
  bool Load(const std::string& path, std::vector<std::string>* notices, std::string* error);
  bool Parse(std::string_view text, std::string_view path, std::vector<std::string>* notices,
             std::string* error);
  // The host an address is (IPv4-mapped IPv6 as IPv4), or null.
  const MappedHost* Find(const Endpoint& address) const;
  size_t addresses() const { return by_address_.size(); }

 private:
  struct Row {
    std::string address;  // normalised text, or "" for a row that names only a host
    std::vector<std::string> names;
    std::string repository, image, where;
  };
  void Add(Row row);
  void Join() const;

  std::vector<Row> rows_;
  mutable bool joined_ = false;
  mutable std::map<std::array<uint8_t, 17>, MappedHost> by_address_;
};

// A finding that configures something to use the old server (active or template).
struct StaticFinding {
  std::string report;    // the report file it came from
  std::string location;  // rendered location chain ("repos/a/etc/chrony.conf")
  std::string root;      // the outermost path, with the report's label in front when it has one
  int line = 0;
  int column = 0;
  std::string rule;
  std::string activity;
  std::string target;  // the old server's name or address as the report names it
};

struct StaticReport {
  std::vector<StaticFinding> findings;
  std::vector<std::string> described;  // "scan report r.json (4 of 9 findings configure a client)"
};

// Reads a `scan --format json` or `inventory --format json` report. `label` (may be empty) is
// the repository or image the whole report covers, put in front of every location's root.
// `old_hosts` picks an inventory report's servers (addresses, CIDRs, names); a scan report's
// findings already name the old server. False with `error` when the report cannot be read, is
// not JSON (FILE:LINE:COLUMN) or is neither kind; bad findings become notices.
bool LoadStaticReport(const std::string& path, const std::string& label,
                      const std::vector<std::string>& old_hosts, StaticReport* report,
                      std::vector<std::string>* notices, std::string* error);
bool ParseStaticReport(std::string_view text, std::string_view path, const std::string& label,
                       const std::vector<std::string>& old_hosts, StaticReport* report,
                       std::vector<std::string>* notices, std::string* error);

struct Explanation {
  const StaticFinding* finding = nullptr;
  std::string via;  // "repository repos/app-a", "image images/web.tar"
};

struct Correlation {
  std::string host;  // the map's name for the client ("" when not in the map)
  bool in_map = false;
  bool explained = false;
  std::vector<Explanation> explanations;
  std::string reason;  // why it is unexplained
};

Correlation Correlate(const Endpoint& client, const HostsMap& map, const StaticReport& report);

// True when `path` is `within` or lies below it (whole path components; "./" and trailing "/"
// ignored).
bool PathWithin(std::string_view path, std::string_view within);

// True when an inventory server (address or name) is one of `old_hosts` (address, CIDR, name;
// names compared without case and without a trailing dot).
bool ServerIsOld(std::string_view server, const std::vector<std::string>& old_hosts);

}  // namespace ntpsweep::watch
