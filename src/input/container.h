// Container images: `docker save` tarballs (classic and Docker >= 25 layouts), OCI image layouts
// (a directory or a tar) and image indexes. The archive walker reads every member of a tar in
// one pass; members that are themselves tars leave an index of their entries (a LayerIndex), and
// small JSON members are kept. When the walk ends, ResolveImage decides whether that tar was an
// image: if so it orders the layers by the manifest, applies whiteouts, opaque directories and
// replacements (OCI image-spec layer.md), and returns how each layer blob is seen.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "input/container_rewrite.h"
#include "input/input.h"

namespace ntpsweep::input {

struct LayerEntry {
  enum class Type { kFile, kDir, kHardlink, kSymlink, kOther };
  std::string path;  // normalised member path: "etc/ntp.conf", "etc/.wh.chrony.conf"
  Type type = Type::kFile;
};

struct LayerIndex {
  std::vector<LayerEntry> entries;
  bool is_tar = false;
};

// What one archive level collected for ResolveImage.
struct ImageProbe {
  std::map<std::string, std::string> json;      // member path -> content (small metadata files)
  std::map<std::string, LayerIndex> layers;     // member path -> entries, for members that are tars
  std::map<std::string, std::string> symlinks;  // member path -> link target (legacy layer.tar links)

  // Whether a member's content should be kept in `json`: image metadata names at the root of
  // the archive, and small blobs (manifests, configs, indexes).
  static bool WantsJson(const std::string& path, uint64_t size);
};

struct ImageResolution {
  std::vector<LayerRewrite> layers;
  std::vector<Notice> notices;
  std::string kind;  // "docker-archive" or "oci-layout"
};

// `image` is the chain of the archive (or directory) the probe describes; `blob_chain` maps a
// member path to the chain the member was read under. Returns nothing when the probe does not
// describe an image.
template <typename BlobChain>
std::optional<ImageResolution> ResolveImage(const ImageProbe& probe, const Chain& image,
                                            BlobChain blob_chain);

// Squashes ordered layers: for each layer, the paths an upper layer hides, with the reason.
// Exposed for tests.
std::vector<std::map<std::string, std::string>> HiddenPaths(
    const std::vector<const LayerIndex*>& layers);

// Implementation detail of ResolveImage (non-template part).
struct ImageLayerRef {
  std::string member;  // member path of the blob
  std::string digest;
};
struct ImagePlan {
  std::string prefix;  // "" for a single image
  std::vector<ImageLayerRef> layers;
};
std::optional<std::vector<ImagePlan>> PlanImages(const ImageProbe& probe, std::string* kind,
                                                 std::vector<std::string>* problems);

template <typename BlobChain>
std::optional<ImageResolution> ResolveImage(const ImageProbe& probe, const Chain& image,
                                            BlobChain blob_chain) {
  ImageResolution out;
  std::vector<std::string> problems;
  std::optional<std::vector<ImagePlan>> plans = PlanImages(probe, &out.kind, &problems);
  for (const std::string& p : problems)
    out.notices.push_back(Notice{Notice::Level::kWarning, "image-error", Location{image}, 0, 0,
                                 Location{image}.Render() + ": " + p});
  if (!plans) {
    if (problems.empty()) return std::nullopt;
    return out;
  }
  std::map<std::string, size_t> rewrite_of;  // member -> index in out.layers
  for (const ImagePlan& plan : *plans) {
    std::vector<const LayerIndex*> indexes;
    static const LayerIndex kEmpty;
    for (const ImageLayerRef& l : plan.layers) {
      auto it = probe.layers.find(l.member);
      indexes.push_back(it == probe.layers.end() ? &kEmpty : &it->second);
      if (it == probe.layers.end())
        out.notices.push_back(Notice{Notice::Level::kWarning, "image-layer-missing",
                                     Location{image}, 0, 0,
                                     Location{image}.Render() + ": layer " + l.member +
                                         " named by the manifest was not read as a tar"});
    }
    std::vector<std::map<std::string, std::string>> hidden = HiddenPaths(indexes);
    for (size_t i = 0; i < plan.layers.size(); ++i) {
      const ImageLayerRef& l = plan.layers[i];
      auto [it, added] = rewrite_of.emplace(l.member, out.layers.size());
      if (added) out.layers.push_back(LayerRewrite{blob_chain(l.member), {}});
      LayerView view;
      view.image = image;
      view.prefix = plan.prefix;
      view.index = static_cast<int>(i);
      view.digest = l.digest;
      view.hidden = std::move(hidden[i]);
      out.layers[it->second].views.push_back(std::move(view));
    }
  }
  return out;
}

}  // namespace ntpsweep::input
