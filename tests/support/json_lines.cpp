#include "json_lines.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <stdexcept>

namespace sse::test {

std::vector<boost::json::object> parse_json_lines(std::string_view text) {
  std::vector<boost::json::object> out;
  std::size_t start = 0;
  for (;;) {
    const auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      break;
    }
    const std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.empty() || line == "\r") {
      continue;
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      throw std::runtime_error("not a JSON object line: " + std::string(line));
    }
    out.push_back(std::move(v.as_object()));
  }
  return out;
}

std::optional<std::string> json_string(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::optional<std::int64_t> json_int(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (v->is_int64()) {
    return v->as_int64();
  }
  if (v->is_uint64()) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  if (v->is_double() && std::floor(v->as_double()) == v->as_double()) {
    return static_cast<std::int64_t>(v->as_double());
  }
  return std::nullopt;
}

std::string describe_json_lines(const std::vector<boost::json::object>& lines,
                                std::size_t max_lines) {
  std::string out;
  const std::size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
  if (first > 0) {
    out += "(" + std::to_string(first) + " earlier lines not shown)\n";
  }
  for (std::size_t i = first; i < lines.size(); ++i) {
    out += boost::json::serialize(lines[i]);
    out += '\n';
  }
  return out;
}

}  // namespace sse::test
