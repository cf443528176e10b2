// Writing a fixed file: never in place, so a crash leaves the old file or the new one, never half
// of each; mode and owner are those of the old file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/fd.h"
#include "fix/fix.h"

namespace ntpsweep::fix {
namespace {

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool ReadAll(int fd, std::string* out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

bool ReplaceFile(const std::string& path, std::string_view before, std::string_view after,
                 std::string* error) {
  Fd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (in.get() < 0 && errno == ELOOP)
    return *error = "a symbolic link (never written through): edit the file it points to", false;
  if (in.get() < 0) return *error = Errno("cannot open"), false;
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return *error = Errno("cannot stat"), false;
  if (!S_ISREG(st.st_mode)) return *error = "not a regular file", false;
  if (st.st_nlink > 1)
    return *error = "has other hard links (a rename would split them): edit by hand", false;
  std::string current;
  if (!ReadAll(in.get(), &current)) return *error = Errno("cannot read"), false;
  if (current != before) return *error = "changed since it was read: run ntpsweep fix again", false;

  std::filesystem::path p(path);
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  std::string tmpl = dir + "/." + p.filename().string() + ".ntpsweep-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  Fd out(::mkstemp(name.data()));
  if (out.get() < 0) return *error = Errno("cannot create a temporary file in " + dir), false;
  std::string tmp = name.data();
  auto fail = [&](const std::string& why) {
    *error = why;
    ::unlink(tmp.c_str());
    return false;
  };
  if (!WriteAll(out.get(), after)) return fail(Errno("cannot write " + tmp));
  if (::fchmod(out.get(), st.st_mode & 07777) != 0) return fail(Errno("cannot set the mode"));
  struct stat mine {};
  if (::fstat(out.get(), &mine) != 0) return fail(Errno("cannot stat " + tmp));
  if ((mine.st_uid != st.st_uid || mine.st_gid != st.st_gid) &&
      ::fchown(out.get(), st.st_uid, st.st_gid) != 0)
    return fail(Errno("cannot keep the owner"));
  if (::fsync(out.get()) != 0) return fail(Errno("fsync failed"));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(Errno("cannot rename over the file"));
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) ::fsync(d.get());  // the rename itself is durable
  return true;
}

}  // namespace ntpsweep::fix
