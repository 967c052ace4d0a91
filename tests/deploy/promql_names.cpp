#include "promql_names.hpp"

#include <cctype>
#include <cstddef>

namespace sse::test {
namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

bool ident_char(char c) {
  return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

/// Index just past the string literal that starts at `i` (its quote), escapes included.
std::size_t skip_string(std::string_view q, std::size_t i) {
  const char quote = q[i++];
  while (i < q.size() && q[i] != quote) {
    i += (q[i] == '\\' && quote != '`') ? 2 : 1;
  }
  return i + 1;
}

/// Index just past the bracket closing the one at `i` (strings inside are skipped whole).
std::size_t skip_group(std::string_view q, std::size_t i, char open, char close) {
  int depth = 0;
  while (i < q.size()) {
    const char c = q[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = skip_string(q, i);
      continue;
    }
    if (c == open) {
      ++depth;
    } else if (c == close && --depth == 0) {
      return i + 1;
    }
    ++i;
  }
  return i;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Followed by a parenthesised list of label names, not by an expression.
const std::set<std::string, std::less<>> label_list_keywords{
    "by", "without", "on", "ignoring", "group_left", "group_right"};
// Words that are operators, aggregations or constants wherever they stand (an aggregation is
// also written `sum by (x) (...)`, so it is not always followed by '(').
const std::set<std::string, std::less<>> keywords{
    "and",  "or",       "unless", "bool",        "offset", "atan2", "sum",          "min",
    "max",  "avg",      "group",  "stddev",      "stdvar", "count", "count_values", "bottomk",
    "topk", "quantile", "limitk", "limit_ratio", "inf",    "nan"};

}  // namespace

std::set<std::string> promql_metric_names(std::string_view q) {
  std::set<std::string> names;
  std::size_t i = 0;
  while (i < q.size()) {
    const char c = q[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = skip_string(q, i);
    } else if (c == '{') {
      i = skip_group(q, i, '{', '}');  // label matchers
    } else if (c == '[') {
      i = skip_group(q, i, '[', ']');  // range or subquery: durations and variables
    } else if (c == '#') {
      while (i < q.size() && q[i] != '\n') {
        ++i;
      }
    } else if (c == '$') {  // a Grafana variable: $name or ${name}
      ++i;
      if (i < q.size() && q[i] == '{') {
        i = skip_group(q, i, '{', '}');
      } else {
        while (i < q.size() && ident_char(q[i])) {
          ++i;
        }
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
               (c == '.' && i + 1 < q.size() &&
                std::isdigit(static_cast<unsigned char>(q[i + 1])))) {
      // A number (0.95, 1e-3, 0x1f) or a duration (5m, 1h30m).
      const std::size_t start = i;
      const bool hex = c == '0' && i + 1 < q.size() && (q[i + 1] == 'x' || q[i + 1] == 'X');
      while (i < q.size()) {
        const char d = q[i];
        const bool exponent_sign =
            !hex && (d == '+' || d == '-') && i > start && (q[i - 1] == 'e' || q[i - 1] == 'E');
        if (std::isalnum(static_cast<unsigned char>(d)) == 0 && d != '.' && !exponent_sign) {
          break;
        }
        ++i;
      }
    } else if (ident_start(c)) {
      const std::size_t start = i;
      while (i < q.size() && ident_char(q[i])) {
        ++i;
      }
      const std::string_view word = q.substr(start, i - start);
      std::size_t next = i;
      while (next < q.size() && std::isspace(static_cast<unsigned char>(q[next])) != 0) {
        ++next;
      }
      const bool call = next < q.size() && q[next] == '(';
      if (label_list_keywords.count(lower(word)) != 0) {
        if (call) {
          i = skip_group(q, next, '(', ')');
        }
      } else if (!call && keywords.count(lower(word)) == 0) {
        names.emplace(word);  // a function is always called; anything else left is a metric
      }
    } else {
      ++i;
    }
  }
  return names;
}

std::set<std::string> exposed_series_names(std::string_view exposition) {
  std::set<std::string> names;
  std::size_t pos = 0;
  while (pos < exposition.size()) {
    std::size_t end = exposition.find('\n', pos);
    if (end == std::string_view::npos) {
      end = exposition.size();
    }
    const std::string_view line = exposition.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    std::size_t n = 0;
    while (n < line.size() && ident_char(line[n])) {
      ++n;
    }
    if (n > 0) {
      names.emplace(line.substr(0, n));
    }
  }
  return names;
}

}  // namespace sse::test
