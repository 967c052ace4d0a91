#include "http_types.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace sse::test {
namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

}  // namespace

bool case_insensitive_less::operator()(std::string_view a, std::string_view b) const noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = lower(a[i]);
    const char y = lower(b[i]);
    if (x != y) {
      return x < y;
    }
  }
  return a.size() < b.size();
}

std::optional<std::string> find_header(const header_map& headers, std::string_view name) {
  const auto it = headers.find(name);
  if (it == headers.end()) {
    return std::nullopt;
  }
  return it->second;
}

boost::json::value http_response::json() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) {
    throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + describe());
  }
  return v;
}

boost::json::object http_response::json_object() const {
  boost::json::value v = json();
  if (!v.is_object()) {
    throw std::runtime_error("response body is not a JSON object: " + describe());
  }
  return std::move(v.as_object());
}

std::string http_response::describe() const {
  std::string out = "HTTP " + std::to_string(status) + " " + reason + "\n";
  for (const auto& [k, v] : headers) {
    out += k + ": " + v + "\n";
  }
  constexpr std::size_t max_body = 2000;
  out += "\n" + body.substr(0, max_body);
  if (body.size() > max_body) {
    out += "... (" + std::to_string(body.size()) + " bytes)";
  }
  return out;
}

}  // namespace sse::test
