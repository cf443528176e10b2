#include "input/container.h"

#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "input/member_path.h"

namespace ntpsweep::input {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxMetadataBytes = 4u << 20;
constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

std::string DirName(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

std::string BaseName(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Member paths as the walker stores them: no "./" or "/" prefix, no empty or "." segments.
std::string Normalize(std::string_view p) {
  std::string out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out += seg;
    }
    i = j + 1;
  }
  return out;
}

std::optional<Json> ParseJson(const ImageProbe& probe, const std::string& member) {
  auto it = probe.json.find(member);
  if (it == probe.json.end()) return std::nullopt;
  Json j = Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Follows member symlinks (skopeo's and Docker 25's legacy `<id>/layer.tar` links) inside the
// archive only.
std::string ResolveMember(const ImageProbe& probe, std::string member) {
  for (int hops = 0; hops < 8; ++hops) {
    auto it = probe.symlinks.find(member);
    if (it == probe.symlinks.end()) break;
    // ".." inside the archive: resolve lexically, never above its root.
    member = ResolveInsideRoot(member, it->second);
  }
  return member;
}

std::string BlobMember(const std::string& digest) {
  size_t colon = digest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == digest.size()) return "";
  std::string alg = digest.substr(0, colon), hex = digest.substr(colon + 1);
  if (alg.find('/') != std::string::npos || hex.find('/') != std::string::npos) return "";
  return "blobs/" + alg + "/" + hex;
}

// "blobs/sha256/<hex>" -> "sha256:<hex>"
std::string DigestOfMember(const std::string& member) {
  if (!member.starts_with("blobs/")) return "";
  std::string rest = member.substr(6);
  size_t slash = rest.find('/');
  if (slash == std::string::npos || rest.find('/', slash + 1) != std::string::npos) return "";
  return rest.substr(0, slash) + ":" + rest.substr(slash + 1);
}

std::string Sanitize(std::string s) {
  for (char& c : s)
    if (c == ':' || c == '/' || c == '@' || c == '!') c = '-';
  return s;
}

bool IsIndexType(const std::string& media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

std::optional<std::vector<ImagePlan>> PlanDocker(const ImageProbe& probe, const Json& manifest,
                                                 std::vector<std::string>* problems) {
  if (!manifest.is_array() || manifest.empty()) return std::nullopt;
  for (const Json& image : manifest)
    if (!image.is_object() || !image.contains("Layers") || !image["Layers"].is_array())
      return std::nullopt;  // a manifest.json of something else (a web app, a build tool)
  std::vector<ImagePlan> plans;
  for (size_t i = 0; i < manifest.size(); ++i) {
    const Json& image = manifest[i];
    ImagePlan plan;
    if (manifest.size() > 1) {
      const Json* tags = image.contains("RepoTags") ? &image["RepoTags"] : nullptr;
      if (tags && tags->is_array() && !tags->empty() && (*tags)[0].is_string())
        plan.prefix = Sanitize((*tags)[0].get<std::string>()) + "/";
      else
        plan.prefix = "image-" + std::to_string(i) + "/";
    }
    std::vector<std::string> diff_ids;
    std::string config = Normalize(StringField(image, "Config"));
    if (!config.empty()) {
      if (auto cfg = ParseJson(probe, ResolveMember(probe, config)); cfg && cfg->is_object()) {
        auto rootfs = cfg->find("rootfs");
        if (rootfs != cfg->end() && rootfs->is_object() && rootfs->contains("diff_ids") &&
            (*rootfs)["diff_ids"].is_array())
          for (const Json& d : (*rootfs)["diff_ids"])
            diff_ids.push_back(d.is_string() ? d.get<std::string>() : "");
      }
    }
    const Json& layers = image["Layers"];
    for (size_t l = 0; l < layers.size(); ++l) {
      if (!layers[l].is_string()) {
        problems->push_back("manifest.json: layer " + std::to_string(l) + " is not a path");
        continue;
      }
      ImageLayerRef ref;
      ref.member = ResolveMember(probe, Normalize(layers[l].get<std::string>()));
      ref.digest = DigestOfMember(ref.member);
      if (ref.digest.empty() && l < diff_ids.size()) ref.digest = diff_ids[l];
      plan.layers.push_back(std::move(ref));
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

struct OciImage {
  std::string platform;
  std::string manifest_member;
};

// `seen` holds every index and manifest blob met so far: each is read once however often the
// indexes name it (an index naming one nested index n times, four levels deep, was n^4 reads).
void CollectOci(const ImageProbe& probe, const Json& index, int depth, std::set<std::string>* seen,
                std::vector<OciImage>* images, std::vector<std::string>* problems) {
  auto manifests = index.find("manifests");
  if (manifests == index.end() || !manifests->is_array()) {
    problems->push_back("image index without a manifests list");
    return;
  }
  for (const Json& d : *manifests) {
    if (!d.is_object()) continue;
    std::string media = StringField(d, "mediaType");
    std::string member = BlobMember(StringField(d, "digest"));
    if (member.empty()) {
      problems->push_back("image index entry without a usable digest");
      continue;
    }
    // Build attestations (buildx) are manifests whose "layers" are in-toto JSON documents.
    if (d.contains("annotations") && d["annotations"].is_object() &&
        StringField(d["annotations"], "vnd.docker.reference.type") == "attestation-manifest")
      continue;
    std::string platform;
    if (d.contains("platform") && d["platform"].is_object()) {
      const Json& p = d["platform"];
      platform = StringField(p, "os") + "-" + StringField(p, "architecture");
      if (std::string v = StringField(p, "variant"); !v.empty()) platform += "-" + v;
      if (platform == "unknown-unknown") continue;
    }
    if (!seen->insert(member).second) continue;
    if (IsIndexType(media)) {
      if (depth >= 4) {
        problems->push_back("nested image index " + member +
                            " is nested deeper than 4 indexes: not read");
        continue;
      }
      auto nested = ParseJson(probe, member);
      if (!nested) {
        problems->push_back("nested image index " + member + " is missing or unreadable");
        continue;
      }
      CollectOci(probe, *nested, depth + 1, seen, images, problems);
      continue;
    }
    images->push_back({Sanitize(platform), member});
  }
}

std::optional<std::vector<ImagePlan>> PlanOci(const ImageProbe& probe, const Json& index,
                                              std::vector<std::string>* problems) {
  if (!index.is_object()) {
    problems->push_back("index.json is not a JSON object");
    return std::vector<ImagePlan>{};
  }
  std::vector<OciImage> images;
  std::set<std::string> seen;
  CollectOci(probe, index, 0, &seen, &images, problems);
  std::vector<ImagePlan> plans;
  std::set<std::string> used;
  for (size_t i = 0; i < images.size(); ++i) {
    ImagePlan plan;
    if (images.size() > 1) {
      std::string name = images[i].platform.empty() ? "image-" + std::to_string(i)
                                                    : images[i].platform;
      if (!used.insert(name).second) name += "-" + std::to_string(i);
      plan.prefix = name + "/";
    }
    auto manifest = ParseJson(probe, images[i].manifest_member);
    if (!manifest || !manifest->is_object() || !manifest->contains("layers") ||
        !(*manifest)["layers"].is_array()) {
      problems->push_back("image manifest " + images[i].manifest_member +
                          " is missing or has no layers list");
      continue;
    }
    for (const Json& layer : (*manifest)["layers"]) {
      if (!layer.is_object()) continue;
      ImageLayerRef ref;
      ref.digest = StringField(layer, "digest");
      ref.member = BlobMember(ref.digest);
      if (ref.member.empty()) {
        problems->push_back("image manifest " + images[i].manifest_member +
                            ": a layer without a usable digest");
        continue;
      }
      plan.layers.push_back(std::move(ref));
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace

bool ImageProbe::WantsJson(const std::string& path, uint64_t size) {
  if (size > kMaxMetadataBytes) return false;
  if (path == "manifest.json" || path == "index.json" || path == "oci-layout" ||
      path == "repositories")
    return true;
  if (path.find('/') == std::string::npos && path.ends_with(".json")) return true;  // classic config
  return path.starts_with("blobs/");
}

std::optional<std::vector<ImagePlan>> PlanImages(const ImageProbe& probe, std::string* kind,
                                                 std::vector<std::string>* problems) {
  // Docker >= 25 writes both manifest.json and an OCI index: manifest.json is the simpler of
  // the two and names the same layers.
  if (auto manifest = ParseJson(probe, "manifest.json")) {
    if (auto plans = PlanDocker(probe, *manifest, problems)) {
      *kind = "docker-archive";
      return plans;
    }
  }
  if (probe.json.count("oci-layout") && probe.json.count("index.json")) {
    *kind = "oci-layout";
    auto index = ParseJson(probe, "index.json");
    if (!index) {
      problems->push_back("index.json is not valid JSON");
      return std::nullopt;
    }
    return PlanOci(probe, *index, problems);
  }
  return std::nullopt;
}

std::vector<std::map<std::string, std::string>> HiddenPaths(
    const std::vector<const LayerIndex*>& layers) {
  std::vector<std::map<std::string, std::string>> hidden(layers.size());
  // What the layers above the one being checked did, with the nearest layer's reason.
  std::unordered_map<std::string, std::string> exact;    // an upper entry at this very path
  std::unordered_map<std::string, std::string> subtree;  // this path and all below are gone
  std::unordered_map<std::string, std::string> opaque;   // lower children of this dir are gone
  for (size_t i = layers.size(); i-- > 0;) {
    for (const LayerEntry& e : layers[i]->entries) {
      if (e.type == LayerEntry::Type::kDir) continue;
      std::string base = BaseName(e.path);
      if (base.starts_with(kWhiteout)) continue;  // metadata, not content
      const std::string* why = nullptr;
      if (auto it = exact.find(e.path); it != exact.end()) why = &it->second;
      // Walk the ancestors from the top: the first one removed explains it.
      for (size_t pos = 0; !why;) {
        size_t slash = e.path.find('/', pos);
        std::string prefix = slash == std::string::npos ? e.path : e.path.substr(0, slash);
        std::string parent = DirName(prefix);
        if (auto it = opaque.find(parent); it != opaque.end()) why = &it->second;
        else if (auto it2 = subtree.find(prefix); it2 != subtree.end()) why = &it2->second;
        if (slash == std::string::npos) break;
        pos = slash + 1;
      }
      if (why) hidden[i][e.path] = *why;
    }
    // This layer's own whiteouts and entries act on the layers below it only.
    std::string layer = "layer " + std::to_string(i);
    for (const LayerEntry& e : layers[i]->entries) {
      std::string base = BaseName(e.path), dir = DirName(e.path);
      if (base == kOpaque) {
        opaque[dir] = "hidden by the opaque directory " + (dir.empty() ? "/" : dir) + " in " + layer;
      } else if (base.starts_with(kWhiteout)) {
        std::string_view removed = std::string_view(base).substr(kWhiteout.size());
        if (removed.empty() || removed == "." || removed == "..") continue;  // names no entry
        std::string target = (dir.empty() ? "" : dir + "/") + std::string(removed);
        subtree[target] = "deleted in " + layer + " (" + base + ")";
      } else {
        exact[e.path] = "replaced in " + layer;
        if (e.type != LayerEntry::Type::kDir) subtree[e.path] = "replaced by a non-directory in " + layer;
      }
    }
  }
  return hidden;
}

}  // namespace ntpsweep::input
