// `ntpsweep merge`: SARIF files (or directories of *.sarif) -> one log, one run per category.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/counted.h"
#include "core/file.h"
#include "report/json_stream.h"
#include "report/merge.h"

namespace ntpsweep::cli {
namespace {

// A log already read: its file identity and a hash of its bytes.
struct LogSeen {
  std::string name;
  dev_t device = 0;
  ino_t inode = 0;
  size_t hash = 0;
};

// The name under which the same file, or a file of the same bytes, was read before; "" if none.
std::string SeenBefore(const std::string& name, const std::string& text,
                       std::vector<LogSeen>* seen) {
  struct stat st {};
  const bool have_stat = stat(name.c_str(), &st) == 0;
  const size_t hash = std::hash<std::string_view>()(text);
  for (const LogSeen& s : *seen) {
    if (have_stat && s.device == st.st_dev && s.inode == st.st_ino) return s.name;
    std::string earlier;
    if (s.hash == hash && ReadWholeFile(s.name, &earlier) && earlier == text) return s.name;
  }
  seen->push_back({name, have_stat ? st.st_dev : 0, have_stat ? st.st_ino : 0, hash});
  return "";
}

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
  std::vector<LogSeen> seen;
  for (const std::string& f : files) {
    std::string text;
    if (!ReadWholeFile(f, &text)) {
      std::cerr << "ntpsweep: merge: cannot read " << f << '\n';
      return kExitError;
    }
    // The same log twice (a file named twice, a directory and a file in it, a copy of a shard)
    // would count every result twice: it is merged once, and said so.
    if (std::string first = SeenBefore(f, text, &seen); !first.empty()) {
      std::cerr << "ntpsweep: merge: warning: " << f
                << (first == f ? " is given more than once" : " is the same log as " + first)
                << "; merged once\n";
      continue;
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
  // Serialised straight to the stream: dump() would first make the whole log one more string.
  report::JsonStream(out).Value(merged);
  out << '\n';
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
