#pragma once
// The gateway's own error codes, as a boost::system error category so that they travel in
// error_code / system::result beside Asio's (I/O and fallible
// pure code report errors as values; exceptions only at start-up).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string_view>
#include <type_traits>

namespace sse {

enum class errc {
  ok = 0,
  stream_not_found = 1,   ///< no such stream (never created, deleted or expired)
  stream_ended,           ///< append to a stream that has its end event
  producer_seq_conflict,  ///< Producer-Seq does not match the stream's next seq
  store_unavailable,      ///< the store cannot be reached now; retry later
  invalid_stream_id,      ///< id not 1-128 chars of [A-Za-z0-9._:-]
  invalid_event,          ///< event object malformed (missing data, bad type, priority...)
  invalid_argument,       ///< any other malformed input
  too_large,              ///< body, event or batch over its limit
  bad_resume_point,       ///< Last-Event-ID / last_event_id not parseable
  internal,               ///< a bug or an unexpected store reply
  /// A write was sent to the store but no answer came (timeout, link lost after the write): it
  /// may or may not have been applied. Distinct from store_unavailable (nothing was sent), so
  /// that a producer knows a blind retry could duplicate and retries with Producer-Seq.
  outcome_unknown,
};

const boost::system::error_category& gateway_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), gateway_category()};
}

/// Stable machine-readable name of an error ("stream_not_found", ...), used in JSON bodies
/// and telemetry.
std::string_view error_name(errc e) noexcept;

template <class T>
using result = boost::system::result<T>;

}  // namespace sse

template <>
struct boost::system::is_error_code_enum<sse::errc> : std::true_type {};
