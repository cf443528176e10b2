// PeekSource (input/stream.h): the head read for sniffing is a view of the inner source's first
// block when that block holds it (no copy per member), a copy once it is owned or spans blocks,
// and the source's bytes replay whole after it either way.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "byte_blocks.h"
#include "input/stream.h"

namespace {

using ntpsweep::input::ByteSource;
using ntpsweep::input::PeekSource;
using ntpsweep::testing::ByteBlocks;

// Hands out `data` in blocks of `block` bytes through one buffer it overwrites on every call,
// as FdSource and libarchive do: a block is valid until the next call only.
class ReusedBuffer : public ByteSource {
 public:
  ReusedBuffer(std::string data, size_t block) : data_(std::move(data)), block_(block) {}
  bool Next(std::string_view* b) override {
    size_t n = std::min(block_, data_.size() - pos_);
    buffer_.assign(data_, pos_, n);
    buffer_.resize(block_, '#');  // what a reused buffer holds past the block: not the data
    pos_ += n;
    eof_ = n == 0;
    *b = std::string_view(buffer_.data(), n);
    return true;
  }
  bool at_eof() const override { return eof_; }
  const char* buffer() const { return buffer_.data(); }

 private:
  std::string data_, buffer_;
  size_t block_, pos_ = 0;
  bool eof_ = false;
};

std::string Text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "server 10.20.30." + std::to_string(i % 250) + "\n";
  s.resize(n);
  return s;
}

std::string ReadRest(PeekSource& peek) {
  std::string out;
  std::string_view b;
  while (peek.Next(&b) && !b.empty()) out.append(b);
  return out;
}

}  // namespace

TEST_CASE("peek: a head the first block holds is that block, not a copy") {
  const std::string data = Text(20000);
  ReusedBuffer src(data, 16384);
  PeekSource peek(src);
  REQUIRE(peek.Fill(8192));
  CHECK(peek.head() == std::string_view(data).substr(0, 8192));
  CHECK(peek.head().data() == src.buffer());
  // A longer probe within the same block grows the view in place.
  REQUIRE(peek.Fill(12000));
  CHECK(peek.head() == std::string_view(data).substr(0, 12000));
  CHECK(peek.head().data() == src.buffer());
  CHECK(ReadRest(peek) == data);
  CHECK(peek.at_eof());
}

TEST_CASE("peek: an owned head survives the source's next blocks") {
  const std::string data = Text(50000);
  ReusedBuffer src(data, 10000);
  PeekSource peek(src);
  REQUIRE(peek.Fill(8192));
  peek.Own();
  CHECK(peek.head().data() != src.buffer());
  // A reader that keeps the head while it reads on (an archive reader) sees it unchanged.
  std::string_view head = peek.head();
  std::string rest = ReadRest(peek);
  CHECK(rest == data);
  CHECK(head == std::string_view(data).substr(0, 8192));
}

TEST_CASE("peek: a head across blocks is copied, and a probe past the first block too") {
  const std::string data = Text(40000);
  SECTION("blocks smaller than the head") {
    ByteBlocks src(data, 3000);
    PeekSource peek(src);
    REQUIRE(peek.Fill(8192));
    CHECK(peek.head() == std::string_view(data).substr(0, 8192));
    CHECK(ReadRest(peek) == data);
  }
  SECTION("a probe longer than the first block") {
    ReusedBuffer src(data, 16384);
    PeekSource peek(src);
    REQUIRE(peek.Fill(8192));
    REQUIRE(peek.Fill(32768));
    CHECK(peek.head() == std::string_view(data).substr(0, 32768));
    CHECK(peek.head().data() != src.buffer());
    CHECK(ReadRest(peek) == data);
  }
  SECTION("a source shorter than the head, in one block") {
    const std::string small = Text(5000);
    ReusedBuffer src(small, 16384);
    PeekSource peek(src);
    REQUIRE(peek.Fill(8192));
    CHECK(peek.head() == small);
    CHECK(ReadRest(peek) == small);
    CHECK(peek.at_eof());
  }
  SECTION("an empty source") {
    ReusedBuffer src("", 16384);
    PeekSource peek(src);
    REQUIRE(peek.Fill(8192));
    CHECK(peek.head().empty());
    CHECK(ReadRest(peek).empty());
    CHECK(peek.at_eof());
  }
}

TEST_CASE("peek: the head taken as the entry's bytes has room for the rest and replays on") {
  const std::string data = Text(100000);
  ReusedBuffer src(data, 16384);
  PeekSource peek(src);
  REQUIRE(peek.Fill(8192));
  std::string taken = peek.TakeHead(data.size());
  CHECK(taken == std::string_view(data).substr(0, 8192));
  CHECK(taken.capacity() >= data.size());
  taken += ReadRest(peek);
  CHECK(taken == data);
}
