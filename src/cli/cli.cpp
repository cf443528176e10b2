// The command line: a table of subcommands; each parses its options into a plain value and
// runs. No scanning logic lives here.
#include "cli/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/config.h"
#include "cli/plan.h"
#include "core/fd.h"

namespace ntpsweep::cli {
namespace {

// Adding a subcommand is adding its file and a line here.
constexpr RegisterFn kCommands[] = {RegisterScan,  RegisterRules,     RegisterInit,
                                    RegisterMerge, RegisterInventory, RegisterWatch,
                                    RegisterFix,   RegisterVersion};

}  // namespace

Output::Output(const std::string& path, std::string_view who) : to_stdout_(path.empty()) {
  if (to_stdout_) return;
  file_.open(path, std::ios::binary | std::ios::trunc);
  ok_ = static_cast<bool>(file_);
  if (!ok_) std::cerr << who << ": cannot write " << path << '\n';
}

std::ostream& Output::stream() {
  return to_stdout_ ? std::cout : file_;
}

namespace {

bool WriteAll(int fd, std::string_view data, std::string* error) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = std::strerror(errno);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool WriteFileAtomically(const std::string& path, std::string_view data, std::string* error) {
  // Only a regular file (or a new one) is replaced by a rename: renaming over /dev/null, a FIFO
  // or a symbolic link would replace the device or the link itself. Those are written through.
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    Fd out(open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (out.get() < 0) {
      *error = std::strerror(errno);
      return false;
    }
    return WriteAll(out.get(), data, error);
  }
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string tmpl = dir + "/." + target.filename().string() + ".ntpsweep-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  Fd fd(mkstemp(name.data()));
  if (fd.get() < 0) {
    *error = std::strerror(errno);
    return false;
  }
  // mkstemp makes 0600; a report is as readable as any file the user creates (umask applies).
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd.get(), 0666 & ~mask);
  if (!WriteAll(fd.get(), data, error)) {
    unlink(name.data());
    return false;
  }
  if (fsync(fd.get()) != 0 || rename(name.data(), path.c_str()) != 0) {
    *error = std::strerror(errno);
    unlink(name.data());
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "ntpsweep: find every reference to a retired NTP server in repositories, build "
      "scripts, configs and images"};
  bool version = false;  // handled before parsing (a subcommand is required otherwise)
  app.add_flag("-V,--version", version,
               "Print the versions of ntpsweep, its rule pack and libraries");
  app.require_subcommand(1);
  std::vector<Command> commands;
  for (RegisterFn reg : kCommands)
    for (Command& c : reg(app)) commands.push_back(std::move(c));
  if (argc >= 2 && (std::string_view(argv[1]) == "-V" || std::string_view(argv[1]) == "--version"))
    return PrintVersion(std::cout, false);
  // A mistyped command: name the nearest one rather than CLI11's "arguments were not expected".
  if (argc >= 2 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::string near = NearestName(argv[1], names);
      std::cerr << "ntpsweep: '" << argv[1] << "' is not a command"
                << (near.empty() ? std::string() : "; did you mean '" + near + "'?")
                << " (ntpsweep --help lists them)\n";
      return kExitError;
    }
  }
  // "--baseline=" would take the next word as its value (CLI11): an empty value is an error.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("--") && arg.size() > 3 && arg.find('=') == arg.size() - 1) {
      std::cerr << "ntpsweep: " << arg << " has an empty value: write " << arg
                << "VALUE, or leave the option out\n";
      return kExitError;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitClean : kExitError;
  }
  try {
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const rules::RuleError& e) {
    std::cerr << "ntpsweep: " << e.what() << '\n';
    return kExitError;
  } catch (const ConfigError& e) {
    std::cerr << "ntpsweep: " << e.what() << '\n';
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "ntpsweep: " << e.what() << '\n';
    return kExitError;
  }
  return kExitError;
}

}  // namespace ntpsweep::cli
