// Runs the built ntpsweep binary the way a user or CI does: argv, working directory and
// environment in; stdout, stderr and exit status out. Shared by the end-to-end test files.
#pragma once

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ntpsweep::testing {

inline const std::string kSourceDir = NTPSWEEP_SOURCE_DIR;
inline const std::string kBinary = NTPSWEEP_BINARY;

// A child that runs longer than this is killed by SIGALRM (the alarm survives execve). It is a
// guard against a hang (a FIFO opened for reading), not a timing assertion: a scan of the
// fixtures takes milliseconds, but a sanitizer build on a busy machine is a hundred times slower.
constexpr unsigned kHangGuardSeconds = 900;

struct RunResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  int signal = 0;      // the signal that ended it, if any
  std::string out;
  std::string err;
  bool privilege_drop_failed = false;  // RunOptions::run_as_uid could not be applied
};

struct RunOptions {
  std::string cwd;                                      // empty: the test's working directory
  std::map<std::string, std::optional<std::string>> env;  // set (value) or unset (nullopt)
  bool stdout_is_tty = false;                           // stdout is a pseudo-terminal
  int run_as_uid = -1;  // >= 0: the child drops to this uid/gid (needs root) before exec
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteWholeFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ntpsweep-test-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    // Make everything removable again (tests chmod files to 000).
    for (auto it = std::filesystem::recursive_directory_iterator(
             path_, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_symlink()) std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                                           std::filesystem::perm_options::add, ec);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Runs the program `command[0]` (a path) with arguments `command[1..]`.
inline RunResult RunCommand(const std::vector<std::string>& command, const RunOptions& options = {}) {
  TempDir io;
  const std::string out_path = io / "stdout", err_path = io / "stderr";
  std::vector<std::string> argv_store = command;
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  int master = -1, slave = -1;
  if (options.stdout_is_tty && openpty(&master, &slave, nullptr, nullptr, nullptr) != 0)
    throw std::runtime_error("openpty failed: " + std::string(std::strerror(errno)));

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    for (const auto& [k, v] : options.env) {
      if (v) setenv(k.c_str(), v->c_str(), 1);
      else unsetenv(k.c_str());
    }
    int in = open("/dev/null", O_RDONLY);
    int out = options.stdout_is_tty ? slave : open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (master >= 0) close(master);
    if (options.run_as_uid >= 0) {
      auto id = static_cast<uid_t>(options.run_as_uid);
      if (setgroups(0, nullptr) != 0 || setgid(id) != 0 || setuid(id) != 0) _exit(125);
    }
    alarm(kHangGuardSeconds);
    execv(argv[0], argv.data());
    _exit(127);
  }
  RunResult r;
  if (options.stdout_is_tty) {
    close(slave);
    char buf[4096];
    for (;;) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) {
        r.out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // EIO once the child closed the terminal
    }
    close(master);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (!options.stdout_is_tty) r.out = ReadWholeFile(out_path);
  r.err = ReadWholeFile(err_path);
  if (r.exit_code == 125 && options.run_as_uid >= 0) r.privilege_drop_failed = true;
  if (r.exit_code == 126 || r.exit_code == 127) throw std::runtime_error("could not start " + command[0]);
  return r;
}

// Runs NTPSWEEP_BINARY with `args` (argv[1..]).
inline RunResult RunNtpsweep(const std::vector<std::string>& args, const RunOptions& options = {}) {
  std::vector<std::string> command{kBinary};
  command.insert(command.end(), args.begin(), args.end());
  return RunCommand(command, options);
}

// Copies the directory tree `from` into `to` (created), preserving symlinks as links.
inline void CopyTree(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy(from, to,
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::copy_symlinks);
}

}  // namespace ntpsweep::testing
