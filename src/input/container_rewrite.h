// Facts about entries that are only known after later entries were read: which image layer a
// blob is and which of its files upper layers hide (manifest.json comes last in `docker save`),
// and which names are hard links to a file read earlier. Openers report them as an Amendment;
// the pipeline applies them to the findings once every entry was analysed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/types.h"

namespace ntpsweep::input {

using Chain = std::vector<std::string>;

// A second name for content that was read once: findings under `target` are copied to `link`.
struct Alias {
  Chain target;
  Chain link;
  std::string kind = "hardlink";  // or "symlink"; the copies get property `<kind>To`
};

// How one image sees one layer blob.
struct LayerView {
  Chain image;         // chain of the image: {"app.tar"}, {"build/oci"}
  std::string prefix;  // "" or "linux-arm64/" when one operand holds several images
  int index = 0;       // 0 = base layer
  std::string digest;  // "sha256:...", when known
  // Path in this layer -> why the squashed file system does not show it.
  std::map<std::string, std::string> hidden;
};

struct LayerRewrite {
  Chain blob;                    // chain of the layer blob as it was read
  std::vector<LayerView> views;  // one per image that uses the blob
};

struct Amendment {
  std::vector<Alias> aliases;
  std::vector<LayerRewrite> layers;
  bool all_layers = false;  // --layers all: name every finding by its layer, demote none

  bool empty() const { return aliases.empty() && layers.empty(); }
};

// Applies the amendments: aliases first (in blob coordinates), then layer views. A finding in a
// layer file the squashed image shows is renamed `<image>!<path>`; one that an upper layer
// deleted or replaced becomes `<image>!layer-N/<path>`, activity `shadowed`, severity note.
// Findings get properties `layer` and `layerDigest`. Notices are renamed the same way.
void ApplyAmendments(const std::vector<Amendment>& amendments, std::vector<Finding>* findings,
                     std::vector<Notice>* notices);

}  // namespace ntpsweep::input
