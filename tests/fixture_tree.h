// The fixture trees of tests/*_fixtures_test.cpp: each is scanned for the same three targets,
// and its findings and inventory sources are named by their path below the tree.
#pragma once

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <tuple>

#include "host/target.h"
#include "rules/rule.h"
#include "scan/inventory.h"
#include "scan/scan.h"

namespace ntpsweep::fixture_tree {

// One finding as the exact-row tables write it.
struct Row {
  std::string file;
  int line;
  std::string rule;
  std::string activity;
  std::string level;
  auto Key() const { return std::tie(file, line, rule, activity, level); }
  bool operator<(const Row& o) const { return Key() < o.Key(); }
};

inline std::string RelativeTo(const std::string& root, const Location& loc) {
  std::string p = loc.Render();
  return p.starts_with(root + "/") ? p.substr(root.size() + 1) : p;
}

inline scan::ScanResult Scan(const std::string& root) {
  rules::RuleSet rules;
  rules.LoadBuiltin();
  host::TargetSet targets;
  std::string error;
  for (const char* h : {"10.20.30.40", "ntp-old.corp.example.com", "2001:db8::123"})
    REQUIRE(targets.Add(h, &error));
  scan::ScanOptions options;
  options.operands = {root};
  options.jobs = 2;
  return scan::RunScan(options, rules, targets);
}

// (file below the tree, line, host) of every source `ntpsweep inventory` lists.
inline std::set<std::tuple<std::string, int, std::string>> InventorySources(
    const std::string& root) {
  rules::RuleSet rules;
  rules.LoadBuiltin();
  scan::ScanOptions options;
  options.operands = {root};
  scan::InventoryResult inv = scan::RunInventory(options, rules);
  std::set<std::tuple<std::string, int, std::string>> got;
  for (const scan::Source& s : inv.sources)
    got.insert({RelativeTo(root, s.location), static_cast<int>(s.span.line), s.host});
  return got;
}

}  // namespace ntpsweep::fixture_tree
