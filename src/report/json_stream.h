// A pretty-printed JSON document written piece by piece, byte for byte what dump(2, ' ', false,
// replace) of the whole tree writes: a report holds one result as JSON at a time, never all.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ntpsweep::report {

class JsonStream {
 public:
  using Json = nlohmann::ordered_json;

  explicit JsonStream(std::ostream& out)
      : out_(out),
        writer_(nlohmann::detail::output_adapter<char>(out), ' ', Json::error_handler_t::replace) {}

  // Containers opened at the current value position (the document, a member or an element).
  void BeginObject() { Open('{'); }
  void BeginArray() { Open('['); }
  void EndObject() { Close('}'); }
  void EndArray() { Close(']'); }
  // Starts the next member of the open object: `key` is a plain ASCII name.
  void Key(std::string_view key) {
    Separate();
    out_ << '"' << key << "\": ";
  }
  // Starts the next element of the open array.
  void Element() { Separate(); }
  // A whole value at the current position.
  void Value(const Json& value) {
    writer_.dump(value, true, false, kIndent, static_cast<unsigned>(open_.size()) * kIndent);
  }
  void Member(std::string_view key, const Json& value) {
    Key(key);
    Value(value);
  }
  void Push(const Json& value) {
    Element();
    Value(value);
  }

 private:
  static constexpr unsigned kIndent = 2;

  void Open(char bracket) {
    out_ << bracket;
    open_.push_back(0);
  }
  void Close(char bracket) {
    const bool empty = open_.back() == 0;
    open_.pop_back();
    if (!empty) Indent();
    out_ << bracket;
  }
  void Separate() {
    if (open_.back()++ > 0) out_ << ',';
    Indent();
  }
  void Indent() {
    out_ << '\n';
    for (size_t i = 0; i < open_.size() * kIndent; ++i) out_ << ' ';
  }

  std::ostream& out_;
  nlohmann::detail::serializer<Json> writer_;
  std::vector<size_t> open_;  // members or elements written so far, per open container
};

}  // namespace ntpsweep::report
