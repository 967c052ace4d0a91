#pragma once
// Where a request's header block ends, and the header blocks a server must refuse although
// Beast's parser takes them (RFC 9112). Pure functions over the raw bytes
// (tests/unit/http/request_framing_test.cpp).
//
// Why: a message whose length this server and a proxy in front of it could read differently
// (a Transfer-Encoding that does not end in chunked, Transfer-Encoding with Content-Length,
// two Content-Lengths, a folded header line) lets a client hide a second request in the body of
// the first (request smuggling). Beast takes `Transfer-Encoding: chunked, identity` as a message
// without a body, unfolds obs-fold, and accepts repeated equal Content-Lengths; these checks
// refuse all of them, and the session closes the connection after the 400, since where the next
// request would start is unknown.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sse::http {

/// The length of the header block at the start of `bytes`: the request line, the field lines
/// and the empty line ending them (its CRLF included). 0 while the empty line has not arrived.
std::size_t header_block_length(std::string_view bytes) noexcept;

/// Why a request with this header block (as header_block_length delimits it, and which the HTTP
/// parser accepted) must be answered 400 with the connection closed; nullopt when it is fine.
/// Refused: obs-fold (a field line starting with a space or tab); Transfer-Encoding other than
/// exactly `chunked`, or in an HTTP/1.0 request, or with Content-Length; more than one
/// Content-Length (two lines or a list); on HTTP/1.1, no Host or more than one (RFC 9112 3.2).
/// The message names the problem and is printable ASCII.
std::optional<std::string> framing_problem(std::string_view block, unsigned http_version);

}  // namespace sse::http
