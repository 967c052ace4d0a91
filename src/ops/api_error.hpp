#pragma once
// Errors as the API reports them, whatever carries the answer: a status, a code and a message.
// http turns one into a JSON response ({"error":code,"message":...}); relay mode returns them
// from its service calls.

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::ops {

struct api_error {
  unsigned status = 400;
  std::string code;  ///< an sse::errc name, or an HTTP reason in snake_case ("not_found")
  std::string message;
};

/// Makes boost::system::result<T, api_error>::value() usable; never called on the data path
/// (callers test the result first).
[[noreturn]] void throw_exception_from_error(const api_error& e, const boost::source_location&);

template <class T>
using api_result = boost::system::result<T, api_error>;

/// The status and code for a gateway error: stream_not_found 404, stream_ended and
/// producer_seq_conflict 409, store_unavailable and outcome_unknown 503, too_large 413, internal
/// 500, the validation errors 400.
api_error make_api_error(errc e, std::string message);

/// The API error for a store error_code: gateway errors keep their errc (with a message naming
/// the stream), anything else becomes internal (500).
api_error store_error(const boost::system::error_code& ec, std::string_view stream_id);

}  // namespace sse::ops
