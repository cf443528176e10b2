#include "core/yaml_tree.h"

#include <yaml.h>

#include <map>
#include <unordered_set>

namespace ntpsweep {
namespace {

// Deeper nesting is no configuration anyone writes, and a tree's destructor recurses per level.
constexpr size_t kMaxDepth = 256;

const std::string kEmptyScalar;
const std::vector<YamlNode> kNoItems;
const std::vector<std::pair<YamlNode, YamlNode>> kNoEntries;

YamlMark MarkOf(const yaml_mark_t& m) {
  return YamlMark{static_cast<int>(m.line), static_cast<int>(m.column)};
}

struct Parser {
  yaml_parser_t parser;
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t event{};
  bool held = false;
  ~Event() {
    if (held) yaml_event_delete(&event);
  }
};

// YAML 1.1's plain spellings of null (yaml-cpp and libyaml agree on these).
bool IsNullSpelling(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

}  // namespace

const std::string& YamlNode::Scalar() const {
  return IsScalar() ? data_->scalar : kEmptyScalar;
}

YamlNode YamlNode::operator[](std::string_view key) const {
  if (!IsMap()) return {};
  for (const auto& [k, v] : data_->entries)
    if (k.IsScalar() && k.data_->scalar == key) return v;
  return {};
}

const std::vector<YamlNode>& YamlNode::Items() const {
  return IsSequence() ? data_->items : kNoItems;
}

const std::vector<std::pair<YamlNode, YamlNode>>& YamlNode::Entries() const {
  return IsMap() ? data_->entries : kNoEntries;
}

// Turns libyaml's events into nodes: a stack of open collections, each mapping waiting for
// a key or a value.
class YamlBuilder {
 public:
  YamlParse Run(std::string_view text) {
    Parser p;
    yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    int documents = 0;
    for (;;) {
      Event e;
      if (!yaml_parser_parse(&p.parser, &e.event)) {
        std::string what = p.parser.problem ? p.parser.problem : "malformed YAML";
        if (p.parser.context) what += std::string(" ") + p.parser.context;
        return Failed(what, MarkOf(p.parser.problem_mark));
      }
      e.held = true;
      const yaml_event_t& ev = e.event;
      YamlMark mark = MarkOf(ev.start_mark);
      switch (ev.type) {
        case YAML_STREAM_END_EVENT:
          out_.root = root_;
          return std::move(out_);
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1)
            return Failed("a second YAML document; the file must hold one", mark);
          break;
        case YAML_SCALAR_EVENT: {
          std::string value(reinterpret_cast<const char*>(ev.data.scalar.value),
                            ev.data.scalar.length);
          auto data = std::make_shared<YamlNode::Data>();
          data->mark = mark;
          // A tagged or quoted ~ is text; only an untagged plain spelling is null.
          bool plain =
              ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev.data.scalar.plain_implicit;
          data->kind =
              plain && IsNullSpelling(value) ? YamlNode::Kind::kNull : YamlNode::Kind::kScalar;
          data->scalar = std::move(value);
          if (!Add(Wrap(std::move(data)), Anchor(ev.data.scalar.anchor), mark))
            return std::move(out_);
          break;
        }
        case YAML_ALIAS_EVENT: {
          auto it = anchors_.find(reinterpret_cast<const char*>(ev.data.alias.anchor));
          if (it == anchors_.end())
            return Failed("alias *" +
                              std::string(reinterpret_cast<const char*>(ev.data.alias.anchor)) +
                              " names no complete node before it",
                          mark);
          if (!Add(it->second, {}, mark)) return std::move(out_);
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          if (open_.size() >= kMaxDepth) return Failed("nesting deeper than 256 levels", mark);
          auto data = std::make_shared<YamlNode::Data>();
          data->mark = mark;
          bool map = ev.type == YAML_MAPPING_START_EVENT;
          data->kind = map ? YamlNode::Kind::kMap : YamlNode::Kind::kSequence;
          const yaml_char_t* anchor =
              map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor;
          open_.push_back(Open{Wrap(std::move(data)), Anchor(anchor), {}, {}, false});
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          Open done = std::move(open_.back());
          open_.pop_back();
          if (!Add(done.node, done.anchor, done.node.Mark())) return std::move(out_);
          break;
        }
        default:
          break;
      }
    }
  }

 private:
  struct Open {
    YamlNode node;
    std::string anchor;
    YamlNode key;                          // a mapping's key awaiting its value
    std::unordered_set<std::string> keys;  // keys seen in a mapping
    bool has_key = false;
  };

  static YamlNode Wrap(std::shared_ptr<YamlNode::Data> data) {
    YamlNode n;
    n.data_ = std::move(data);
    return n;
  }

  static std::string Anchor(const yaml_char_t* anchor) {
    return anchor ? reinterpret_cast<const char*>(anchor) : "";
  }

  void SetError(std::string what, YamlMark mark) {
    out_.error = std::move(what);
    out_.mark = mark;
    out_.root = {};
  }

  YamlParse Failed(std::string what, YamlMark mark) {
    SetError(std::move(what), mark);
    return std::move(out_);
  }

  // Places a finished node in the open collection (or as the root); false after an error.
  bool Add(const YamlNode& node, const std::string& anchor, YamlMark mark) {
    // Registered when complete, so no alias can make a node contain itself.
    if (!anchor.empty()) anchors_[anchor] = node;
    if (open_.empty()) {
      root_ = node;
      return true;
    }
    Open& parent = open_.back();
    if (parent.node.IsSequence()) {
      parent.node.data_->items.push_back(node);
      return true;
    }
    if (!parent.has_key) {
      if (!node.IsScalar() && !node.IsNull()) {
        SetError("a mapping key must be a plain value", mark);
        return false;
      }
      if (!parent.keys.insert(node.Scalar()).second) {
        SetError("key '" + node.Scalar() + "' is given twice in one mapping", mark);
        return false;
      }
      parent.key = node;
      parent.has_key = true;
      return true;
    }
    parent.node.data_->entries.emplace_back(parent.key, node);
    parent.has_key = false;
    return true;
  }

  std::vector<Open> open_;
  std::map<std::string, YamlNode, std::less<>> anchors_;
  YamlNode root_;
  YamlParse out_;
};

YamlParse ParseYaml(std::string_view text) {
  return YamlBuilder().Run(text);
}

std::string YamlSyntaxError(const YamlParse& parsed, std::string_view file) {
  return std::string(file) + ':' + std::to_string(parsed.mark.line + 1) + ':' +
         std::to_string(parsed.mark.column + 1) + ": YAML syntax error: " + parsed.error;
}

}  // namespace ntpsweep
