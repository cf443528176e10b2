// Linkage for archive members. Whether a member relates a finding (it renders a finding's
// variable or installs a finding's file: scan/linkage.h) is known only once every finding is,
// after the pass, when the member's bytes are gone. Reading every member with a hint through
// every reader as it passes cost a rootfs tar a third of its CPU; instead the words of each such
// member are kept (TokenFilter), and at the end its container file is walked again for the few
// that may name a finding's variable or file, every other member skipped unread
// (input::MemberFilter). Members of a container that cannot be read again (stdin) are observed
// as they pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "input/input.h"
#include "scan/token_filter.h"

namespace ntpsweep::scan {

using input::Chain;

class MemberLinks {
 public:
  // The container whose members' locations begin with `display` is the file `fs_path`.
  void AddContainer(const std::string& display, const std::string& fs_path);
  // Forgets it again when none of its members was deferred (keeps a directory walk's many
  // compressed files from piling up here).
  void ForgetIfUnused(const std::string& display);
  // Keeps the words of the member at `location` for the end. False when its container cannot be
  // read again, or only by inflating a gzip/bzip2/xz stream again (`costly`: on rootfs.tar.gz
  // that cost more than observing its members as they pass): the caller observes the member
  // now. `offset`: Entry::archive_offset.
  bool Defer(const Location& location, std::string_view text, int64_t offset = -1,
             bool costly = false);
  bool empty() const;

  // Walks the containers again for the members whose words may hold one of `needles` and calls
  // `read` with each of them as it is read (the same entry the pass saw).
  void Replay(const std::vector<std::string>& needles, const input::WalkOptions& walk,
              const std::function<void(input::Entry&)>& read);

 private:
  struct Container {
    std::vector<std::string> files;  // the same display twice (an operand given twice)
    size_t deferred = 0;
  };
  struct Candidate {
    Chain chain;
    TokenFilter words;
    int64_t offset = -1;  // where it starts in its tar file, when it can be read alone
  };
  mutable std::mutex mu_;
  std::map<std::string, Container, std::less<>> containers_;
  std::vector<Candidate> candidates_;
};

}  // namespace ntpsweep::scan
