// A YAML document as a read-only tree of strings, parsed with libyaml: rule files and the config
// file need mappings, sequences and scalars with their positions, nothing typed. An alias shares
// the node its anchor names, so a file of nested aliases stays the size of its text.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ntpsweep {

// 0-based line and column of a node's first character; -1 when the node has no place.
struct YamlMark {
  int line = -1;
  int column = -1;
};

class YamlNode {
 public:
  enum class Kind { kUndefined, kNull, kScalar, kSequence, kMap };

  YamlNode() = default;

  bool IsDefined() const { return data_ != nullptr; }
  bool IsNull() const { return data_ && data_->kind == Kind::kNull; }
  bool IsScalar() const { return data_ && data_->kind == Kind::kScalar; }
  bool IsSequence() const { return data_ && data_->kind == Kind::kSequence; }
  bool IsMap() const { return data_ && data_->kind == Kind::kMap; }
  explicit operator bool() const { return IsDefined(); }

  // The text of a scalar; empty for every other kind.
  const std::string& Scalar() const;
  YamlMark Mark() const { return data_ ? data_->mark : YamlMark{}; }

  // The value of `key` in a mapping; an undefined node when absent or when this is no mapping.
  YamlNode operator[](std::string_view key) const;
  // Items of a sequence, (key, value) entries of a mapping in file order; empty otherwise.
  const std::vector<YamlNode>& Items() const;
  const std::vector<std::pair<YamlNode, YamlNode>>& Entries() const;
  size_t size() const { return IsMap() ? Entries().size() : Items().size(); }

  // Range-for over a sequence's items.
  std::vector<YamlNode>::const_iterator begin() const { return Items().begin(); }
  std::vector<YamlNode>::const_iterator end() const { return Items().end(); }

 private:
  friend class YamlBuilder;
  struct Data {
    Kind kind = Kind::kNull;
    YamlMark mark;
    std::string scalar;
    std::vector<YamlNode> items;
    std::vector<std::pair<YamlNode, YamlNode>> entries;
  };
  std::shared_ptr<Data> data_;
};

// Parse result: the document's root (undefined for an empty text), or an error at `mark`.
struct YamlParse {
  YamlNode root;
  std::string error;  // empty when parsed
  YamlMark mark;
};

// Parses the single document of `text`. A second document, a key that is no scalar and a key
// given twice in one mapping are errors, as each would hide part of the file from its reader.
YamlParse ParseYaml(std::string_view text);

// "file:LINE:COLUMN: YAML syntax error: what" for a parse that failed.
std::string YamlSyntaxError(const YamlParse& parsed, std::string_view file);

}  // namespace ntpsweep
