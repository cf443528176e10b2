// Tests for PrimaryLocationLineHashes against GitHub codeql-action's rolling line hash
// (src/fingerprints.ts, function `hash`), which upload-sarif stores in
// partialFingerprints.primaryLocationLineHash.
//
// Sources of the expected values:
//  [REF]  github/codeql-action src/fingerprints.test.ts, test "hash", as stored at commit
//         a7d3945ab4c0fd136ba0970df5a1b7ca4dadb07a (the same vectors, minus the "x = 2" one, are
//         in the older 06fb4821bc5072ed100eda4cf20691ae907c5913, and in lib/fingerprints.test.js
//         of the file-reading version of `hash`).
//  [FIX]  github/codeql-action end-to-end test "addFingerprints":
//         src/testdata/fingerprinting.expected.sarif (ed9e55c0bf812be10f811617a89aad9585bce2d9)
//         gives the hash of src/testdata/testFile1.js line 1 (ed9e55c0...) and of
//         src/testdata/testFile2.js line 2 (28ccc3db2d21efb2af5c520fe12730aca2090096).
//  [JS]   The reference tests have no vectors for long lines, non-ASCII text, a BOM, malformed
//         UTF-8 or many lines. These values came from a throwaway Node v20 re-implementation of
//         the reference semantics (BigInt in place of the `long` package), which read each input
//         the same way the reference does (fs.createReadStream(path, "utf8") + charCodeAt). It
//         was kept out of the repository. It reproduced every [REF] and [FIX] value above, and
//         it agreed with PrimaryLocationLineHashes on about 1,100 random byte files, some over
//         64 KiB.
#include "core/line_hash.h"

#include <catch2/catch.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ntpsweep::PrimaryLocationLineHashes;
using Hashes = std::vector<std::string>;

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The reference test also checks that one hash is reported per element of
// input.split(/\r\n|\r|\n/). CR and LF are ASCII, so counting them on the bytes is the same.
size_t SplitLineCount(std::string_view text) {
  size_t n = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++n;
    } else if (text[i] == '\r') {
      ++n;
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    }
  }
  return n;
}

void CheckHashes(std::string_view input, const Hashes& expected) {
  INFO("input: \"" << std::string(input) << "\"");
  Hashes got = PrimaryLocationLineHashes(input);
  CHECK(got == expected);
  CHECK(got.size() == SplitLineCount(input));
}

// The reference's hash of the padding after the last line: the value for an empty file, and for
// the empty last line after a trailing newline.
const std::string kEmptyTail = "c129715d7a2bc9a3:1";

// Expected hashes shared by the reference's four line-ending variants of the same text.
const Hashes kGreetingsTerminated = {
    "e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", kEmptyTail,
};

const Hashes kLorem = {
    "a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3", "a7f2ff13bc495cf2:4",
    "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6", "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1",
    "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1", kEmptyTail,
};

}  // namespace

// ---- [REF] src/fingerprints.test.ts @ a7d3945ab4c0fd136ba0970df5a1b7ca4dadb07a -----------------

TEST_CASE("line hash [REF]: empty file", "[line_hash]") {
  CheckHashes("", {kEmptyTail});
}

TEST_CASE("line hash [REF]: leading spaces and tabs, no trailing newline", "[line_hash]") {
  CheckHashes(" a\nb\n  \t\tc\n d", {
                                        "271789c17abda88f:1",
                                        "54703d4cd895b18:1",
                                        "180aee12dab6264:1",
                                        "a23a3dc5e078b07b:1",
                                    });
}

TEST_CASE("line hash [REF]: blank lines, no trailing newline", "[line_hash]") {
  CheckHashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End", {
                                                                     "8b7cf3e952e7aeb2:1",
                                                                     "b1ae1287ec4718d9:1",
                                                                     "bff680108adb0fcc:1",
                                                                     "c6805c5e1288b612:1",
                                                                     "b86d3392aea1be30:1",
                                                                     "e6ceba753e1a442:1",
                                                                 });
}

TEST_CASE("line hash [REF]: LF, CR, CRLF and mixed line endings hash the same", "[line_hash]") {
  CheckHashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", kGreetingsTerminated);
  CheckHashes(" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", kGreetingsTerminated);
  CheckHashes(" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
              kGreetingsTerminated);
  CheckHashes(" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", kGreetingsTerminated);
}

TEST_CASE("line hash [REF]: repeated identical lines get :n counts", "[line_hash]") {
  CheckHashes(Repeat("Lorem ipsum dolor sit amet.\n", 10), kLorem);
}

TEST_CASE("line hash [REF]: short statements", "[line_hash]") {
  CheckHashes("x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
              {
                  "e54938cc54b302f1:1",
                  "bb609acbe9138d60:1",
                  "1131fd5871777f34:1",
                  "5c482a0f8b35ea28:1",
                  "54517377da7028d2:1",
                  "2c644846cb18d53e:1",
                  "f1b89f20de0d133:1",
                  kEmptyTail,
              });
}

// ---- [FIX] src/testdata/fingerprinting.expected.sarif @ ed9e55c0bf812be10f811617a89aad9585bce2d9

TEST_CASE("line hash [FIX]: addFingerprints fixture files", "[line_hash]") {
  // src/testdata/testFile1.js; the fixture expects line 1.
  Hashes file1 = PrimaryLocationLineHashes("var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n");
  REQUIRE(file1.size() == 5);
  CHECK(file1[0] == "5e4d5a9cf1294ad9:1");
  // src/testdata/testFile2.js; the fixture expects line 2.
  Hashes file2 =
      PrimaryLocationLineHashes("var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n");
  REQUIRE(file2.size() == 5);
  CHECK(file2[1] == "f7592a95a9381ac0:1");
}

// ---- [JS] Node v20 re-implementation of the reference semantics (see the header comment) -------

TEST_CASE("line hash [JS]: CRLF copy of the reference's repeated lines", "[line_hash]") {
  // The Node run gave the [REF] Lorem values again, as the CRLF-to-LF folding implies.
  CheckHashes(Repeat("Lorem ipsum dolor sit amet.\r\n", 10), kLorem);
}

TEST_CASE("line hash [JS]: lines longer than the 100-character block", "[line_hash]") {
  CheckHashes("const longName = \"" + Repeat("abcdefghij", 12) + "\";\nreturn longName;\n",
              {"8274e46876806112:1", "7e6629c8db9bb009:1", kEmptyTail});
  CheckHashes("\t\t" + Repeat("x = y + z; ", 15) + "\n  end\n",
              {"9fbcd6abf9f23da8:1", "fe2be582c6296f40:1", kEmptyTail});
  CheckHashes(Repeat("x", 150), {"52b56201ffb58620:1"});
}

TEST_CASE("line hash [JS]: lone CR at EOF and CR before CRLF", "[line_hash]") {
  CheckHashes("a\r", {"243cbaa4685aab12:1", kEmptyTail});
  CheckHashes("a\r\r\nb", {"67c066a59e652f5e:1", "cc4c43d77869440f:1", "8ee5a81e681643c1:1"});
}

TEST_CASE("line hash [JS]: leading whitespace differs, following text differs", "[line_hash]") {
  // Each hash covers the next 100 characters, so these equal-looking lines get different hashes.
  CheckHashes("foo();\n  foo();\n\tfoo();\nbar();\n", {
                                                          "2fbbe4a8d15dd9d4:1",
                                                          "92c77a468187641a:1",
                                                          "1aa1ec193cad97a8:1",
                                                          "4770d21859988bde:1",
                                                          kEmptyTail,
                                                      });
}

TEST_CASE("line hash [JS]: 250 lines, counts and window wrap-around", "[line_hash]") {
  std::string text;
  for (int i = 0; i < 250; ++i) text += (i ? "\n" : "") + std::string("line ") + char('0' + i % 7);
  text += "\n";
  Hashes got = PrimaryLocationLineHashes(text);
  REQUIRE(got.size() == 251);
  const std::map<size_t, std::string> expected = {
      {1, "ab6d879c3e78ab7:1"},    {2, "ae5f6b9409dbc19:1"},     {3, "ed84bf661f90a58b:1"},
      {4, "8880d6a280e138d:1"},    {5, "918005293b9b969f:1"},    {6, "b4cfb4d71107a341:1"},
      {7, "d315555093ecf620:1"},   {8, "ab6d879c3e78ab7:2"},     {9, "ae5f6b9409dbc19:2"},
      {14, "d315555093ecf620:2"},  {15, "ab6d879c3e78ab7:3"},    {99, "ab6d879c3e78ab7:15"},
      {100, "ae5f6b9409dbc19:15"}, {101, "ed84bf661f90a58b:15"}, {102, "8880d6a280e138d:15"},
      {240, "44480f9617289e24:1"}, {245, "e0aa352a0dbe7f1f:1"},  {247, "89bf9cd4a99e2b0d:1"},
      {248, "5789e12b5a2363e:1"},  {249, "d8ba4267bfcb2862:1"},  {250, "98274374b5f90f51:1"},
      {251, kEmptyTail},
  };
  for (const auto& [line, hash] : expected) {
    INFO("line " << line);
    CHECK(got[line - 1] == hash);
  }
}

TEST_CASE("line hash [JS]: non-ASCII text hashes UTF-16 code units", "[line_hash]") {
  // "café = 1;\n名前 = 2;\n😀 emoji\n"; U+1F600 is a surrogate pair, two units.
  CheckHashes("caf\xC3\xA9 = 1;\n\xE5\x90\x8D\xE5\x89\x8D = 2;\n\xF0\x9F\x98\x80 emoji\n",
              {"6b5667187c647eea:1", "ae79d3592402a6a0:1", "1d544e2512e05256:1", kEmptyTail});
}

TEST_CASE("line hash [JS]: a UTF-8 BOM is hashed as U+FEFF", "[line_hash]") {
  // Node's "utf8" stream decoding keeps the BOM.
  CheckHashes(
      "\xEF\xBB\xBF"
      "int x;\nint y;\n",
      {"6e65a8960366240f:1", "e18907962e56e2a4:1", kEmptyTail});
}

TEST_CASE("line hash [JS]: malformed UTF-8 decodes as in Node", "[line_hash]") {
  // A truncated sequence (E0 A0) is one U+FFFD, not one per byte.
  CheckHashes(
      "ab\xE0\xA0"
      "c\n",
      {"a43e6bdace2e0c9c:1", kEmptyTail});
  CHECK(PrimaryLocationLineHashes("ab\xE0\xA0"
                                  "c\n") == PrimaryLocationLineHashes("ab\xEF\xBF\xBD"
                                                                      "c\n"));
  // A sequence cut off at EOF (F0 9F 98) is one U+FFFD.
  CheckHashes("x\xF0\x9F\x98", {"a04c6c4c7ed37368:1"});
  CHECK(PrimaryLocationLineHashes("x\xF0\x9F\x98") == PrimaryLocationLineHashes("x\xEF\xBF\xBD"));
  // An overlong form (E0 80 80) is three U+FFFD, one per byte.
  CheckHashes("\xE0\x80\x80\n", {"66bb4c1842ee204c:1", kEmptyTail});
  CHECK(PrimaryLocationLineHashes("\xE0\x80\x80\n") ==
        PrimaryLocationLineHashes("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\n"));
  // A byte that can never occur in UTF-8 (FF) is one U+FFFD.
  CheckHashes(
      "a\xFF"
      "b\n",
      {"9f7bd17d959811b9:1", kEmptyTail});
}

TEST_CASE("line hash: asking for some lines gives the same values as hashing them all", "[line_hash]") {
  std::string text;
  for (int i = 0; i < 250; ++i) text += (i % 3 ? "line " : "\r\n  x") + std::to_string(i % 7) + "\n";
  Hashes all = PrimaryLocationLineHashes(text);
  std::vector<uint32_t> wanted = {1, 8, 8, 99, 100, 250, static_cast<uint32_t>(all.size())};
  auto some = ntpsweep::PrimaryLocationLineHashes(text, wanted);
  CHECK(some.size() == 6);  // the repeated 8 once
  for (uint32_t line : wanted) {
    INFO("line " << line);
    CHECK(some.at(line) == all[line - 1]);
  }
  // A line past the end has no value; nothing else is invented.
  CHECK(ntpsweep::PrimaryLocationLineHashes(text, {static_cast<uint32_t>(all.size() + 1)}).empty());
}
