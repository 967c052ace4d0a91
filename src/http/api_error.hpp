#pragma once
// Errors as the HTTP API answers them: a status and a JSON body {"error":code,"message":...}.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "ops/api_error.hpp"

namespace sse::http {

// The API error values live in src/ops (relay mode returns them too); here they become
// responses.
using ops::api_error;
using ops::api_result;
using ops::make_api_error;
using ops::store_error;

/// {"error":code,"message":...} with the error's status; 503 answers carry `Retry-After: 1`.
response error_response(const api_error& e);
response error_response(unsigned status, std::string_view code, std::string_view message);

/// A JSON body with Content-Type application/json.
response json_response(unsigned status, const boost::json::value& body);

}  // namespace sse::http
