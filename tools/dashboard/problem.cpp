#include "dashboard/problem.hpp"

#include <stdexcept>

namespace sse::dashboard {

void throw_exception_from_error(const problem& p, const boost::source_location& loc) {
  throw std::logic_error("unchecked dashboard problem at " + std::string(loc.file_name()) + ":" +
                         std::to_string(loc.line()) + ": " + p.message);
}

}  // namespace sse::dashboard
