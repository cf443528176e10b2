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

AtomicFile::~AtomicFile() {
  if (!temp_path_.empty()) unlink(temp_path_.c_str());
}

bool AtomicFile::Open(const std::string& path, std::string* error) {
  path_ = path;
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    fd_.emplace(open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  } else {
    std::filesystem::path target(path);
    std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
    std::string tmpl = dir + "/." + target.filename().string() + ".ntpsweep-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    fd_.emplace(mkstemp(name.data()));
    if (fd_->get() >= 0) {
      temp_path_ = name.data();
      // mkstemp makes 0600; a report is as readable as any file the user creates (umask applies).
      mode_t mask = umask(0);
      umask(mask);
      fchmod(fd_->get(), 0666 & ~mask);
    }
  }
  if (fd_->get() < 0) {
    *error = std::strerror(errno);
    return false;
  }
  buffer_.Attach(fd_->get());
  return true;
}

bool AtomicFile::Commit(std::string* error) {
  stream_.flush();
  if (int e = buffer_.failed_errno(); e != 0 || !stream_) {
    *error = std::strerror(e != 0 ? e : EIO);
    return false;
  }
  if (temp_path_.empty()) return true;  // written through
  if (fsync(fd_->get()) != 0 || rename(temp_path_.c_str(), path_.c_str()) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  temp_path_.clear();
  return true;
}

AtomicFile::FdBuffer::int_type AtomicFile::FdBuffer::overflow(int_type c) {
  if (!Drain()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

bool AtomicFile::FdBuffer::Drain() {
  if (failed_errno_ != 0) return false;
  const char* data = pbase();
  const size_t size = static_cast<size_t>(pptr() - pbase());
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_errno_ = n < 0 ? errno : EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());
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
