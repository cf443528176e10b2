// The YAML tree rule and config files are read into (core/yaml_tree.h): kinds, places, aliases,
// and every malformed document refused with the place of its fault.
#include "core/yaml_tree.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

using ntpsweep::ParseYaml;
using ntpsweep::YamlNode;

YamlNode Parsed(const std::string& text) {
  auto parsed = ParseYaml(text);
  INFO("error: " << parsed.error);
  REQUIRE(parsed.error.empty());
  return parsed.root;
}

void RequireError(const std::string& text, int line, int column, const std::string& what) {
  auto parsed = ParseYaml(text);
  INFO("text:\n" << text << "\nerror: " << parsed.error);
  CHECK(!parsed.error.empty());
  CHECK(parsed.error.find(what) != std::string::npos);
  CHECK(parsed.mark.line == line);
  CHECK(parsed.mark.column == column);
  CHECK(!parsed.root.IsDefined());
}

}  // namespace

TEST_CASE("yaml tree: mappings, sequences and scalars with their places", "[yaml]") {
  YamlNode root = Parsed(
      "rules:\n"
      "  - id: a\n"
      "    tags: [x, 'y', \"z\"]\n"
      "    text: |\n"
      "      line one\n"
      "      line two\n"
      "  - id: b\n");
  REQUIRE(root.IsMap());
  CHECK(root.size() == 1);
  YamlNode rules = root["rules"];
  REQUIRE(rules.IsSequence());
  REQUIRE(rules.size() == 2);
  CHECK(rules.Mark().line == 1);
  YamlNode first = rules.Items()[0];
  REQUIRE(first.IsMap());
  // A block mapping in a sequence starts at its first key.
  CHECK(first.Mark().line == 1);
  CHECK(first.Mark().column == 4);
  CHECK(first["id"].Scalar() == "a");
  CHECK(first["id"].Mark().column == 8);
  std::vector<std::string> tags;
  for (const YamlNode& t : first["tags"]) tags.push_back(t.Scalar());
  CHECK(tags == std::vector<std::string>{"x", "y", "z"});
  CHECK(first["tags"].Items()[1].Mark().column == 14);
  CHECK(first["text"].Scalar() == "line one\nline two\n");
  CHECK(!first["absent"].IsDefined());
  CHECK(!first["absent"]);
  CHECK(first["id"]["nested"].IsDefined() == false);  // no mapping: nothing under it
  CHECK(rules.Items()[1]["id"].Scalar() == "b");
  CHECK(first.Entries()[0].first.Scalar() == "id");
  CHECK(first.Entries()[2].first.Mark().line == 3);
}

TEST_CASE("yaml tree: null is an untagged plain spelling; quoted or tagged it is text", "[yaml]") {
  YamlNode root = Parsed("a:\nb: ~\nc: null\nd: 'null'\ne: \"~\"\nf: !!str null\ng: nullx\n");
  CHECK(root["a"].IsNull());
  CHECK(root["b"].IsNull());
  CHECK(root["c"].IsNull());
  CHECK(!root["a"].IsScalar());
  CHECK(root["a"].Scalar().empty());
  CHECK(root["d"].IsScalar());
  CHECK(root["d"].Scalar() == "null");
  CHECK(root["e"].Scalar() == "~");
  CHECK(root["f"].IsScalar());
  CHECK(root["g"].Scalar() == "nullx");
}

TEST_CASE("yaml tree: an empty text or one of comments has no root", "[yaml]") {
  CHECK(!Parsed("").IsDefined());
  CHECK(!Parsed("# nothing here\n\n").IsDefined());
  CHECK(Parsed("---\n...\n").IsNull());
}

TEST_CASE("yaml tree: an alias is the anchored node itself, at the anchor's place", "[yaml]") {
  YamlNode root = Parsed(
      "base: &content\n"
      "  lines: x\n"
      "one:\n"
      "  content: *content\n"
      "two: *content\n");
  CHECK(root["one"]["content"]["lines"].Scalar() == "x");
  CHECK(root["two"]["lines"].Scalar() == "x");
  CHECK(root["two"].Mark().line == root["base"].Mark().line);
  CHECK(&root["two"].Entries() == &root["base"].Entries());
}

TEST_CASE("yaml tree: nested aliases stay the size of the text", "[yaml]") {
  // Ten levels of ten aliases each name 10^10 leaves when copied; shared, they are 100 nodes.
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", " : "") + prev;
    text += "]\n";
  }
  YamlNode root = Parsed(text);
  CHECK(root["l9"].size() == 10);
  CHECK(&root["l9"].Items()[0].Items() == &root["l8"].Items());
}

TEST_CASE("yaml tree: malformed documents name the place of the fault", "[yaml]") {
  SECTION("a mapping value where none may be") {
    RequireError("a:\n  short: a: b\n", 1, 10, "mapping values are not allowed");
  }
  SECTION("a key given twice") {
    RequireError("a: 1\nb: 2\na: 3\n", 2, 0, "key 'a' is given twice");
  }
  SECTION("the same key in different mappings is fine") {
    CHECK(Parsed("x: {a: 1}\ny: {a: 2}\n")["y"]["a"].Scalar() == "2");
  }
  SECTION("a key that is a collection") {
    RequireError("? [a, b]\n: c\n", 0, 2, "a mapping key must be a plain value");
  }
  SECTION("a second document") {
    RequireError("a: 1\n---\nb: 2\n", 1, 0, "second YAML document");
  }
  SECTION("an alias of an unknown anchor") {
    RequireError("a: *nowhere\n", 0, 3, "alias *nowhere names no complete node");
  }
  SECTION("an alias inside the node it names") {
    RequireError("a: &self [1, *self]\n", 0, 13, "names no complete node");
  }
  SECTION("nesting beyond 256 levels") {
    std::string deep(300, '[');
    deep += std::string(300, ']') + "\n";
    RequireError(deep, 0, 256, "nesting deeper than 256 levels");
  }
  SECTION("an unclosed quote") {
    auto parsed = ParseYaml("a: \"open\nb: c\n");
    CHECK(!parsed.error.empty());
    CHECK(parsed.mark.line >= 0);
  }
  SECTION("text that is not UTF-8") {
    auto parsed = ParseYaml(std::string("a: \xff\xfe\n"));
    CHECK(!parsed.error.empty());
  }
}
