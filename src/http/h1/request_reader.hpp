#pragma once
// The one HTTP/1.1 request reader: the header block read raw under the idle and header
// timeouts, the framing checks (request smuggling), Beast's parser with the header and body
// limits, `100 Continue`, the body under the request timeout; out comes a request value.
// Private to src/http/h1 (Beast types; see connection_streams.hpp).

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/connection_streams.hpp"
#include "http/message.hpp"

namespace sse::http::h1 {

/// One request read off the connection. The parser lives only in read_request's frame, so a
/// long-lived SSE connection does not keep it.
struct incoming {
  boost::system::error_code ec;
  request req;
  unsigned version = 11;
  bool keep_alive = false;
  core::steady_time_point received;    ///< on read_request's clock
  bool timed_out = false;              ///< a read deadline passed (408 when part of a request came)
  bool partial = false;                ///< some bytes of a request arrived
  std::size_t interim_bytes = 0;       ///< written before the answer (`100 Continue`)
  std::optional<std::string> refused;  ///< the header block is one a server must refuse: why
};

/// Reads the next request into `buffer` (bytes after it stay there: pipelining). The wait for
/// its first byte is --idle-timeout between requests; the whole header block then has
/// --header-timeout from that byte (slow loris, on every request of a keep-alive connection),
/// and the first request of a connection has it from the accept; the body has
/// --request-timeout. `clock` (null: the process's steady clock; services::steady is meant)
/// measures the header time spent and stamps `received`. Defined for plain_stream and
/// tls_stream.
template <class Stream>
boost::asio::awaitable<incoming> read_request(Stream& stream, boost::beast::flat_buffer& buffer,
                                              const config::config& cfg, bool first,
                                              const core::monotonic_clock* clock = nullptr);

/// The answer to a request that was not read whole or must be refused (408, 413, 431, 400 with
/// the connection closed), or nullopt when there is nothing to answer (EOF, a reset, a timeout
/// before any byte, shutdown): just close.
std::optional<response> refusal_of(const incoming& in, std::size_t max_body_bytes);

}  // namespace sse::http::h1
