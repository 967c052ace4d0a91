#pragma once
// Why an artifact could not be used: a sentence for people (stderr, the "skipped runs" list).
// Parsing returns result<T, problem> so that bad input is data, never an exception.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <utility>

namespace sse::dashboard {

struct problem {
  // Two arguments on purpose: a problem must not be constructible from one string, or
  // outcome<std::string> could not tell a value from an error.
  problem() = default;
  problem(std::string message_text, std::string file_name)
      : message(std::move(message_text)), file(std::move(file_name)) {}

  std::string message;
  std::string file;  ///< the file it is about, when known ("summary.json")
};

/// A problem not tied to one file.
inline problem failure(std::string message) {
  return problem(std::move(message), {});
}

template <class T>
using outcome = boost::system::result<T, problem>;

/// Found by result::value() through ADL; only reached when a caller ignores an error, a bug.
[[noreturn]] void throw_exception_from_error(const problem& p, const boost::source_location& loc);

}  // namespace sse::dashboard
