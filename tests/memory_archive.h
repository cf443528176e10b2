// Archives made in memory by libarchive's writer, for the tests that read them back.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ntpsweep::testing {

using ArchiveFiles = std::vector<std::pair<std::string, std::string>>;  // name -> bytes, in order
using ArchiveSetter = int (*)(archive*);  // an archive_write_set_format_* or _add_filter_* one

// `files` as regular members in `format` (raw: the one file's bytes alone), through `filters`
// in order; no padding after the last block.
inline std::string MemoryArchive(const ArchiveFiles& files, ArchiveSetter format,
                                 std::initializer_list<ArchiveSetter> filters = {}) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                            archive_write_free);
  REQUIRE(format(a.get()) == ARCHIVE_OK);
  for (ArchiveSetter filter : filters) REQUIRE(filter(a.get()) == ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(a.get(), 1);
  size_t total = 1u << 20;
  for (const auto& [name, data] : files) total += name.size() + data.size() + 2048;
  std::string buffer(total, '\0');
  size_t used = 0;
  REQUIRE(archive_write_open_memory(a.get(), buffer.data(), buffer.size(), &used) == ARCHIVE_OK);
  for (const auto& [name, data] : files) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    REQUIRE(archive_write_header(a.get(), e.get()) == ARCHIVE_OK);
    if (!data.empty())
      REQUIRE(archive_write_data(a.get(), data.data(), data.size()) ==
              static_cast<la_ssize_t>(data.size()));
  }
  REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  buffer.resize(used);
  return buffer;
}

}  // namespace ntpsweep::testing
