#include "core/program.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/strings.h"

namespace ntpsweep {

std::vector<std::string> GitArgv(const std::string& dir, std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {
      "git", "-c", "core.fsmonitor=false", "-c", "core.quotePath=false", "-C", dir};
  argv.insert(argv.end(), args);
  return argv;
}

std::optional<std::string> RunGitIn(const std::string& dir, std::initializer_list<std::string> args,
                                    std::string* err) {
  // git rev-parse --local-env-vars (git 2.39): what git itself clears on entering a submodule.
  static constexpr std::string_view kRepositoryEnv[] = {"GIT_ALTERNATE_OBJECT_DIRECTORIES",
                                                        "GIT_CONFIG",
                                                        "GIT_CONFIG_PARAMETERS",
                                                        "GIT_CONFIG_COUNT",
                                                        "GIT_OBJECT_DIRECTORY",
                                                        "GIT_DIR",
                                                        "GIT_WORK_TREE",
                                                        "GIT_IMPLICIT_WORK_TREE",
                                                        "GIT_GRAFT_FILE",
                                                        "GIT_INDEX_FILE",
                                                        "GIT_NO_REPLACE_OBJECTS",
                                                        "GIT_REPLACE_REF_BASE",
                                                        "GIT_PREFIX",
                                                        "GIT_INTERNAL_SUPER_PREFIX",
                                                        "GIT_SHALLOW_FILE",
                                                        "GIT_COMMON_DIR"};
  std::string said;
  std::optional<std::string> out = RunProgram(GitArgv(dir, args), &said, kRepositoryEnv);
  if (out) return out;
  if (said.find("detected dubious ownership") != std::string::npos) {
    *err =
        "git refuses the repository: another user owns it, and git's safe.directory "
        "setting does not list it";
  } else {
    std::string_view first = Trim(std::string_view(said).substr(0, said.find('\n')));
    *err = first.empty() ? "git could not be run" : std::string(first);
  }
  return std::nullopt;
}

std::optional<std::string> RunProgram(const std::vector<std::string>& argv, std::string* err,
                                      std::span<const std::string_view> unset) {
  // The child's environment, made before fork (the child of a threaded process may not allocate).
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (std::find(unset.begin(), unset.end(), name) == unset.end()) env.push_back(*e);
  }
  env.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return std::nullopt;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return std::nullopt;
  }
  std::vector<char*> args;
  std::vector<std::string> store = argv;
  for (std::string& a : store) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execvpe(args[0], args.data(), env.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  std::string out, errs;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? out : errs).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (err) *err = errs;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

}  // namespace ntpsweep
