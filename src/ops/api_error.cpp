#include "ops/api_error.hpp"

#include <stdexcept>

namespace sse::ops {

void throw_exception_from_error(const api_error& e, const boost::source_location&) {
  throw std::runtime_error(e.code + ": " + e.message);
}

api_error make_api_error(errc e, std::string message) {
  unsigned status = 400;
  switch (e) {
    case errc::stream_not_found:
      status = 404;
      break;
    case errc::stream_ended:
    case errc::producer_seq_conflict:
      status = 409;
      break;
    case errc::store_unavailable:
    case errc::outcome_unknown:
      status = 503;
      break;
    case errc::too_large:
      status = 413;
      break;
    case errc::internal:
    case errc::ok:
      status = 500;
      break;
    case errc::invalid_stream_id:
    case errc::invalid_event:
    case errc::invalid_argument:
    case errc::bad_resume_point:
      status = 400;
      break;
  }
  return api_error{status, std::string(error_name(e)), std::move(message)};
}

api_error store_error(const boost::system::error_code& ec, std::string_view stream_id) {
  if (ec.category() != gateway_category()) {
    return make_api_error(errc::internal, "store error: " + ec.message());
  }
  const auto e = static_cast<errc>(ec.value());
  const std::string id(stream_id);
  switch (e) {
    case errc::stream_not_found:
      return make_api_error(e, "stream \"" + id + "\" not found");
    case errc::stream_ended:
      return make_api_error(e, "stream \"" + id + "\" has ended");
    case errc::producer_seq_conflict:
      return make_api_error(e, "Producer-Seq does not match the next seq of stream \"" + id + "\"");
    case errc::store_unavailable:
      return make_api_error(e, "the store is unavailable; retry later");
    case errc::outcome_unknown:
      return make_api_error(e,
                            "the store did not answer in time: the write may or may not have "
                            "been applied; retry with the same Producer-Seq to be safe");
    default:
      return make_api_error(e, std::string(error_name(e)));
  }
}

}  // namespace sse::ops
