#include "http/h1/request_reader.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <iterator>
#include <string_view>
#include <tuple>

#include "core/text.hpp"
#include "http/read_deadline.hpp"
#include "http/refusal.hpp"
#include "http/request_framing.hpp"
#include "http/router.hpp"
#include "http/target.hpp"

namespace sse::http::h1 {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::optional<std::string> header_value(const bhttp::request<bhttp::string_body>& req,
                                        std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) {
    return std::nullopt;
  }
  return std::string(it->value());
}

request to_request(bhttp::request<bhttp::string_body>& req) {
  request r;
  r.verb = parse_method(req.method_string());
  r.method_name = std::string(req.method_string());
  r.target = origin_form(req.target());
  r.content_type = header_value(req, "Content-Type").value_or("");
  r.accept = header_value(req, "Accept");
  r.last_event_id = header_value(req, "Last-Event-ID");
  r.accept_encoding = header_value(req, "Accept-Encoding");
  r.cache_control = header_value(req, "Cache-Control");
  r.producer_seq = header_value(req, "Producer-Seq");
  r.authorization = header_value(req, "Authorization");
  r.cookie = header_value(req, "Cookie");
  r.idempotency_key = header_value(req, "Idempotency-Key");
  r.origin = header_value(req, "Origin");
  r.cors_request_method = header_value(req, "Access-Control-Request-Method");
  if (r.target.starts_with("/v1/stream/")) {
    // The Durable Streams door reads protocol headers of its own (Stream-*, Producer-*, ...).
    for (const auto& field : req) {
      r.durable_headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
  r.body = std::move(req.body());
  return r;
}

bool is_http_parse_error(const boost::system::error_code& ec) {
  return ec.category() == make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

/// Reads what the peer sent next into `buffer`. EOF is end_of_stream before any byte of a
/// request and partial_message after some, as Beast's own reads report them.
template <class Stream>
net::awaitable<boost::system::error_code> read_more(Stream& stream, beast::flat_buffer& buffer) {
  constexpr std::size_t read_size = 4096;
  auto [ec, n] =
      co_await stream.async_read_some(buffer.prepare(read_size), net::as_tuple(net::use_awaitable));
  buffer.commit(n);
  if (ec == net::error::eof) {
    ec = buffer.size() == 0 ? bhttp::error::end_of_stream : bhttp::error::partial_message;
  }
  co_return ec;
}

std::string_view bytes_of(const beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

/// Reads the header block of the next request (until its empty line) into `buffer`, without
/// parsing it, under the timeouts read_request describes. Returns the block's length; 0 with
/// in.ec set when it did not come.
template <class Stream>
net::awaitable<std::size_t> read_header_block(Stream& stream, beast::flat_buffer& buffer,
                                              const config::config& cfg, bool first, incoming& in,
                                              const core::monotonic_clock& clock) {
  const auto header_limit =
      std::min<std::chrono::steady_clock::duration>(cfg.header_timeout, cfg.request_timeout);
  const auto start = clock.now();
  if (buffer.size() == 0) {
    read_deadline deadline(
        raw_socket(stream),
        first ? header_limit : std::chrono::steady_clock::duration(cfg.idle_timeout));
    in.ec = co_await read_more(stream, buffer);
    in.timed_out = deadline.fired();
  }
  in.partial = buffer.size() > 0;
  if (in.ec) {
    co_return 0;
  }
  const auto first_byte = first ? start : clock.now();
  // Relative to the injected clock: the read deadline's timer runs on real steady time.
  read_deadline deadline(raw_socket(stream), header_limit - (clock.now() - first_byte));
  std::size_t length = 0;
  while ((length = header_block_length(bytes_of(buffer))) == 0) {
    if (buffer.size() >= cfg.max_header_bytes) {
      in.ec = bhttp::error::header_limit;
      break;
    }
    in.ec = co_await read_more(stream, buffer);
    if (in.ec) {
      break;
    }
  }
  in.timed_out = deadline.fired();
  co_return in.ec ? 0 : length;
}

}  // namespace

template <class Stream>
net::awaitable<incoming> read_request(Stream& stream, beast::flat_buffer& buffer,
                                      const config::config& cfg, bool first,
                                      const core::monotonic_clock* clock) {
  static const core::steady_clock process_clock;
  const core::monotonic_clock& steady = clock != nullptr ? *clock : process_clock;
  incoming in;
  // The read_deadlines below bound the reads, and keep the socket open.
  beast::get_lowest_layer(stream).expires_never();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_body_bytes);
  const std::size_t block_length =
      co_await read_header_block(stream, buffer, cfg, first, in, steady);
  if (!in.ec) {
    // The whole block is in the buffer: the parser takes it in one step, with no read.
    const std::string_view block = bytes_of(buffer).substr(0, block_length);
    const std::size_t used = parser.put(net::buffer(block.data(), block.size()), in.ec);
    if (!in.ec && !parser.is_header_done()) {
      in.ec = bhttp::error::partial_message;  // cannot happen with a whole block
    }
    if (!in.ec) {
      in.refused = framing_problem(block, parser.get().version());
    }
    buffer.consume(used);
  }
  if (!in.ec && static_cast<std::size_t>(std::distance(parser.get().begin(), parser.get().end())) >
                    cfg.max_header_count) {
    in.ec = bhttp::error::header_limit;
  }
  if (!in.ec && !in.refused && !parser.is_done()) {
    // The body may take as long as a whole request, counted from its first byte.
    read_deadline deadline(raw_socket(stream), cfg.request_timeout);
    std::size_t n = 0;
    if (core::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
      std::tie(in.ec, n) =
          co_await net::async_write(stream, net::buffer(cont), net::as_tuple(net::use_awaitable));
      in.interim_bytes = n;
    }
    if (!in.ec) {
      std::tie(in.ec, n) =
          co_await bhttp::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    }
    in.timed_out = deadline.fired();
  }
  in.received = steady.now();
  beast::get_lowest_layer(stream).expires_never();
  if (!in.ec) {
    auto& breq = parser.get();
    in.version = breq.version();
    in.keep_alive = breq.keep_alive();
    in.req = to_request(breq);
  }
  co_return in;
}

template net::awaitable<incoming> read_request(plain_stream&, beast::flat_buffer&,
                                               const config::config&, bool,
                                               const core::monotonic_clock*);
template net::awaitable<incoming> read_request(tls_stream&, beast::flat_buffer&,
                                               const config::config&, bool,
                                               const core::monotonic_clock*);

std::optional<response> refusal_of(const incoming& in, std::size_t max_body_bytes) {
  if (!in.ec) {
    if (in.refused) {
      return refuse(refusal::bad_framing, *in.refused);  // where the next request starts is
                                                         // unknown (smuggling)
    }
    return std::nullopt;
  }
  if (in.timed_out && in.partial) {
    return refuse(refusal::request_timeout);
  }
  if (in.ec == bhttp::error::body_limit) {
    return refuse(refusal::body_too_large, std::to_string(max_body_bytes));
  }
  if (in.ec == bhttp::error::header_limit) {
    return refuse(refusal::headers_too_large);
  }
  if (is_http_parse_error(in.ec)) {
    return refuse(refusal::malformed, in.ec.message());
  }
  return std::nullopt;  // EOF, timeout, reset, shutdown: nothing to answer
}

}  // namespace sse::http::h1
