#include "scan/member_links.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "core/file.h"
#include "core/share.h"
#include "input/archive.h"
#include "input/dispatch.h"

namespace ntpsweep::scan {
namespace {

// A tar header block: a member whose data starts one block past its headers has no pax or GNU
// name header, so its own header holds its name.
constexpr int64_t kTarBlock = 512;

// A chain as 64 bits (FNV-1a, levels split by NUL, which no member name holds): what is kept
// of a deferred member's location. Two chains meeting on one hash is a 2^-64 chance.
uint64_t ChainHash(const Chain& chain, size_t levels) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < levels && i < chain.size(); ++i) {
    for (unsigned char c : chain[i]) h = (h ^ c) * 0x100000001b3ull;
    h = (h ^ 0) * 0x100000001b3ull;
  }
  return h;
}
uint64_t ChainHash(const Chain& chain) {
  return ChainHash(chain, chain.size());
}

// The members of one container read again, and the containers on their way (a layer blob, a
// compressed member around a tar); with `all`, every member (some were not listed).
class WantedMembers : public input::MemberFilter {
 public:
  explicit WantedMembers(bool all = false) : all_(all) {}
  void Want(uint64_t chain, size_t deferred) {
    leaves_.emplace(chain, false);
    // Two members under one name (a tar appended to): which one was deferred cannot be told, so
    // both are read and the walk goes to the end.
    repeated_ = repeated_ || deferred > 1;
  }
  void OnTheWay(uint64_t chain) { on_the_way_.insert(chain); }
  bool Wants(const Chain& chain) const override {
    if (all_) return true;
    uint64_t h = ChainHash(chain);
    return leaves_.count(h) != 0 || on_the_way_.count(h) != 0;
  }
  bool Done() const override { return !all_ && !repeated_ && seen_ == leaves_.size(); }
  // Whether `chain` is one of the members listed (and counts it read).
  bool Read(const Chain& chain) {
    auto it = leaves_.find(ChainHash(chain));
    if (it == leaves_.end()) return false;
    if (!it->second) ++seen_;
    it->second = true;
    return true;
  }
  size_t seen() const { return seen_; }

 private:
  bool all_;
  std::map<uint64_t, bool> leaves_;  // -> read already
  std::set<uint64_t> on_the_way_;
  size_t seen_ = 0;
  bool repeated_ = false;
};

// Members kept whole (and read from there): chain hash -> hashes of their bytes, so that a walk
// does not read one again: only a member of the same name (a tar appended to) whose bytes differ
// is new.
using HeldMembers = std::map<uint64_t, std::vector<uint64_t>>;
uint64_t DataHash(std::string_view data) {
  return std::hash<std::string_view>()(data);
}

// A member kept whole, as one record of the store: its chain, path and costliness, then its
// bytes (the rest of the record).
void PutString(std::string* out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(s);
}
std::string RecordHead(const input::Entry& member) {
  std::string head;
  uint32_t levels = static_cast<uint32_t>(member.location.chain.size());
  head.append(reinterpret_cast<const char*>(&levels), sizeof levels);
  for (const std::string& level : member.location.chain) PutString(&head, level);
  PutString(&head, member.path);
  head.push_back(member.costly_to_reread ? 1 : 0);
  return head;
}
// The member whose record begins with `head` (its bytes are read apart); false when `head` is
// not one (cut short).
bool ParseHead(std::string_view rest, input::Entry* member) {
  auto get = [&](void* to, size_t n) {
    if (rest.size() < n) return false;
    std::memcpy(to, rest.data(), n);
    rest.remove_prefix(n);
    return true;
  };
  auto get_string = [&](std::string* to) {
    uint32_t n = 0;
    if (!get(&n, sizeof n) || rest.size() < n) return false;
    to->assign(rest.substr(0, n));
    rest.remove_prefix(n);
    return true;
  };
  uint32_t levels = 0;
  if (!get(&levels, sizeof levels) || levels > rest.size()) return false;
  member->location.chain.resize(levels);
  for (std::string& level : member->location.chain)
    if (!get_string(&level)) return false;
  char costly = 0;
  if (!get_string(&member->path) || !get(&costly, 1)) return false;
  member->costly_to_reread = costly != 0;
  return rest.empty();
}

class ReplaySink : public input::EntrySink {
 public:
  ReplaySink(WantedMembers& wanted, bool all, const std::function<void(input::Entry&, bool)>& read,
             HeldMembers* held = nullptr)
      : wanted_(wanted), all_(all), read_(read), held_(held) {}
  void Add(input::Entry entry) override {
    if (held_) {
      auto it = held_->find(ChainHash(entry.location.chain));
      if (it != held_->end()) {
        auto same = std::find(it->second.begin(), it->second.end(), DataHash(entry.data));
        if (same != it->second.end()) {
          it->second.erase(same);
          wanted_.Read(entry.location.chain);  // counted as seen
          return;
        }
      }
    }
    if (wanted_.Read(entry.location.chain))
      read_(entry, true);
    else if (all_)
      read_(entry, false);
  }
  // The pass reported these already.
  void Report(Notice) override {}
  void CountSkipped(std::string_view) override {}

 private:
  WantedMembers& wanted_;
  bool all_;
  const std::function<void(input::Entry&, bool)>& read_;
  HeldMembers* held_;
};

// Hands the entries a walk reads to `read` on `jobs` - 1 other threads, at most kBytes of them
// waiting: judging them was most of a disk image's walk again, on the walking thread alone.
class HandOff {
 public:
  HandOff(unsigned jobs, const std::function<void(input::Entry&, bool)>& read) : read_(read) {
    for (unsigned t = 1; t < jobs; ++t) threads_.emplace_back([this] { Work(); });
  }
  ~HandOff() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    more_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  void Put(input::Entry& entry, bool listed) {
    if (threads_.empty()) return read_(entry, listed);
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return bytes_ < kBytes; });
    bytes_ += entry.data.size();
    queue_.emplace_back(std::move(entry), listed);
    more_.notify_one();
  }

 private:
  static constexpr size_t kBytes = 4u << 20;
  void Work() {
    std::unique_lock lock(mu_);
    for (;;) {
      more_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto [entry, listed] = std::move(queue_.front());
      queue_.pop_front();
      bytes_ -= entry.data.size();
      room_.notify_one();
      lock.unlock();
      read_(entry, listed);
      lock.lock();
    }
  }
  const std::function<void(input::Entry&, bool)>& read_;
  std::mutex mu_;
  std::condition_variable more_, room_;
  std::deque<std::pair<input::Entry, bool>> queue_;
  size_t bytes_ = 0;
  bool done_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

MemberLinks::MemberLinks(std::string temp_dir, uint64_t store_bytes)
    : temp_dir_(std::move(temp_dir)), store_bytes_(store_bytes) {}

MemberLinks::~MemberLinks() = default;

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

bool MemberLinks::Defer(const input::Entry& member, std::string_view text) {
  // An empty file has no extents to list.
  if (Rewalks(member) && member.member_file &&
      (!member.member_extents.empty() || member.member_bytes == 0)) {
    std::lock_guard lock(mu_);
    auto it = containers_.find(member.location.chain.front());
    if (it == containers_.end()) return false;
    if (ListImageFile(it->second, member)) return true;
  }
  if (member.sole_member) {
    std::lock_guard lock(mu_);
    if (ListSole(member)) return true;
  }
  return Store(member) ||
         Defer(member.location, text, member.archive_offset, member.costly_to_reread,
               Rewalks(member), member.archive_data_offset, member.data_size());
}

bool MemberLinks::Stamp(int fd, ImageStamp* stamp) {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  *stamp = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
            static_cast<uint64_t>(st.st_size),
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
            static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec};
  return true;
}

bool MemberLinks::ListImageFile(Container& c, const input::Entry& member) {
  const std::string& name = member.location.chain.back();
  const size_t bytes = sizeof(ImageFile) + member.member_extents.size() * sizeof(FileExtent) +
                       name.size() + member.path.size();
  if (image_bytes_ + bytes > kMaxImageFileBytes ||
      c.image_names.size() + name.size() + member.path.size() > UINT32_MAX)
    return false;
  // One fstat an image (its files share the descriptor): what Replay checks the file against.
  if (c.image_fd.lock() != member.member_file) {
    ImageStamp now;
    if (!Stamp(member.member_file->get(), &now)) return false;
    if (!c.image_files.empty() && !(now == c.image)) return false;  // changed during the pass
    c.image = now;
    c.image_fd = member.member_file;
  }
  c.image_files.push_back({ChainHash(member.location.chain), member.member_bytes,
                           static_cast<uint32_t>(c.image_names.size()),
                           static_cast<uint32_t>(name.size()),
                           static_cast<uint32_t>(member.path.size()), member.member_extents});
  c.image_names += name;
  c.image_names += member.path;
  ++c.deferred;
  image_bytes_ += bytes;
  return true;
}

bool MemberLinks::ReadImageFiles(const std::string& display, const Container& c, unsigned jobs,
                                 const ReadMember& read, std::vector<char>* done,
                                 std::string* why) {
  if (c.files.size() != 1) return false;  // which file the pass read them in is not known
  // O_NONBLOCK: a FIFO put in its place does not hang the open (its stamp then differs).
  Fd image(open(c.files.front().c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  ImageStamp now;
  if (image.get() < 0 || !Stamp(image.get(), &now)) {
    *why = std::strerror(errno);
    return false;
  }
  if (!(now == c.image)) {
    *why = "it changed since it was read";
    return false;
  }
  // An image given twice lists its files twice: each read once, as a walk of it would give it
  // (two files of one name in different places are both read).
  std::vector<size_t> order(c.image_files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](size_t i) {
    const ImageFile& f = c.image_files[i];
    const FileExtent first = f.extents.empty() ? FileExtent{} : f.extents.front();
    return std::tuple(f.chain, f.bytes, first.offset, first.zero, f.extents.size());
  };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  std::vector<char> twice(order.size(), 0);
  for (size_t n = 1; n < order.size(); ++n)
    if (key(order[n]) == key(order[n - 1])) twice[order[n]] = 1;
  ReadBufferPool spare;
  std::atomic<size_t> read_alone{0};
  Share(c.image_files.size(), jobs, [&](size_t i) {
    const ImageFile& f = c.image_files[i];
    if (twice[i]) {
      (*done)[i] = 1;
      return;
    }
    if (f.bytes == 0) {  // names nothing: no entry made for it
      (*done)[i] = 1;
      ++read_alone;
      return;
    }
    ReadBuffer buffer = spare.Take();
    std::string_view data;
    std::string error;
    // Cut short: the image changed after all (within its mtime's grain); the walk reads it now.
    if (ReadFileExtents(image.get(), f.extents, static_cast<size_t>(f.bytes), &buffer, &data,
                        &error)) {
      const std::string_view names = std::string_view(c.image_names).substr(f.name_at);
      input::Entry e;
      e.location.chain = {display, std::string(names.substr(0, f.name_size))};
      e.path = names.substr(f.name_size, f.path_size);
      read(e, data, true);
      (*done)[i] = 1;
      ++read_alone;
    }
    spare.GiveBack(std::move(buffer), kReplayRunBytes);
  });
  image_files_read_alone_ += read_alone;
  return true;
}

bool MemberLinks::Rewalks(const input::Entry& member) {
  return member.cheap_to_rewalk && member.location.chain.size() == 2;
}

bool MemberLinks::NeedsWalk(const input::Entry& member) {
  // A member of a tar file is read again alone by its offset, for less than keeping it costs.
  return member.location.chain.size() > 2 ||
         (member.location.chain.size() == 2 && member.archive_offset < 0);
}

bool MemberLinks::StoreHasRoom(uint64_t bytes) const {
  if (stored_ >= kMaxStored) return false;
  if (!store_) return bytes <= store_bytes_;
  // Without a temporary file every block stays in memory.
  if (!store_->spill_error().empty()) return store_->size() + bytes <= kHoldBytes;
  return store_->size() + bytes <= store_bytes_;
}

bool MemberLinks::ListSole(const input::Entry& member) {
  const Chain& chain = member.location.chain;
  if (!member.sole_member || chain.size() != 2 || sole_ >= kMaxSole) return false;
  auto it = containers_.find(chain.front());
  if (it == containers_.end()) return false;
  ++it->second.deferred;
  it->second.sole.push_back(ChainHash(chain));
  ++sole_;
  return true;
}

bool MemberLinks::Store(const input::Entry& member) {
  if (!NeedsWalk(member) || Rewalks(member) || member.member_file) return false;  // no bytes held
  // Made outside the lock; the bytes are copied once, into the store.
  const std::string head = RecordHead(member);
  const uint64_t size = head.size() + member.data.size();
  std::lock_guard lock(mu_);
  auto it = containers_.find(member.location.chain.front());
  if (it == containers_.end()) return false;
  if (!store_) {
    store_ = std::make_unique<SpillStream>(kStoreMemoryBytes, temp_dir_,
                                           "the archive members kept for linkage");
    store_->Open();  // made now: without it the budget is kHoldBytes, from the first member
  }
  if (!StoreHasRoom(size)) return false;
  const uint64_t at = store_->size();
  store_->Append(head);
  store_->Append(member.data);
  ++stored_;
  ++it->second.deferred;
  it->second.stored.push_back({at, static_cast<uint32_t>(head.size()), member.data.size()});
  return true;
}

bool MemberLinks::Defer(const Location& location, std::string_view text, int64_t offset,
                        bool costly, bool unfiltered, int64_t data_offset, uint64_t data_size) {
  const Chain& chain = location.chain;
  if (chain.size() < 2 || costly) return false;
  {
    std::lock_guard lock(mu_);
    auto it = containers_.find(chain.front());
    if (it == containers_.end()) return false;
    // Past the listing budget a large member's words go into a group, as a small member's do.
    if (offset >= 0 && chain.size() == 2 && text.size() >= kReadBackBytes && listed_ < kMaxListed) {
      Container& c = it->second;
      ++c.deferred;
      ReadBack m{ChainHash(chain), offset};
      const std::string& name = chain.back();
      if (data_offset == offset + kTarBlock) {
        m.data_offset = data_offset;
        m.size = data_size;
      } else if (data_offset > offset && names_ + name.size() <= kMaxReadBackNames &&
                 c.names.size() + name.size() <= UINT32_MAX) {
        m.data_offset = data_offset;
        m.size = data_size;
        m.name_at = static_cast<uint32_t>(c.names.size());
        m.name_size = static_cast<uint32_t>(name.size());
        c.names += name;
        names_ += name.size();
      }
      c.read_back.push_back(m);
      ++listed_;
      ++read_back_;
      return true;
    }
  }
  // An unfiltered member keeps no words: no 4 KiB filter made and zeroed for it.
  TokenFilter words;
  if (!unfiltered) {
    words = TokenFilter::Wide();
    words.AddWords(text);
  }
  std::lock_guard lock(mu_);
  auto it = containers_.find(chain.front());
  if (it == containers_.end()) return false;
  Container& c = it->second;
  ++c.deferred;
  if (c.groups.empty() || c.groups.back().unfiltered != unfiltered ||
      c.groups.back().set_bits * 4 > c.groups.back().words.bits()) {
    if (groups_ >= kMaxGroups) MergeGroups();
    c.groups.emplace_back();
    c.groups.back().unfiltered = unfiltered;
    ++groups_;
  }
  Group& g = c.groups.back();
  if (!unfiltered) {
    g.words.Merge(words);
    g.set_bits = g.words.set_bits();
  }
  if (listed_ + chain.size() - 1 > kMaxListed) {
    g.unlisted = true;
    return true;
  }
  Listed m{ChainHash(chain), offset};
  m.nested = chain.size() > 2;
  // A plain member whose header alone holds its name: read again by pread alone.
  if (data_offset == offset + kTarBlock && data_size <= UINT32_MAX) {
    m.size = static_cast<uint32_t>(data_size);
    m.data_blocks = 1;
  }
  g.members.push_back(m);
  ++listed_;
  for (size_t n = 2; n < chain.size(); ++n) {
    g.on_the_way.push_back(ChainHash(chain, n));
    ++listed_;
  }
  return true;
}

bool MemberLinks::Accepts(const input::Entry& member) const {
  if (member.location.chain.size() < 2) return false;
  std::lock_guard lock(mu_);
  if (!containers_.count(member.location.chain.front())) return false;
  if (member.sole_member && member.location.chain.size() == 2 && sole_ < kMaxSole) return true;
  // A costly member is deferred only when it can be kept whole (its record's names are left
  // out here: a few bytes past the budget are refused by Store, and it is observed then).
  return !member.costly_to_reread ||
         (NeedsWalk(member) && StoreHasRoom(member.data.size() + member.path.size()));
}

void MemberLinks::MergeGroups() {
  for (auto& [display, c] : containers_) {
    std::vector<Group> merged;
    for (size_t i = 0; i < c.groups.size(); i += 2) {
      Group g = std::move(c.groups[i]);
      if (i + 1 < c.groups.size()) {
        Group& next = c.groups[i + 1];
        g.words.Merge(next.words);
        g.members.insert(g.members.end(), next.members.begin(), next.members.end());
        g.on_the_way.insert(g.on_the_way.end(), next.on_the_way.begin(), next.on_the_way.end());
        g.unlisted = g.unlisted || next.unlisted;
        g.unfiltered = g.unfiltered || next.unfiltered;
        // Full or not, a merged group takes no more members: the next one opens a new group.
        g.set_bits = g.words.bits();
      }
      merged.push_back(std::move(g));
    }
    groups_ -= c.groups.size() - merged.size();
    c.groups = std::move(merged);
  }
}

bool MemberLinks::empty() const {
  std::lock_guard lock(mu_);
  return groups_ == 0 && stored_ == 0 && read_back_ == 0 && image_bytes_ == 0 && sole_ == 0;
}

size_t MemberLinks::kept_bytes() const {
  std::lock_guard lock(mu_);
  return groups_ * (TokenFilter::Wide().bits() / 8) + listed_ * sizeof(Listed) +
         read_back_ * (sizeof(ReadBack) - sizeof(Listed)) + names_ + image_bytes_ +
         sole_ * sizeof(uint64_t);
}

size_t MemberLinks::stored_members() const {
  std::lock_guard lock(mu_);
  return stored_;
}

uint64_t MemberLinks::stored_bytes_on_disk() const {
  std::lock_guard lock(mu_);
  return store_ ? store_->bytes_spilled() : 0;
}

size_t MemberLinks::stored_bytes_in_memory() const {
  std::lock_guard lock(mu_);
  return store_ ? store_->bytes_in_memory() : 0;
}

std::string MemberLinks::replay_error() const {
  std::lock_guard lock(mu_);
  return replay_error_;
}

std::vector<Notice> MemberLinks::replay_notices() const {
  std::lock_guard lock(mu_);
  return replay_notices_;
}

size_t MemberLinks::image_files_read_alone() const {
  std::lock_guard lock(mu_);
  return image_files_read_alone_;
}

size_t MemberLinks::containers_walked_again() const {
  std::lock_guard lock(mu_);
  return containers_walked_again_;
}

std::string MemberLinks::store_error() const {
  std::lock_guard lock(mu_);
  return store_ ? store_->spill_error() : std::string();
}

bool MemberLinks::MayName(std::string_view text, const std::vector<std::string>& needles) {
  TokenFilter words;
  words.AddWords(text);
  return std::any_of(needles.begin(), needles.end(),
                     [&](const std::string& n) { return words.MayContain(n); });
}

bool MemberLinks::MayHoldNeedle(std::string_view data, uint64_t max_bytes,
                                const host::LiteralSearch& needles) {
  data = data.substr(0, static_cast<size_t>(std::min<uint64_t>(data.size(), max_bytes)));
  return Utf16Bom(data) != Utf16::kNone || needles.Any(data);
}

void MemberLinks::Replay(const std::vector<std::string>& needles, const input::WalkOptions& walk,
                         unsigned jobs, const ReadMember& read, const MayHold& may_hold) {
  std::lock_guard lock(mu_);
  // A walked entry carries its bytes.
  const std::function<void(input::Entry&, bool)> read_walked = [&](input::Entry& e, bool listed) {
    read(e, e.data, listed);
  };
  // The buffers the runs of kept records are read into, each reused by the threads in turn.
  ReadBufferPool spare_buffers;
  input::WalkOptions again = walk;
  again.budget = nullptr;  // read once already: not spent twice
  again.progress = nullptr;
  again.verbose = nullptr;
  // The compressed files whose only member was listed, and nothing else: walked again below, each
  // on any thread (one thread inflating them all was the end's longest part).
  std::vector<const std::pair<const std::string, Container>*> sole_files;
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (auto& each : containers_) {
    const std::string& display = each.first;
    Container& container = each.second;
    if (!container.sole.empty() && container.groups.empty() && container.stored.empty() &&
        container.read_back.empty() && container.image_files.empty()) {
      if (!needles.empty()) sole_files.push_back(&each);
      continue;
    }
    std::map<uint64_t, size_t> chains;       // hash -> deferrals, of the groups that may name one
    std::map<int64_t, uint64_t> at_offsets;  // offset -> hash
    // offset -> a plain member's data offset, size and name (empty: its header's), read by pread
    struct Plain {
      int64_t data_offset;
      uint64_t size;
      std::string_view name;
    };
    std::map<int64_t, Plain> plain;
    std::set<uint64_t> on_the_way;
    bool whole = false;       // walked again from the start
    bool unlisted = false;    // every member judged again
    bool unfiltered = false;  // a disk image's files: judged on other threads than its walk
    for (const Group& g : container.groups) {
      if (!g.unfiltered && !std::any_of(needles.begin(), needles.end(), [&](const std::string& n) {
            return g.words.MayContain(n);
          }))
        continue;
      unlisted = unlisted || g.unlisted;
      unfiltered = unfiltered || g.unfiltered;
      on_the_way.insert(g.on_the_way.begin(), g.on_the_way.end());
      for (const Listed& m : g.members) {
        ++chains[m.chain];
        if (m.offset < 0 || m.nested || !at_offsets.emplace(m.offset, m.chain).second) whole = true;
        if (m.data_blocks)
          plain.emplace(m.offset, Plain{m.offset + m.data_blocks * kTarBlock, m.size, {}});
      }
    }
    // Listed without words: any needle may be in them (their own words judge them when read).
    if (!needles.empty())
      for (const ReadBack& m : container.read_back) {
        ++chains[m.chain];
        if (!at_offsets.emplace(m.offset, m.chain).second) whole = true;
        if (m.data_offset >= 0)
          plain.emplace(m.offset,
                        Plain{m.data_offset, m.size,
                              std::string_view(container.names).substr(m.name_at, m.name_size)});
      }
    // The files of a disk image listed with their pieces of it: read alone, unless the image
    // is not the file the pass read; those not read are left to a walk of the image.
    if (!container.image_files.empty()) {
      std::vector<char> done(container.image_files.size(), 0);
      std::string why;
      if (!ReadImageFiles(display, container, jobs, read, &done, &why) && !why.empty())
        replay_notices_.push_back(
            Notice{Notice::Level::kWarning, "disk-changed", Location{{display}}, 0, 0,
                   Location{{display}}.Render() + ": " + why +
                       "; the files linkage reads again were read by walking it as it is now"});
      for (size_t i = 0; i < done.size(); ++i)
        if (!done[i]) {
          ++chains[container.image_files[i].chain];
          unfiltered = whole = true;  // not at offsets of a tar
        }
    }
    // An only member of a compressed file kept nothing: read again for any needle.
    if (!needles.empty())
      for (uint64_t h : container.sole) {
        ++chains[h];
        whole = true;
      }
    // The members kept whole first, as the walk below would give them.
    const bool walk = !chains.empty() || unlisted;
    HeldMembers held;
    std::mutex held_mu;
    // Runs of records that follow each other in the store, [first, end) of container.stored.
    const std::vector<Stored>& stored = container.stored;
    auto record_end = [](const Stored& m) { return m.at + m.head + m.bytes; };
    std::vector<std::pair<size_t, size_t>> runs;
    for (size_t first = 0, end = 0; first < stored.size(); first = end) {
      for (end = first + 1; end < stored.size() && stored[end].at == record_end(stored[end - 1]) &&
                            record_end(stored[end]) - stored[first].at <= kReplayRunBytes;
           ++end) {
      }
      runs.emplace_back(first, end);
    }
    Share(runs.size(), jobs, [&](size_t r) {
      const auto [first, end] = runs[r];
      const uint64_t at = stored[first].at;
      const size_t size = static_cast<size_t>(record_end(stored[end - 1]) - at);
      ReadBuffer buffer = spare_buffers.Take();
      buffer.Reserve(size);
      std::string why;
      const bool have = store_->Read(at, size, buffer.data(), &why);
      for (size_t i = first; have && i < end; ++i) {
        const Stored& m = stored[i];
        const std::string_view record(buffer.data() + (m.at - at),
                                      static_cast<size_t>(m.head + m.bytes));
        input::Entry member;
        if (!ParseHead(record.substr(0, m.head), &member)) {
          why = "a record is cut short";
          continue;
        }
        const std::string_view data = record.substr(m.head);
        // Its bytes hashed only for a walk to come (a hash of them all was 2% of a tar.zst).
        const uint64_t chain = ChainHash(member.location.chain);
        const uint64_t bytes = walk ? DataHash(data) : 0;
        {
          std::lock_guard held_lock(held_mu);
          held[chain].push_back(bytes);
        }
        read(member, data, true);
      }
      if (!have || !why.empty()) {
        std::lock_guard held_lock(held_mu);
        if (replay_error_.empty()) replay_error_ = why.empty() ? "a record is cut short" : why;
      }
      // A record larger than a run had a buffer of its own: not held on to (peak RSS).
      spare_buffers.GiveBack(std::move(buffer), kReplayRunBytes);
    });
    if (chains.empty() && !unlisted) continue;
    // A name held and also listed (a tar appended to): the walk must reach both.
    for (auto& [chain, deferred] : chains)
      if (auto h = held.find(chain); h != held.end()) deferred += h->second.size();
    const std::vector<std::string>& files = container.files;
    // The members of a tar file, each at its offset: read alone, not the archive again.
    bool alone =
        !whole && !unlisted && files.size() == 1 &&
        std::all_of(chains.begin(), chains.end(), [](const auto& c) { return c.second == 1; });
    std::set<uint64_t> read_alone;
    if (alone) {
      const std::vector<std::pair<int64_t, uint64_t>> members(at_offsets.begin(), at_offsets.end());
      std::vector<char> done(members.size(), 0);
      input::TarMembers tar(files.front());
      std::atomic<bool> failed{!tar.ok()};
      // A member larger than ReadDataAt's first read is read here, into a buffer the threads
      // reuse in turn: a string of its own per member faulted in its pages again.
      ReadBufferPool spare_reads;
      const std::function<void(input::Entry&, bool)> read_alone_member = [&](input::Entry& e,
                                                                             bool listed) {
        if (!e.member_file) return read_walked(e, listed);
        ReadBuffer buffer = spare_reads.Take();
        std::string_view data;
        std::string why;
        // A file that changed since: what is left of the member is judged, as the pass would.
        ReadFileRange(e.member_file->get(), static_cast<uint64_t>(e.archive_data_offset),
                      static_cast<size_t>(e.member_bytes), &buffer, &data, &why);
        read(e, data, listed);
        // One larger than a run is not held on to (peak RSS): its next is prefaulted at once.
        spare_reads.GiveBack(std::move(buffer), kReplayRunBytes);
      };
      // The file opened once, its members shared among the threads: each is read alone.
      Share(members.size(), jobs, [&](size_t i) {
        if (failed) return;
        WantedMembers member;
        member.Want(members[i].second, 1);
        input::WalkOptions mine = again;
        mine.only = &member;
        mine.sink_reads_members = true;
        ReplaySink sink(member, false, read_alone_member);
        const uint64_t offset = static_cast<uint64_t>(members[i].first);
        // A plain member by pread alone; one whose header is not what the pass saw through
        // libarchive, which reads it as it is now.
        auto p = plain.find(members[i].first);
        // Most hold no needle: one read and one search each, no entry made of them (rootfs.tar:
        // 3,505 of 3,585; judging each as an entry had cost more than the pass's walk of them).
        if (p != plain.end() && may_hold) {
          ReadBuffer buffer = spare_reads.Take();
          std::string_view data;
          const bool none =
              tar.ReadPlainData(display, p->second.name, offset,
                                static_cast<uint64_t>(p->second.data_offset), p->second.size,
                                &member, again.limits.max_file_bytes, &buffer, &data) &&
              !may_hold(data);
          spare_reads.GiveBack(std::move(buffer), kReplayRunBytes);
          if (none) {
            ++ruled_out_;
            done[i] = 1;
            return;
          }
        }
        const bool by_data =
            p != plain.end() && tar.ReadDataAt(display, p->second.name, offset,
                                               static_cast<uint64_t>(p->second.data_offset),
                                               p->second.size, mine, sink);
        if ((!by_data && !tar.ReadAt(display, offset, mine, sink)) || !member.Done()) {
          failed = true;  // the file is not what it was: the rest from a walk of all of it
          return;
        }
        done[i] = 1;
      });
      alone = !failed;
      for (size_t i = 0; i < members.size(); ++i)
        if (done[i]) read_alone.insert(members[i].second);
    }
    if (alone) continue;
    for (const std::string& file : files) {
      WantedMembers members(unlisted);
      for (const auto& [chain, deferred] : chains)
        if (!read_alone.count(chain)) members.Want(chain, deferred);
      for (uint64_t h : on_the_way) members.OnTheWay(h);
      again.only = &members;
      HandOff hand_off(unfiltered ? jobs : 1, read_walked);
      const std::function<void(input::Entry&, bool)> put = [&](input::Entry& e, bool listed) {
        hand_off.Put(e, listed);
      };
      ReplaySink sink(members, unlisted, put, &held);
      ++containers_walked_again_;
      input::OpenContainerFile(file, display, again, sink);
    }
  }
  std::atomic<size_t> sole_walked{0};
  Share(sole_files.size(), jobs, [&](size_t i) {
    const std::string& display = sole_files[i]->first;
    const Container& container = sole_files[i]->second;
    for (const std::string& file : container.files) {
      sole_walked.fetch_add(1, std::memory_order_relaxed);
      WantedMembers members;
      // The same file given twice lists its member twice: read to its end.
      for (uint64_t h : container.sole) members.Want(h, container.sole.size());
      input::WalkOptions mine = again;
      mine.only = &members;
      ReplaySink sink(members, false, read_walked);
      input::OpenContainerFile(file, display, mine, sink);
    }
  });
  containers_walked_again_ += sole_walked.load();
}

size_t ReadMembersAgain(const std::string& operand, input::WalkOptions walk,
                        const std::vector<Chain>& members,
                        const std::function<void(input::Entry&)>& read) {
  WantedMembers wanted;
  std::set<Chain> once;  // a member listed twice (a tar appended to) is read the first time
  for (const Chain& chain : members) {
    wanted.Want(ChainHash(chain), 1);
    for (size_t n = 1; n < chain.size(); ++n) wanted.OnTheWay(ChainHash(chain, n));
  }
  const std::function<void(input::Entry&, bool)> each = [&](input::Entry& e, bool) {
    if (once.insert(e.location.chain).second) read(e);
  };
  ReplaySink sink(wanted, false, each);
  walk.only = &wanted;
  if (operand == "-") return 0;  // read once, from a stream gone since
  input::OpenArchiveOperand(operand, walk, sink);
  return wanted.seen();
}

}  // namespace ntpsweep::scan
