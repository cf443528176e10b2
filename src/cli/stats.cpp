// --stats: files seen, what the gate spared, what each reader read, and time per phase.
#include <cstdio>
#include <ostream>

#include "cli/command.h"

namespace ntpsweep::cli {

void WriteStats(std::ostream& out, const ScanStats& s, double output_seconds) {
  char line[160];
  auto row = [&](const char* label, size_t n) {
    std::snprintf(line, sizeof line, "  %-26s %12zu\n", label, n);
    out << line;
  };
  out << "ntpsweep: statistics\n";
  size_t skipped = 0;
  for (const auto& [why, n] : s.skipped) skipped += n;
  row("entries seen", s.entries + s.binary_skipped + skipped);
  row("text entries read", s.entries);
  row("bytes of text", s.bytes);
  row("binary entries skipped", s.binary_skipped);
  row("prefiltered out", s.prefiltered_out);
  row("passed to the readers", s.analyzed);
  row("read for linkage", s.observed);
  row("ruled out for linkage", s.ruled_out);
  row("truncated", s.truncated);
  row("bytes decompressed", static_cast<size_t>(s.decompressed));
  row("file list bytes in memory", s.file_list_memory);
  row("file list bytes on disk", static_cast<size_t>(s.file_list_spilled));
  if (!s.file_list_error.empty())
    out << "  file list kept in memory: " << s.file_list_error << "\n";
  row("members kept for linkage", s.members_kept);
  row("member bytes on disk", static_cast<size_t>(s.member_bytes_on_disk));
  row("member bytes in memory", s.member_bytes_in_memory);
  if (!s.member_store_error.empty())
    out << "  members kept in memory: " << s.member_store_error << "\n";
  row("image files read alone", s.image_files_read_alone);
  row("containers walked again", s.containers_walked_again);
  row("file texts kept for linkage", s.link_texts_kept);
  row("file text bytes on disk", static_cast<size_t>(s.link_text_bytes_on_disk));
  row("file text bytes in memory", s.link_text_bytes_in_memory);
  if (!s.link_text_error.empty())
    out << "  file texts kept in memory: " << s.link_text_error << "\n";
  for (const auto& [why, n] : s.skipped) row(("skipped: " + why).c_str(), n);
  for (const auto& [syntax, n] : s.readers) row(("reader " + syntax).c_str(), n);
  for (const auto& [syntax, n] : s.readers_over_size)
    row(("reader " + syntax + " over size").c_str(), n);
  auto phase = [&](const std::string& name, double seconds) {
    std::snprintf(line, sizeof line, "  %-26s %11.3fs\n", ("time " + name).c_str(), seconds);
    out << line;
  };
  for (const auto& [name, seconds] : s.phases) phase(name, seconds);
  phase("output", output_seconds);
  phase("total", s.seconds + output_seconds);
  out << "  (walk, cross-file, output and total are wall time; read, prefilter, readers and rules "
         "are summed over the workers)\n";
}

}  // namespace ntpsweep::cli
