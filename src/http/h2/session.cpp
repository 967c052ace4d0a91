#include "http/h2/session.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <new>
#include <string>
#include <vector>

namespace sse::http::h2 {
namespace {

session_handler& handler_of(void* user_data) {
  return *static_cast<session_handler*>(user_data);
}

std::string_view view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    handler_of(user_data).on_stream_begin(frame->hd.stream_id);
  }
  return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
              std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
              std::uint8_t /*flags*/, void* user_data) {
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;  // trailers are not read
  }
  return handler_of(user_data).on_header(frame->hd.stream_id, view(name, namelen),
                                         view(value, valuelen))
             ? 0
             : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets that stream only
}

int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  const bool request_frame = frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA;
  if (request_frame && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
    handler_of(user_data).on_request_end(frame->hd.stream_id);
  }
  return 0;
}

int on_data_chunk(nghttp2_session*, std::uint8_t /*flags*/, std::int32_t stream_id,
                  const std::uint8_t* data, std::size_t len, void* user_data) {
  handler_of(user_data).on_body(stream_id, view(data, len));
  return 0;
}

int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                    void* user_data) {
  handler_of(user_data).on_stream_close(stream_id, error_code);
  return 0;
}

ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf, std::size_t length,
                  std::uint32_t* data_flags, nghttp2_data_source*, void* user_data) {
  bool eof = false;
  bool deferred = false;
  const std::size_t n = handler_of(user_data).read_body(stream_id, {buf, length}, eof, deferred);
  if (deferred && n == 0) {
    return NGHTTP2_ERR_DEFERRED;
  }
  if (eof) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  }
  return static_cast<ssize_t>(n);
}

int on_frame_send(nghttp2_session* s, const nghttp2_frame* frame, void* user_data) {
  if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
    handler_of(user_data).on_connection_error(frame->goaway.error_code);
    return 0;
  }
  const bool answer_frame = frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA;
  if (answer_frame && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 &&
      nghttp2_session_get_stream_remote_close(s, frame->hd.stream_id) == 0) {
    // Answered before the request was complete (408 on a request that never ended): RST_STREAM
    // NO_ERROR tells the client to stop sending it and frees the stream (RFC 9113 8.1).
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

/// nghttp2 wants lowercase field names (RFC 9113 8.2.2); ours are written as for HTTP/1.1.
std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

/// Fields HTTP/2 forbids (RFC 9113 8.2.2): connection-specific ones.
bool connection_specific(std::string_view lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "transfer-encoding" ||
         lower == "upgrade" || lower == "proxy-connection";
}

}  // namespace

session::session(session_handler& handler, const session_limits& limits) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_option* opt = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0 || nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cbs);
    throw std::bad_alloc();
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
  // Streams over SETTINGS_MAX_CONCURRENT_STREAMS are refused by nghttp2 itself (RST_STREAM
  // REFUSED_STREAM before the client acknowledged the SETTINGS, a connection error after). Rapid
  // reset (streams opened and reset in a loop, CVE-2023-44487): past a burst of 1000 resets,
  // then 33 a second, nghttp2 ends the connection with GOAWAY; these are its defaults, set here
  // so that they are seen and kept.
  nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33);
  const int rc = nghttp2_session_server_new2(&s_, cbs, &handler, opt);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_option_del(opt);
  if (rc != 0) {
    throw std::bad_alloc();
  }
  const std::array<nghttp2_settings_entry, 3> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits.max_header_list_bytes},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits.stream_window_bytes},
  }};
  nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  // The connection's window is not a setting: it grows by a WINDOW_UPDATE on stream 0.
  nghttp2_session_set_local_window_size(s_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<std::int32_t>(limits.connection_window_bytes));
}

session::~session() {
  nghttp2_session_del(s_);
}

bool session::receive(std::string_view bytes) {
  const auto n = nghttp2_session_mem_recv(s_, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                          bytes.size());
  return n >= 0;
}

std::span<const std::uint8_t> session::pending_output() {
  const std::uint8_t* data = nullptr;
  const auto n = nghttp2_session_mem_send(s_, &data);
  if (n <= 0) {
    return {};
  }
  return {data, static_cast<std::size_t>(n)};
}

bool session::alive() const noexcept {
  return nghttp2_session_want_read(s_) != 0 || nghttp2_session_want_write(s_) != 0;
}

void session::submit_response(std::int32_t id, unsigned status, const header_list& headers,
                              bool has_body) {
  std::vector<std::string> owned;  // lowercased names, alive until the call returns (it copies)
  owned.reserve(headers.size() + 1);
  owned.push_back(std::to_string(status));
  std::vector<nghttp2_nv> nva;
  nva.reserve(headers.size() + 1);
  auto add = [&nva](const std::string& name, const std::string& value) {
    nva.push_back(
        nghttp2_nv{const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data())),
                   const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())),
                   name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  };
  static const std::string status_name = ":status";
  add(status_name, owned.back());
  for (const auto& [name, value] : headers) {
    owned.push_back(lowercase(name));
    if (connection_specific(owned.back())) {
      owned.pop_back();
      continue;
    }
    add(owned.back(), value);
  }
  nghttp2_data_provider body{};
  body.read_callback = read_body;
  nghttp2_submit_response(s_, id, nva.data(), nva.size(), has_body ? &body : nullptr);
}

void session::resume_body(std::int32_t id) {
  nghttp2_session_resume_data(s_, id);
}

void session::reset_stream(std::int32_t id, std::uint32_t error_code) {
  nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, id, error_code);
}

void session::goaway() {
  nghttp2_submit_goaway(s_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(s_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
}

void session::terminate(std::uint32_t error_code) {
  nghttp2_session_terminate_session(s_, error_code);
}

}  // namespace sse::http::h2
