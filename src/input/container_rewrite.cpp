#include "input/container_rewrite.h"

#include <algorithm>
#include <unordered_map>

namespace ntpsweep::input {
namespace {

bool StartsWith(const Chain& chain, const Chain& prefix) {
  return chain.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), chain.begin());
}

std::string Key(const Chain& chain, size_t n) {
  std::string k;
  for (size_t i = 0; i < n; ++i) {
    k += chain[i];
    k += '\0';
  }
  return k;
}

void SetProperty(std::vector<std::pair<std::string, std::string>>* props, const std::string& key,
                 const std::string& value) {
  for (auto& [k, v] : *props)
    if (k == key) {
      v = value;
      return;
    }
  props->emplace_back(key, value);
  std::sort(props->begin(), props->end());
}

struct Renamed {
  Chain chain;
  const std::string* hidden_why = nullptr;
};

Renamed Rename(const Chain& chain, size_t k, const LayerView& view, bool all_layers) {
  Renamed r;
  const std::string& path = chain[k];
  // A file inside a nested archive is hidden when the archive is: look the member up.
  auto it = view.hidden.find(path);
  if (it != view.hidden.end()) r.hidden_why = &it->second;
  r.chain = view.image;
  std::string part = view.prefix;
  if (r.hidden_why || all_layers) part += "layer-" + std::to_string(view.index) + "/";
  r.chain.push_back(part + path);
  r.chain.insert(r.chain.end(), chain.begin() + static_cast<std::ptrdiff_t>(k) + 1, chain.end());
  return r;
}

}  // namespace

void ApplyAmendments(const std::vector<Amendment>& amendments, std::vector<Finding>* findings,
                     std::vector<Notice>* notices) {
  // 1. Hard links: the link's name gets the target's findings (still in blob coordinates, so
  //    that the layer views below treat both names alike).
  // Findings by every prefix of their chain: a root file system has thousands of links.
  std::unordered_map<std::string, std::vector<size_t>> by_prefix;
  bool any_alias = false;
  for (const Amendment& a : amendments) any_alias = any_alias || !a.aliases.empty();
  if (any_alias)
    for (size_t i = 0; i < findings->size(); ++i)
      for (size_t n = 1; n <= (*findings)[i].location.chain.size(); ++n)
        by_prefix[Key((*findings)[i].location.chain, n)].push_back(i);
  for (const Amendment& a : amendments) {
    for (const Alias& alias : a.aliases) {
      auto hit = by_prefix.find(Key(alias.target, alias.target.size()));
      if (hit == by_prefix.end()) continue;
      std::vector<size_t> under = hit->second;  // the map grows below
      for (size_t i : under) {
        const Finding& f = (*findings)[i];
        if (!StartsWith(f.location.chain, alias.target)) continue;
        Finding copy = f;
        Chain chain = alias.link;
        chain.insert(chain.end(), f.location.chain.begin() + static_cast<std::ptrdiff_t>(alias.target.size()),
                     f.location.chain.end());
        copy.location.chain = std::move(chain);
        SetProperty(&copy.properties, alias.kind + "To", Location{alias.target}.Render());
        // Indexed too: a symbolic link may name a hard link.
        for (size_t n = 1; n <= copy.location.chain.size(); ++n)
          by_prefix[Key(copy.location.chain, n)].push_back(findings->size());
        findings->push_back(std::move(copy));
      }
    }
  }
  // 2. Layer views.
  std::unordered_map<std::string, std::pair<const LayerRewrite*, bool>> by_blob;
  size_t longest = 0;
  for (const Amendment& a : amendments)
    for (const LayerRewrite& l : a.layers) {
      by_blob[Key(l.blob, l.blob.size())] = {&l, a.all_layers};
      longest = std::max(longest, l.blob.size());
    }
  if (by_blob.empty()) return;
  auto lookup = [&](const Chain& chain) -> std::pair<const LayerRewrite*, bool> {
    // The innermost layer wins: an image saved inside another image's layer.
    for (size_t k = std::min(longest, chain.size() - 1); k >= 1; --k) {
      auto it = by_blob.find(Key(chain, k));
      if (it != by_blob.end()) return it->second;
    }
    return {nullptr, false};
  };
  auto apply = [&](Finding& g, const LayerView& view, const Renamed& r, bool all_layers) {
    g.location.chain = r.chain;
    SetProperty(&g.properties, "layer", std::to_string(view.index));
    if (!view.digest.empty()) SetProperty(&g.properties, "layerDigest", view.digest);
    if (!r.hidden_why) return;
    SetProperty(&g.properties, "shadowedBy", *r.hidden_why);
    if (all_layers) return;  // every layer is reported as it is
    g.activity = Activity::kShadowed;
    g.severity = Severity::kNote;
    g.message += " (not in the image as a container sees it: " + *r.hidden_why + ")";
  };
  std::vector<Finding> extra;
  for (Finding& f : *findings) {
    if (f.location.chain.size() < 2) continue;
    auto [layer, all_layers] = lookup(f.location.chain);
    if (!layer || layer->views.empty()) continue;
    size_t k = layer->blob.size();
    Chain original = f.location.chain;
    // Every image but the first that uses this blob gets its own copy.
    for (size_t v = 1; v < layer->views.size(); ++v) {
      Finding copy = f;
      apply(copy, layer->views[v], Rename(original, k, layer->views[v], all_layers), all_layers);
      extra.push_back(std::move(copy));
    }
    apply(f, layer->views[0], Rename(original, k, layer->views[0], all_layers), all_layers);
  }
  for (Finding& f : extra) findings->push_back(std::move(f));
  // Related locations (scan/linkage.h) as the image shows them, like the findings they explain.
  for (Finding& f : *findings)
    for (RelatedLocation& r : f.related) {
      if (r.location.chain.size() < 2) continue;
      auto [layer, all_layers] = lookup(r.location.chain);
      if (!layer || layer->views.empty()) continue;
      r.location.chain =
          Rename(r.location.chain, layer->blob.size(), layer->views[0], all_layers).chain;
    }
  for (Notice& n : *notices) {
    if (n.location.chain.size() < 2) continue;
    auto [layer, all_layers] = lookup(n.location.chain);
    if (!layer || layer->views.empty()) continue;
    const LayerView& view = layer->views[0];
    n.location.chain = Rename(n.location.chain, layer->blob.size(), view, true).chain;
  }
}

}  // namespace ntpsweep::input
