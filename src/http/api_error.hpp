#pragma once
// Errors as the HTTP API reports them: a status and a JSON body {"error":code,"message":...}.

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"

namespace sse::http {

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

/// {"error":code,"message":...} with the error's status; 503 answers carry `Retry-After: 1`.
response error_response(const api_error& e);
response error_response(unsigned status, std::string_view code, std::string_view message);

/// A JSON body with Content-Type application/json.
response json_response(unsigned status, const boost::json::value& body);

}  // namespace sse::http
