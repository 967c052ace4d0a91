#pragma once
// Plain HTTP vocabulary shared by http_client and sse_client (no Beast in headers, so tests that
// include them do not pay its compile time).

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sse::test {

/// Orders header names case-insensitively (HTTP field names are case-insensitive).
struct case_insensitive_less {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

using header_map = std::multimap<std::string, std::string, case_insensitive_less>;
using header_list = std::vector<std::pair<std::string, std::string>>;

/// First value of a header, nullopt when absent.
std::optional<std::string> find_header(const header_map& headers, std::string_view name);

struct http_response {
  int status = 0;
  std::string reason;
  header_map headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    return find_header(headers, name);
  }
  bool has_header(std::string_view name) const { return headers.count(name) > 0; }
  /// The body parsed as JSON. Throws std::runtime_error (naming the body) when it is not JSON.
  boost::json::value json() const;
  /// json().as_object(); throws when the body is not a JSON object.
  boost::json::object json_object() const;
  /// "status 200, headers..., body..." for assertion messages.
  std::string describe() const;
};

}  // namespace sse::test
