#pragma once
// One HTTP connection (habit 2): a straight loop shaped like Beast's awaitable do_session.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string_view>

#include "http/worker_context.hpp"

namespace sse::http {

/// Serves requests on `socket` until the client closes, a timeout, an error, a finished SSE
/// stream or shutdown; keep-alive between requests. Runs on w's worker; never throws for I/O or
/// bad input.
boost::asio::awaitable<void> run_session(worker_context& w, boost::asio::ip::tcp::socket socket);

/// Answers a connection over --max-connections with 503 and closes it.
boost::asio::awaitable<void> reject_session(boost::asio::ip::tcp::socket socket);

/// Answers a refused connection with `status` (429 for --max-connections-per-ip), a JSON error
/// `code`, `Retry-After: 1`, and closes it.
boost::asio::awaitable<void> reject_session(boost::asio::ip::tcp::socket socket, unsigned status,
                                            std::string_view code);

}  // namespace sse::http
