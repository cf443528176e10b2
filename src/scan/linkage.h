// Linkage: a cross-file pass after every entry was analysed. A finding in a variable (an Ansible
// var, a Hiera key, a pillar, an HCL variable default, a shell variable) gets the places that
// render that variable into a time-daemon config as related locations: the template line
// `server {{ item }}` looping over ntp_servers, the sed that writes "server $NTP_IP". A finding
// in a file that a Dockerfile COPY, an Ansible template/copy task or a Packer file provisioner
// installs gets the installing line. Deterministic: candidates are ranked by path proximity,
// then path and line.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "rules/rule.h"
#include "scan/inventory.h"

namespace ntpsweep::scan {

class Linker {
 public:
  explicit Linker(const rules::RuleSet& rules) : rules_(rules), collector_(rules) {}

  // Literals an entry must hold to be worth observing (the gate reports them in its pass).
  static const std::vector<std::string>& Hints();
  // Records the consumers and installers of one entry that holds a hint. Thread-safe.
  void Observe(const Location& location, std::string_view path, std::string_view text);
  // Literals an entry must hold to relate to one of `findings`: the variables they define, the
  // names of their files (what an installer's source ends with).
  std::vector<std::string> Needles(const std::vector<Finding>& findings) const;
  // Adds RelatedLocation entries to the findings that define a consumed variable or sit in an
  // installed file.
  void Link(std::vector<Finding>* findings) const;

  // The variable names a definition's key path stands for: "ntp_servers[]" -> ntp_servers;
  // "variable.ntp_server.default" -> ntp_server; "ntp.servers[]" -> ntp, ntp:servers;
  // "services.ntp.environment.NTP_SERVERS" -> NTP_SERVERS.
  static std::vector<std::string> DefinedNames(std::string_view key_path);

  static constexpr size_t kMaxRelated = 3;

 private:
  struct Consumer {
    Location location;
    Span span;
    std::string rule_id;
    std::string directive;
    std::string host;
    std::string embedded_path;
    std::vector<std::string> variables;
  };
  const rules::RuleSet& rules_;
  SourceCollector collector_;
  mutable std::mutex mu_;
  std::vector<Consumer> consumers_;
  std::vector<Install> installs_;
};

}  // namespace ntpsweep::scan
