// What `ntpsweep inventory` hands to its reports: every time source found, with no target
// given, and the files that install others. Plain data (see scan/inventory.h for how it is found).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/types.h"

namespace ntpsweep {

struct Source {
  std::string host;         // as written: a host, an address, or a template expression
  bool expression = false;  // rendered from a variable/expression ({{ server }}, ${ntp}, $NTP)
  std::string rule_id;
  std::string directive;    // directive or key path that carries it
  Location location;
  Span span;
  std::string line_text;
  Activity activity = Activity::kActive;
  std::string embedded_path;           // destination path of an embedded document, if any
  std::vector<std::string> variables;  // names an expression reads (loops resolved)
  std::string syntax;                  // reader that saw it ("chrony", "yaml"; "" for regex rules)
};

// Facts named "@install": a file of the scan installed or rendered somewhere (Dockerfile COPY,
// Ansible template/copy src, Packer file provisioner). Used by scan/linkage.
struct Install {
  Location location;
  Span span;
  std::string source;       // as written, relative to the installing file's directory
  std::string destination;  // where it lands ("/etc/chrony.conf")
};

struct InventoryResult {
  std::vector<Source> sources;  // sorted by key, location, line, column
  std::vector<Notice> notices;
  ScanStats stats;
  bool input_error = false;
};

}  // namespace ntpsweep
