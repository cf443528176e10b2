#include "syntax/text.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <new>

namespace ntpsweep::syntax {

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    else return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

GunzipStatus Gunzip(std::string_view in, std::string* out, size_t limit) {
  // libarchive is already a dependency; its raw format with the gzip filter is a plain inflater.
  out->clear();
  if (in.size() < 2 || static_cast<unsigned char>(in[0]) != 0x1f ||
      static_cast<unsigned char>(in[1]) != 0x8b)
    return GunzipStatus::kNotGzip;
  struct Free {
    void operator()(struct archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<struct archive, Free> a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_raw(a.get());
  struct archive_entry* entry = nullptr;
  if (archive_read_open_memory(a.get(), in.data(), in.size()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
    return GunzipStatus::kCorrupt;
  char buf[16384];
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
    if (n < 0) return GunzipStatus::kCorrupt;
    if (n == 0) return GunzipStatus::kOk;
    size_t room = limit - out->size();
    out->append(buf, std::min(room, static_cast<size_t>(n)));
    if (static_cast<size_t>(n) > room) return GunzipStatus::kTooLarge;
  }
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void ReadCommentedLines(std::string_view text, std::initializer_list<std::string_view> markers,
                        Document* out, const std::function<void(std::string_view view)>& read) {
  std::string marker_chars;
  for (std::string_view m : markers) marker_chars += m;
  std::string v(text);
  bool any = false;
  for (size_t pos = 0; pos < v.size();) {
    size_t e = v.find('\n', pos);
    if (e == std::string::npos) e = v.size();
    size_t i = pos;
    while (i < e && (v[i] == ' ' || v[i] == '\t')) ++i;
    std::string_view line = std::string_view(v).substr(i, e - i);
    bool comment = false;
    for (std::string_view m : markers) comment = comment || line.starts_with(m);
    if (comment) {
      any = true;
      while (i < e && marker_chars.find(v[i]) != std::string::npos) v[i++] = ' ';
    } else {
      for (size_t k = pos; k < e; ++k) v[k] = ' ';
    }
    pos = e + 1;
  }
  if (!any) return;
  std::string_view stored = out->Keep(std::move(v));
  size_t first = out->facts.size();
  read(stored);
  for (size_t k = first; k < out->facts.size(); ++k)
    for (Token& t : out->facts[k].args)
      if (t.verbatim() && t.text.data() >= stored.data() &&
          t.text.data() < stored.data() + stored.size())
        t.text = text.substr(t.offset, t.text.size());
}

}  // namespace ntpsweep::syntax
