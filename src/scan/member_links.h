// Linkage for archive members. Whether a member relates a finding (it renders a finding's
// variable or installs a finding's file: scan/linkage.h) is known only once every finding is,
// after the pass, when the member's bytes are gone. Reading every member with a hint through
// every reader as it passes cost a rootfs tar a third of its CPU; instead the words of such
// members are kept, and at the end its container file is walked again for the few that may name
// a finding's variable or file, every other member skipped unread (input::MemberFilter). A
// member of a tar file of kReadBackBytes or more keeps no words: it is read again by its offset
// (a plain one by pread at the offset of its data, input::TarMembers::ReadDataAt).
// Members of a container that cannot be read again (stdin) are observed as they pass.
// A member that could be read again only by walking its container again (inside a compressed
// stream or a nested archive: a second inflate of all of it) is kept whole instead, in a
// SpillStream (an unlinked temporary file past its first block), up to a disk budget, and judged
// from there at the end; without a temporary file, up to a small memory budget. Not the only
// member of a compressed file (ntp.conf.gz -> ntp.conf): reading it again costs that file's
// decompression alone, so it keeps nothing and is read again for any needle (the changelogs of
// /usr/share/doc wrote 255 MB into the store for scans that read none of it back).
//
// What is kept stays bounded whatever the archive: the words of consecutive members share one
// filter (a group), the groups are merged pairwise when they pass a budget, and a member is
// listed by a hash of its chain and its offset (16 bytes) up to a budget too. A member read
// again is judged by its own words as before (MayName), so a coarser group only costs reads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/fd.h"
#include "core/file_extent.h"
#include "core/types.h"
#include "host/literal_search.h"
#include "input/input.h"
#include "scan/read_files.h"
#include "scan/token_filter.h"

namespace ntpsweep::scan {

using input::Chain;

class MemberLinks {
 public:
  // `temp_dir`: where the members kept whole go (empty: $TMPDIR, else /tmp); `store_bytes`: how
  // many bytes of them at most (kStoreBytes).
  explicit MemberLinks(std::string temp_dir = {}, uint64_t store_bytes = kStoreBytes);
  ~MemberLinks();
  // The container whose members' locations begin with `display` is the file `fs_path`.
  void AddContainer(const std::string& display, const std::string& fs_path);
  // Forgets it again when none of its members was deferred (keeps a directory walk's many
  // compressed files from piling up here).
  void ForgetIfUnused(const std::string& display);
  // Keeps `member` (whose text is `text`) for the end: whole when it could be read again only
  // by a walk of its container and the store has room (judged from there: no second inflate,
  // no words), else its words (Defer below). False when it can be neither: the caller observes
  // the member now.
  bool Defer(const input::Entry& member, std::string_view text);
  // Keeps the words of the member at `location` for the end (or, of a large one at an offset,
  // only that offset). False when its container cannot be
  // read again, or only by inflating a gzip/bzip2/xz stream again (`costly`: on rootfs.tar.gz
  // that cost more than observing its members as they pass): the caller observes the member
  // now. `offset`: Entry::archive_offset.
  // `unfiltered`: its words are not kept, it is read again whatever the needles (a file of a
  // disk image: hashing its words cost more than walking the image again).
  // `data_offset`, `data_size`: where a plain member's data starts (Entry::archive_data_offset)
  // and how many bytes the pass read of it: a large one is then read again by pread alone.
  bool Defer(const Location& location, std::string_view text, int64_t offset = -1,
             bool costly = false, bool unfiltered = false, int64_t data_offset = -1,
             uint64_t data_size = 0);
  // Whether Defer would keep `member` (asked before its words are judged: a deferred member is
  // judged when it is read again, most never are). Defer may still refuse a costly one, when
  // others took the room meanwhile.
  bool Accepts(const input::Entry& member) const;
  bool empty() const;

  // Calls `read` with every member kept whole, then walks the containers again for the members
  // whose group's words may hold one of `needles` and calls `read` with each of them as it is
  // read (the same entry the pass saw; of a member kept whole, its location and path). `data`:
  // the member's bytes (a walked entry's `data`; a kept one's where its run of records was read
  // back, valid during the call). `listed` false: a member of a group past the listing budget,
  // which may not have been deferred at all (the caller judges it again as the pass did).
  // Members of a tar file read alone by their offsets are shared among `jobs` threads, and so
  // are the members kept whole: `read` must be thread-safe. A member kept whole that cannot be
  // read back is skipped (replay_error()).
  // `may_hold`, when given: whether a plain member of a tar file read alone may hold a needle,
  // asked of its first bytes (at most walk.limits.max_file_bytes), read with its header in one
  // pread before any entry is made of them; one that may not is done unread (ruled_out()).
  using ReadMember = std::function<void(input::Entry& member, std::string_view data, bool listed)>;
  using MayHold = std::function<bool(std::string_view data)>;
  void Replay(const std::vector<std::string>& needles, const input::WalkOptions& walk,
              unsigned jobs, const ReadMember& read, const MayHold& may_hold = nullptr);
  // The members Replay did not read as entries: may_hold said no to their bytes.
  size_t ruled_out() const { return ruled_out_; }
  // Why a member kept whole could not be read back by Replay; empty when none.
  std::string replay_error() const;
  // What Replay has to say of the images it walked again though their files were listed to be
  // read alone (the image changed since the pass): one notice an image.
  std::vector<Notice> replay_notices() const;
  // Of the last Replay: files of disk images read alone from their pieces of the image, and
  // container files walked again (a single compressed file decompressed again counts as one).
  size_t image_files_read_alone() const;
  size_t containers_walked_again() const;

  // Whether the words of `text` may hold one of `needles` (what a member's own filter said).
  static bool MayName(std::string_view text, const std::vector<std::string>& needles);
  // Whether the text made of a member's bytes `data` (at most `max_bytes` of them, UTF-16 decoded)
  // may hold one of the needles `needles` looks for: false only when its bytes hold none and are
  // not UTF-16 (whose text is not its bytes). The sieve looks for the needles as whole words,
  // without regard to case: such a member is turned away by it (a MayHold for Replay).
  static bool MayHoldNeedle(std::string_view data, uint64_t max_bytes,
                            const host::LiteralSearch& needles);
  // What the kept words and lists cost, in bytes (bounded by the budgets below).
  size_t kept_bytes() const;
  // The members kept whole: how many, their bytes in the temporary file (bounded by the store
  // budget) and in memory (one block; bounded by kHoldBytes without a temporary file), and why
  // there is no temporary file (when there is none).
  size_t stored_members() const;
  uint64_t stored_bytes_on_disk() const;
  size_t stored_bytes_in_memory() const;
  std::string store_error() const;

  // A group takes members until a quarter of its filter's bits are set (a word absent from
  // all of them then passes 1 time in ~64); past kMaxGroups the groups are merged pairwise.
  static constexpr size_t kMaxGroups = 1024;      // 4 MiB of filters
  static constexpr size_t kMaxListed = 1u << 16;  // 1 MiB of listed members
  // Members kept whole, over all containers (their bytes, names and 24 bytes each in memory):
  // at most kStoreBytes in the temporary file, kStoreMemoryBytes of them in memory (the
  // SpillStream's block); without a temporary file, at most kHoldBytes in memory.
  static constexpr uint64_t kStoreBytes = 1ull << 30;
  static constexpr size_t kStoreMemoryBytes = 1u << 20;
  static constexpr size_t kHoldBytes = 8u << 20;
  static constexpr size_t kMaxStored = 1u << 18;  // 6 MiB of Stored
  // Consecutive records kept whole are read back by Replay in runs of at most this many bytes,
  // one read each, into a buffer a thread reuses: a read of every record into a string of its
  // own (zeroed first, two reads a record) was a quarter of the members' replay.
  static constexpr size_t kReplayRunBytes = 1u << 20;
  // A member of a tar file at least this large is listed without its words and read again by
  // its offset whenever a finding has a needle: hashing its words in the pass (~14 instructions
  // a byte) cost more than that read (~50k a member); on rootfs.tar the words were 40% of all.
  static constexpr size_t kReadBackBytes = 4u << 10;
  // The names of such members that their own header cannot hold (pax, GNU long names), kept to
  // read them by pread alone (past it: through libarchive).
  static constexpr size_t kMaxReadBackNames = 1u << 20;
  // Files of raw disk images listed with their pieces of the image (Entry::member_extents) and
  // their names, read alone at the end (the image's directories not walked again), up to this
  // many bytes of lists over all images; past it, an image is walked again for the rest.
  static constexpr size_t kMaxImageFileBytes = 8u << 20;
  // The only members of compressed files listed to be read again by decompressing their file
  // (Entry::sole_member), each a container of its own (a few hundred bytes); past it they are
  // kept as other members are.
  static constexpr size_t kMaxSole = 1u << 14;

 private:
  struct Listed {
    uint64_t chain = 0;   // ChainHash of its chain
    int64_t offset = -1;  // where it starts in its tar file, when it can be read alone
    uint32_t size = 0;    // a plain member's bytes the pass read (its header must say as much)
    uint16_t data_blocks = 0;  // its data, that many 512-byte blocks past `offset`; 0: none
    bool nested = false;       // inside a member (its containers are on_the_way)
  };
  // A member read again by its offset for any needle (kReadBackBytes).
  struct ReadBack {
    uint64_t chain = 0;
    int64_t offset = -1;
    int64_t data_offset = -1;  // its data, read by pread alone; -1: by libarchive from `offset`
    uint64_t size = 0;         // its bytes the pass read (its header must say as much)
    // Its name in Container::names, when its header alone does not hold it (pax, GNU names).
    uint32_t name_at = 0, name_size = 0;
  };
  struct Group {
    TokenFilter words = TokenFilter::Wide();
    size_t set_bits = 0;
    std::vector<Listed> members;
    std::vector<uint64_t> on_the_way;  // hashes of the containers of its nested members
    bool unlisted = false;             // some member is not in `members` (kMaxListed)
    bool unfiltered = false;           // no words kept: read again for any needle
  };
  struct Stored {
    uint64_t at = 0;     // where its record starts in store_
    uint32_t head = 0;   // bytes of its chain, path and costliness, then
    uint64_t bytes = 0;  // its bytes
  };
  // A file of a raw disk image read again alone from the pieces of the image the pass read it
  // from (kMaxImageFileBytes).
  struct ImageFile {
    uint64_t chain = 0;  // ChainHash of its chain
    uint64_t bytes = 0;  // Entry::member_bytes
    // Its chain's last level, then its path, in Container::image_names.
    uint32_t name_at = 0, name_size = 0, path_size = 0;
    std::vector<FileExtent> extents;
  };
  // The image file as the pass read it: its files are read alone only while it still is.
  struct ImageStamp {
    uint64_t device = 0, inode = 0, size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const ImageStamp&) const = default;
  };
  // The stamp of the file open as `fd`; false when fstat fails.
  static bool Stamp(int fd, ImageStamp* stamp);
  struct Container {
    std::vector<std::string> files;  // the same display twice (an operand given twice)
    size_t deferred = 0;
    std::vector<Group> groups;
    std::vector<Stored> stored;  // kept whole, in store_
    std::vector<ReadBack> read_back;
    std::string names;  // of the members of read_back read by pread alone with long names
    std::vector<ImageFile> image_files;
    std::string image_names;
    ImageStamp image;                  // of the image the files are in
    std::weak_ptr<const Fd> image_fd;  // the descriptor the pass read it by (not kept open)
    std::vector<uint64_t> sole;        // chain hashes of its only member (Entry::sole_member)
  };
  // Lists `member`, a file of a disk image with its extents, to be read alone (under mu_);
  // false when it cannot be (over budget, another image file than the others').
  bool ListImageFile(Container& c, const input::Entry& member);
  // Reads the listed files of the disk image `c` alone, from the pieces of it the pass read them
  // from, shared among `jobs` threads, marking those read in `done`; false when the image is not
  // the file the pass read (changed, replaced, gone: `why`), before any is read.
  bool ReadImageFiles(const std::string& display, const Container& c, unsigned jobs,
                      const ReadMember& read, std::vector<char>* done, std::string* why);
  // Halves the groups of every container (kMaxGroups).
  void MergeGroups();
  // Whether `member` is one read again only by a walk of its container.
  static bool NeedsWalk(const input::Entry& member);
  // Whether `member` is a file of a disk image file: listed alone, read again by a walk of the
  // image that reads no other file (Entry::cheap_to_rewalk).
  static bool Rewalks(const input::Entry& member);
  // Whether the store has room for `bytes` more (under mu_).
  bool StoreHasRoom(uint64_t bytes) const;
  // Keeps `member` whole when the store has room.
  bool Store(const input::Entry& member);
  // Lists `member`, the only one of a compressed file, to be read again for any needle (under
  // mu_): false past kMaxSole.
  bool ListSole(const input::Entry& member);
  mutable std::mutex mu_;
  std::map<std::string, Container, std::less<>> containers_;
  size_t groups_ = 0;  // over all containers
  size_t listed_ = 0;
  size_t read_back_ = 0;  // over all containers
  size_t names_ = 0;      // bytes of Container::names, over all containers
  size_t sole_ = 0;       // Container::sole, over all containers
  std::string temp_dir_;
  uint64_t store_bytes_;
  std::unique_ptr<SpillStream> store_;  // the members kept whole, once one is
  size_t stored_ = 0;
  size_t image_bytes_ = 0;  // of image_files and their names, over all containers
  std::string replay_error_;
  std::vector<Notice> replay_notices_;
  size_t image_files_read_alone_ = 0;
  size_t containers_walked_again_ = 0;
  std::atomic<size_t> ruled_out_{0};  // counted by Replay's threads
};

// Walks the archive or image `operand` again for the members `members` alone (the containers on
// their way opened, every other member skipped unread: input::MemberFilter) and calls `read`
// once for each, on this thread. Returns how many were read: fewer when the operand cannot be
// opened again or changed since. `walk`: the pass's options (its `only` is replaced).
size_t ReadMembersAgain(const std::string& operand, input::WalkOptions walk,
                        const std::vector<Chain>& members,
                        const std::function<void(input::Entry&)>& read);

}  // namespace ntpsweep::scan
