// `ntpsweep merge`: several SARIF logs (shards, repositories, images, other tools) into one log
// that GitHub code scanning accepts: one run per (tool, category), since GitHub rejects a
// delivery with two runs of the same category.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ntpsweep::report {

class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The category of a run as GitHub reads it: automationDetails.id up to its last '/' (the
// whole id when it has none; "" without an id).
std::string RunCategory(const nlohmann::ordered_json& run);

// Merges logs (name, parsed log) in order. Runs with the same tool.driver.name and category
// become one run: rules de-duplicated by id (first definition wins) and results re-pointed at
// them (ruleIndex), artifacts de-duplicated by location and parent and every artifactLocation
// index re-numbered, results concatenated and sorted by location, invocations concatenated,
// originalUriBaseIds and versionControlProvenance united. If any merged result carries
// `suppressions`, the others get an empty list (SARIF 3.27.23); a baselineState present on
// only some results is dropped. Problems that do not stop the merge go to `warnings`.
// Throws MergeError for input that is not a SARIF 2.1.0 log.
nlohmann::ordered_json MergeSarif(
    const std::vector<std::pair<std::string, nlohmann::ordered_json>>& logs,
    std::vector<std::string>* warnings);

}  // namespace ntpsweep::report
