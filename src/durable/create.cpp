// PUT: creating a stream (idempotent when the configuration is the same).
#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "durable/door.hpp"
#include "durable/door_detail.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

net::awaitable<reply> door::create(const request& req, const std::string& id) {
  stream_meta meta;
  meta.content_type = req.header("Content-Type").value_or("application/octet-stream");
  if (meta.content_type.empty()) {
    meta.content_type = "application/octet-stream";
  }
  const auto ttl = req.header("Stream-TTL");
  const auto expires = req.header("Stream-Expires-At");
  if (ttl && expires) {
    co_return error_reply(400, "invalid_argument",
                          "Stream-TTL and Stream-Expires-At are exclusive; send one");
  }
  if (ttl) {
    meta.ttl_seconds = parse_ttl_seconds(*ttl);
    if (!meta.ttl_seconds) {
      co_return error_reply(
          400, "invalid_argument",
          "Stream-TTL must be a non-negative integer of seconds, not '" + *ttl + "'");
    }
  }
  if (expires) {
    meta.expires_at_ms = parse_rfc3339_ms(*expires);
    if (!meta.expires_at_ms) {
      co_return error_reply(400, "invalid_argument",
                            "Stream-Expires-At must be an RFC 3339 time, not '" + *expires + "'");
    }
  }
  const bool close = header_true(req.header("Stream-Closed").value_or(""));
  std::vector<std::string> messages;
  if (is_json_type(meta.content_type)) {
    if (!req.body.empty()) {
      auto j = flatten_json(req.body, true);
      if (!j.error.empty()) {
        co_return error_reply(400, "invalid_json", j.error);
      }
      messages = std::move(j.messages);
    }
  } else if (!req.body.empty()) {
    messages.push_back(req.body);
  }

  // A fork (Stream-Forked-From) starts as a copy of its source's events up to the fork offset,
  // at the same seqs, so that every offset of the inherited part names the same data in both.
  std::vector<stream::new_event> inherited;
  if (auto refused =
          co_await inherit(req, id, meta, ttl.has_value() || expires.has_value(), inherited)) {
    co_return std::move(*refused);
  }

  for (int attempt = 0; attempt < 5; ++attempt) {
    reply error;
    if (auto existing = co_await locate(id, error)) {
      const bool same =
          same_content_type(existing->meta.content_type, meta.content_type) &&
          existing->meta.ttl_seconds == meta.ttl_seconds &&
          existing->meta.expires_at_ms == meta.expires_at_ms && existing->closed() == close &&
          (!req.header("Stream-Forked-From") ||
           (existing->meta.fork_of == meta.fork_of && existing->meta.fork_at == meta.fork_at &&
            existing->meta.fork_sub == meta.fork_sub));
      if (!same) {
        co_return error_reply(409, "stream_config_differs",
                              "the stream exists with another content type, TTL, expiry or "
                              "closure");
      }
      reply r = base_reply(200);
      r.headers.emplace_back("Content-Type", existing->meta.content_type);
      r.headers.emplace_back("Stream-Next-Offset", mint_offset(existing->tail()));
      if (existing->closed()) {
        r.headers.emplace_back("Stream-Closed", "true");
      }
      co_return r;
    }
    if (error.status == 410) {
      co_return error_reply(409, "stream_deleted",
                            "the stream was deleted while forks of it live: it cannot be made "
                            "again until the last fork is gone");
    }
    if (error.status != 404) {
      co_return error;
    }
    meta.created_ms = core::to_unix_ms(wall_.now());
    store::append_request a;
    a.stream_id = id;
    a.producer_seq = meta_seq;  // only a stream that does not exist yet takes it
    a.events.push_back({std::string(meta_type), encode_meta(meta), meta_priority, false});
    a.events.insert(a.events.end(), inherited.begin(), inherited.end());
    for (auto& m : messages) {
      stored_data d{std::move(m), std::nullopt, std::nullopt};
      a.events.push_back({std::string(data_type), encode_stored(d), data_priority, false});
    }
    a.create_options.buffer_limit = settings_.buffer_limit;
    a.create_options.ttl = meta.store_ttl(settings_.max_ttl);
    const std::size_t count = a.events.size() - 1;  // the metadata is not data
    auto appended = co_await store_.append(std::move(a));
    if (!appended) {
      if (appended.error() == errc::producer_seq_conflict ||
          appended.error() == errc::stream_ended) {
        continue;  // created meanwhile by another request: answer as for an existing one
      }
      co_return store_failure(appended.error());
    }
    if (appended->duplicate) {
      continue;
    }
    if (observer_ != nullptr) {
      observer_->appended(id, count, *appended);
    }
    {
      std::lock_guard lock(mutex_);
      cache_[id] = {appended->epoch, meta};
    }
    if (close) {
      auto ended = co_await store_.end(id, store::stream_status::completed);
      if (!ended) {
        co_return store_failure(ended.error());
      }
      if (observer_ != nullptr) {
        observer_->ended(id, *ended);
      }
    }
    reply r = base_reply(201);
    const auto host = req.header("Host");
    r.headers.emplace_back("Location",
                           host ? "http://" + *host + path_of(req.target) : path_of(req.target));
    r.headers.emplace_back("Content-Type", meta.content_type);
    r.headers.emplace_back("Stream-Next-Offset", mint_offset(appended->last_seq));
    if (close) {
      r.headers.emplace_back("Stream-Closed", "true");
    }
    co_return r;
  }
  co_return error_reply(503, "store_busy", "the stream changed during the create; retry");
}

}  // namespace sse::durable
