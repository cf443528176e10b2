#include "scan/member_links.h"

#include <algorithm>
#include <set>

#include "input/archive.h"
#include "input/dispatch.h"

namespace ntpsweep::scan {
namespace {

// The members of one container read again, and the containers on their way (a layer blob, a
// compressed member around a tar).
class WantedMembers : public input::MemberFilter {
 public:
  void Want(const Chain& chain, size_t deferred) {
    leaves_.emplace(chain, false);
    for (size_t n = 2; n < chain.size(); ++n) on_the_way_.emplace(chain.begin(), chain.begin() + n);
    // Two members under one name (a tar appended to): which one was deferred cannot be told, so
    // both are read and the walk goes to the end.
    repeated_ = repeated_ || deferred > 1;
  }
  bool Wants(const Chain& chain) const override {
    return leaves_.count(chain) != 0 || on_the_way_.count(chain) != 0;
  }
  bool Done() const override { return !repeated_ && seen_ == leaves_.size(); }
  // Whether `chain` is one of the members wanted (and counts it read).
  bool Read(const Chain& chain) {
    auto it = leaves_.find(chain);
    if (it == leaves_.end()) return false;
    if (!it->second) ++seen_;
    it->second = true;
    return true;
  }

 private:
  std::map<Chain, bool> leaves_;  // -> read already
  std::set<Chain> on_the_way_;
  size_t seen_ = 0;
  bool repeated_ = false;
};

class ReplaySink : public input::EntrySink {
 public:
  ReplaySink(WantedMembers& wanted, const std::function<void(input::Entry&)>& read)
      : wanted_(wanted), read_(read) {}
  void Add(input::Entry entry) override {
    if (wanted_.Read(entry.location.chain)) read_(entry);
  }
  // The pass reported these already.
  void Report(Notice) override {}
  void CountSkipped(std::string_view) override {}

 private:
  WantedMembers& wanted_;
  const std::function<void(input::Entry&)>& read_;
};

}  // namespace

void MemberLinks::AddContainer(const std::string& display, const std::string& fs_path) {
  std::lock_guard lock(mu_);
  std::vector<std::string>& files = containers_[display].files;
  if (std::find(files.begin(), files.end(), fs_path) == files.end()) files.push_back(fs_path);
}

void MemberLinks::ForgetIfUnused(const std::string& display) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(display);
  if (it != containers_.end() && it->second.deferred == 0) containers_.erase(it);
}

bool MemberLinks::Defer(const Location& location, std::string_view text, int64_t offset,
                        bool costly) {
  if (location.chain.size() < 2 || costly) return false;
  {
    std::lock_guard lock(mu_);
    if (!containers_.count(location.chain.front())) return false;
  }
  TokenFilter words;
  words.AddWords(text);
  std::lock_guard lock(mu_);
  ++containers_.find(location.chain.front())->second.deferred;
  candidates_.push_back({location.chain, words, offset});
  return true;
}

bool MemberLinks::empty() const {
  std::lock_guard lock(mu_);
  return candidates_.empty();
}

void MemberLinks::Replay(const std::vector<std::string>& needles, const input::WalkOptions& walk,
                         const std::function<void(input::Entry&)>& read) {
  std::lock_guard lock(mu_);
  std::set<Chain> wanted;
  for (const Candidate& c : candidates_)
    if (std::any_of(needles.begin(), needles.end(),
                    [&](const std::string& n) { return c.words.MayContain(n); }))
      wanted.insert(c.chain);
  if (wanted.empty()) return;
  std::map<std::string, std::map<Chain, size_t>> by_container;  // display -> chain -> deferrals
  std::map<std::string, std::map<int64_t, Chain>> at_offsets;   // display -> offset -> chain
  std::set<std::string> whole;  // containers walked again from the start
  for (const Candidate& c : candidates_) {
    if (!wanted.count(c.chain)) continue;
    ++by_container[c.chain.front()][c.chain];
    if (c.offset < 0 || !at_offsets[c.chain.front()].emplace(c.offset, c.chain).second)
      whole.insert(c.chain.front());
  }
  input::WalkOptions again = walk;
  again.budget = nullptr;  // read once already: not spent twice
  again.progress = nullptr;
  again.verbose = nullptr;
  for (const auto& [display, chains] : by_container) {
    const std::vector<std::string>& files = containers_[display].files;
    // The members of a tar file, each at its offset: read alone, not the archive again.
    bool alone = !whole.count(display) && files.size() == 1 &&
                 std::all_of(chains.begin(), chains.end(),
                             [](const auto& c) { return c.first.size() == 2 && c.second == 1; });
    std::set<Chain> read_alone;
    for (const auto& [offset, chain] : alone ? at_offsets[display] : std::map<int64_t, Chain>{}) {
      WantedMembers member;
      member.Want(chain, 1);
      again.only = &member;
      ReplaySink sink(member, read);
      if (!input::ReadTarMemberAt(files.front(), display, static_cast<uint64_t>(offset), again,
                                  sink) ||
          !member.Done()) {
        alone = false;  // the file is not what it was: the rest from a walk of all of it
        break;
      }
      read_alone.insert(chain);
    }
    if (alone) continue;
    for (const std::string& file : files) {
      WantedMembers members;
      for (const auto& [chain, deferred] : chains)
        if (!read_alone.count(chain)) members.Want(chain, deferred);
      again.only = &members;
      ReplaySink sink(members, read);
      input::OpenContainerFile(file, display, again, sink);
    }
  }
}

}  // namespace ntpsweep::scan
