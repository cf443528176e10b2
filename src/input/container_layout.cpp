// Image layouts stored as directories: an OCI image layout (what `skopeo copy ... oci:DIR` and
// umoci write) or an extracted `docker save`. Unlike a tar, the manifest can be read first, but
// the same one-pass collection as for tars is used so that both behave identically.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "input/container.h"
#include "input/container_layout.h"
#include "input/dispatch.h"

namespace ntpsweep::input {
namespace {

namespace fs = std::filesystem;

bool ReadSmallFile(const std::string& path, size_t cap, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= cap;
  if (ok) {
    out->resize(static_cast<size_t>(st.st_size));
    ssize_t n = pread(fd, out->data(), out->size(), 0);
    ok = n == st.st_size;
  }
  close(fd);
  return ok;
}

bool IsDockerManifest(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty()) return false;
  for (const auto& image : j)
    if (!image.is_object() || !image.contains("Layers") || !image["Layers"].is_array()) return false;
  return true;
}

// Every file below `dir`, relative, sorted; symbolic links are listed apart (never followed).
void ListTree(const std::string& dir, const std::string& rel, std::vector<std::string>* files,
              std::map<std::string, std::string>* links, int depth) {
  if (depth > 16) return;
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string child = dir + "/" + name, child_rel = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (lstat(child.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      std::string target(4096, '\0');
      ssize_t n = readlink(child.c_str(), target.data(), target.size());
      if (n > 0) (*links)[child_rel] = target.substr(0, static_cast<size_t>(n));
    } else if (S_ISDIR(st.st_mode)) {
      ListTree(child, child_rel, files, links, depth + 1);
    } else if (S_ISREG(st.st_mode)) {
      files->push_back(child_rel);
    }
  }
}

}  // namespace

bool ScanImageLayoutDir(const std::string& fs_dir, const std::string& display,
                        const WalkOptions& options, EntrySink& sink) {
  std::string text;
  bool oci = ReadSmallFile(fs_dir + "/oci-layout", 1 << 16, &text) &&
             text.find("imageLayoutVersion") != std::string::npos;
  bool docker = !oci && ReadSmallFile(fs_dir + "/manifest.json", 4u << 20, &text) && IsDockerManifest(text);
  if (!oci && !docker) return false;

  std::vector<std::string> files;
  ImageProbe probe;
  ListTree(fs_dir, "", &files, &probe.symlinks, 0);
  uint64_t total = 0;
  for (const std::string& f : files) {
    struct stat st;
    if (stat((fs_dir + "/" + f).c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_size);
  }
  if (options.progress) options.progress->BeginInput(display, total);
  if (options.verbose) options.verbose->Line("open", display, oci ? "OCI image layout" : "docker-save image");
  InputScan scan(options, sink, total);
  auto member_chain = [&](const std::string& m) { return Chain{display + "/" + m}; };
  for (const std::string& member : files) {
    if (scan.stopped()) break;
    std::string fs_path = fs_dir + "/" + member;
    Chain chain = member_chain(member);
    int fd = open(fs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
      scan.Note(Notice::Level::kWarning, "unreadable-entry", chain,
                "cannot read " + chain[0] + ": " + std::strerror(errno));
      continue;
    }
    struct stat st;
    fstat(fd, &st);
    std::string head(std::min<uint64_t>(static_cast<uint64_t>(st.st_size), kIsoProbeBytes), '\0');
    ssize_t n = pread(fd, head.data(), head.size(), 0);
    head.resize(n > 0 ? static_cast<size_t>(n) : 0);
    Sniffed s = Sniff(head);
    scan.AddEntry();
    const ContentReader* reader = FindContentReader(s.kind);
    if (reader && reader->stream) {  // a layer blob (tar, compressed tar) or another archive
      FdSource src(fd, true, nullptr);
      if (options.progress) options.progress->AddBytes(static_cast<uint64_t>(st.st_size));
      LayerIndex index;
      reader->stream(scan, src, chain, chain[0], 1, s, head, &index);
      if (index.is_tar) probe.layers[member] = std::move(index);
    } else if (s.kind != ContentKind::kPlain) {
      close(fd);
      fd = -1;
      OpenContainerFile(fs_path, chain[0], options, sink);
    } else {
      // Metadata and configs are scanned like any file (a config's history holds the RUN lines).
      std::string content;
      if (!LooksBinary(head) && ImageProbe::WantsJson(member, static_cast<uint64_t>(st.st_size)) &&
          ReadSmallFile(fs_path, 4u << 20, &content))
        probe.json[member] = content;
      Entry e;
      e.location.chain = chain;
      e.path = chain[0];
      e.fs_path = fs_path;
      sink.Add(std::move(e));
    }
    if (fd >= 0) close(fd);
  }
  auto image = ResolveImage(probe, Chain{display}, member_chain);
  if (image) {
    for (Notice& n : image->notices) sink.Report(std::move(n));
    for (LayerRewrite& l : image->layers) scan.amendment().layers.push_back(std::move(l));
  }
  return true;
}

bool OpenImageLayoutOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  struct stat st;
  if (stat(operand.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  return ScanImageLayoutDir(operand, JoinDisplayPath(operand, ""), options, sink);
}

}  // namespace ntpsweep::input
