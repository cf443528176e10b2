// `ntpsweep merge`: SARIF files (or directories of *.sarif) -> one log, one run per category.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "core/counted.h"
#include "cli/command.h"
#include "core/file.h"
#include "report/merge.h"

namespace ntpsweep::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output;
};

int RunMerge(const MergeArgs& args) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& in : args.inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (fs::directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".sarif" && it->is_regular_file(ec))
          found.push_back(it->path().string());
      std::sort(found.begin(), found.end());
      if (found.empty()) std::cerr << "ntpsweep: merge: no *.sarif file in " << in << '\n';
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);
    }
  }
  std::vector<std::pair<std::string, nlohmann::ordered_json>> logs;
  for (const std::string& f : files) {
    std::string text;
    if (!ReadWholeFile(f, &text)) {
      std::cerr << "ntpsweep: merge: cannot read " << f << '\n';
      return kExitError;
    }
    try {
      logs.emplace_back(f, nlohmann::ordered_json::parse(text));
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "ntpsweep: merge: " << f << ": not JSON: " << e.what() << '\n';
      return kExitError;
    }
  }
  if (logs.empty()) {
    std::cerr << "ntpsweep: merge: no input\n";
    return kExitError;
  }
  std::vector<std::string> warnings;
  nlohmann::ordered_json merged = report::MergeSarif(logs, &warnings);
  for (const std::string& w : warnings) std::cerr << "ntpsweep: merge: warning: " << w << '\n';
  Output output(args.output, "ntpsweep: merge");
  if (!output.ok()) return kExitError;
  std::ostream& out = output.stream();
  out << merged.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  if (!out.flush()) {
    std::cerr << "ntpsweep: merge: writing the log failed\n";
    return kExitError;
  }
  size_t results = 0;
  for (const auto& run : merged["runs"]) results += run["results"].size();
  std::cerr << "ntpsweep: merged " << Counted(logs.size(), "log", "logs") << " into "
            << Counted(merged["runs"].size(), "run", "runs") << ", "
            << Counted(results, "result", "results") << '\n';
  return kExitClean;
}

}  // namespace

std::vector<Command> RegisterMerge(CLI::App& parent) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = parent.add_subcommand(
      "merge", "Merge SARIF files into one log with one run per tool and category");
  cmd->add_option("inputs", args->inputs, "SARIF files, or directories of *.sarif files")
      ->required();
  cmd->add_option("-o,--output", args->output, "Write the merged log to FILE instead of stdout");
  return {{cmd, [args] { return RunMerge(*args); }}};
}

}  // namespace ntpsweep::cli
