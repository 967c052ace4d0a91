// A fork's start: its source's events up to the fork offset (and sub-offset), bytes only.
#include <boost/asio/use_awaitable.hpp>

#include "durable/door.hpp"
#include "durable/door_detail.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

net::awaitable<std::optional<reply>> door::inherit(const request& req, const std::string& id,
                                                   stream_meta& meta, bool lifetime_given,
                                                   std::vector<stream::new_event>& inherited) {
  const auto sub_offset_text = req.header("Stream-Fork-Sub-Offset");
  if (sub_offset_text && !req.header("Stream-Forked-From")) {
    co_return error_reply(400, "invalid_argument",
                          "Stream-Fork-Sub-Offset needs Stream-Forked-From");
  }
  if (const auto source_path = req.header("Stream-Forked-From")) {
    const std::string sp = fork_source_path(*source_path);
    auto source_id = store_id_for_path(sp);
    if (!source_id) {
      co_return error_reply(400, "invalid_argument", "Stream-Forked-From names no stream path");
    }
    reply error;
    auto source = co_await locate(*source_id, error);
    if (!source) {
      if (error.status == 410) {
        co_return error_reply(409, "stream_deleted",
                              "the source was deleted (it is kept only for its forks)");
      }
      co_return error;
    }
    if (!req.header("Content-Type")) {
      meta.content_type = source->meta.content_type;
    } else if (!same_content_type(meta.content_type, source->meta.content_type)) {
      co_return error_reply(409, "content_type_mismatch",
                            "a fork keeps its source's content type, " + source->meta.content_type);
    }
    if (!lifetime_given) {
      meta.ttl_seconds = source->meta.ttl_seconds;  // a fork inherits its source's lifetime
      meta.expires_at_ms = source->meta.expires_at_ms;
    }
    std::uint64_t sub_offset = 0;
    if (sub_offset_text) {
      auto n = parse_ttl_seconds(*sub_offset_text);  // the same plain decimal integer
      if (!n) {
        co_return error_reply(400, "invalid_argument",
                              "Stream-Fork-Sub-Offset must be a non-negative integer");
      }
      sub_offset = *n;
      if (sub_offset > 0 && !req.header("Stream-Fork-Offset")) {
        co_return error_reply(400, "invalid_argument",
                              "Stream-Fork-Sub-Offset above 0 needs Stream-Fork-Offset");
      }
    }
    seq_t upto = source->tail();
    if (const auto at = req.header("Stream-Fork-Offset")) {
      // An offset of only zeros (other servers' form of the stream start) is the start too.
      const bool zeros = !at->empty() && at->find_first_not_of("0_") == std::string::npos;
      auto o = zeros ? std::optional<parsed_offset>(parsed_offset{offset_kind::start, 0})
                     : parse_offset(*at);
      if (!o || o->kind == offset_kind::now) {
        co_return error_reply(400, "invalid_offset", "malformed Stream-Fork-Offset");
      }
      upto = o->kind == offset_kind::start ? meta_seq : o->seq;
      if (upto > source->tail()) {
        co_return error_reply(400, "invalid_offset",
                              "Stream-Fork-Offset is past the source's tail");
      }
    }
    // Registered before the copy: a delete of the source from now on sees this fork once it
    // exists (a fork that fails to come into being is ignored there).
    if (auto registered = co_await register_fork(*source_id, id); !registered) {
      co_return store_failure(registered.error());
    }
    auto r = co_await store_.read_after(*source_id, meta_seq);
    if (!r) {
      co_return store_failure(r.error());
    }
    // A sub-offset reaches into the append after the offset: the first N bytes of it, or in
    // JSON mode the next N messages (each its own event here).
    const bool json_source = is_json_type(source->meta.content_type);
    seq_t last_whole = upto;
    if (sub_offset > 0 && json_source) {
      last_whole = upto + sub_offset;
      if (last_whole > source->tail()) {
        co_return error_reply(400, "invalid_offset",
                              "Stream-Fork-Sub-Offset is past the source's messages");
      }
    }
    meta.fork_of = sp;
    meta.fork_at = upto;
    meta.fork_sub = sub_offset;
    seq_t expected = meta_seq + 1;
    for (const auto& e : r->events) {
      if (e.is_end || e.seq > last_whole) {
        if (!e.is_end && e.seq == last_whole + 1 && sub_offset > 0 && !json_source) {
          auto d = decode_event(e);
          auto stored = decode_stored(d.data);
          if (!stored || sub_offset > stored->bytes.size()) {
            co_return error_reply(400, "invalid_offset",
                                  "Stream-Fork-Sub-Offset is past the append's bytes");
          }
          stored_data part{stored->bytes.substr(0, sub_offset), std::nullopt, std::nullopt};
          inherited.push_back({std::string(data_type), encode_stored(part), data_priority, false});
          sub_offset = 0;
        }
        break;
      }
      if (e.seq != expected) {
        co_return error_reply(410, "offset_gone",
                              "the source's data before the fork offset was trimmed");
      }
      ++expected;
      auto d = decode_event(e);
      if (d.type == data_type || d.type == state_type) {
        // Bytes only: a fork starts with no producer state and no Stream-Seq of its own.
        if (auto stored = decode_stored(d.data)) {
          stored_data bare{std::move(stored->bytes), std::nullopt, std::nullopt};
          d.data = encode_stored(bare);
        }
      }
      inherited.push_back({std::move(d.type), std::move(d.data), data_priority, false});
    }
    if (sub_offset > 0 && !json_source) {
      co_return error_reply(400, "invalid_offset",
                            "Stream-Fork-Sub-Offset above 0 at the source's tail");
    }
    if (expected != last_whole + 1) {
      co_return error_reply(410, "offset_gone",
                            "the source's data before the fork offset was trimmed");
    }
  }
  co_return std::nullopt;
}

}  // namespace sse::durable
