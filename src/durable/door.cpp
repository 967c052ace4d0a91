#include "durable/door.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>

#include "core/base64.hpp"
#include "stream/sse_parser.hpp"

namespace sse::durable {
namespace {

namespace net = boost::asio;

constexpr std::string_view meta_type = "ds.meta";
constexpr std::string_view data_type = "ds.data";
// No bytes, only a producer's step (a close by a producer): skipped by reads.
constexpr std::string_view state_type = "ds.state";
// Data is trimmed oldest-first and before the metadata: all data has one priority, below it.
constexpr int data_priority = 0;
constexpr int meta_priority = max_priority;
constexpr std::string_view catch_up_cache = "public, max-age=60, stale-while-revalidate=300";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

reply base_reply(unsigned status) {
  reply r;
  r.status = status;
  r.headers = {{"X-Content-Type-Options", "nosniff"},
               {"Cross-Origin-Resource-Policy", "cross-origin"}};
  return r;
}

reply error_reply(unsigned status, std::string_view code, std::string_view message) {
  reply r = base_reply(status);
  boost::json::object o;
  o["error"] = code;
  o["message"] = message;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(o);
  return r;
}

reply store_failure(const boost::system::error_code& ec) {
  if (ec == errc::store_unavailable || ec == errc::outcome_unknown) {
    return error_reply(503, error_name(static_cast<errc>(ec.value())), ec.message());
  }
  return error_reply(500, "internal", ec.message());
}

/// One stored event of a DS stream, decoded from its SSE frame.
struct decoded_event {
  seq_t seq = 0;
  std::string type;
  std::string data;
};

decoded_event decode_event(const stream::stored_event& e) {
  decoded_event out;
  out.seq = e.seq;
  stream::sse_parser parser;
  auto events = parser.feed(*e.frame);
  if (!events.empty()) {
    out.type = std::move(events.front().event);
    out.data = std::move(events.front().data);
  }
  return out;
}

/// The data events of a read, with their bytes, and the state events (no bytes).
struct data_event {
  seq_t seq = 0;
  stored_data stored;
  bool state_only = false;
};

std::vector<data_event> data_events(const store::read_result& r) {
  std::vector<data_event> out;
  for (const auto& e : r.events) {
    if (e.is_end || e.seq <= meta_seq) {
      continue;
    }
    auto d = decode_event(e);
    if (d.type != data_type && d.type != state_type) {
      continue;
    }
    if (auto s = decode_stored(d.data)) {
      out.push_back({e.seq, std::move(*s), d.type == state_type});
    }
  }
  return out;
}

struct read_query {
  parsed_offset offset;
  bool offset_given = false;
  std::string live;  ///< "", "long-poll", "sse"
  std::optional<std::string> cursor;
};

std::optional<read_query> parse_read_query(std::string_view target, std::string& error) {
  read_query q;
  const auto qm = target.find('?');
  if (qm == std::string_view::npos) {
    return q;
  }
  auto params = parse_query(target.substr(qm + 1));
  if (!params) {
    error = "malformed query string";
    return std::nullopt;
  }
  for (auto& [key, value] : *params) {
    if (key == "offset") {
      if (q.offset_given) {
        error = "offset given more than once";
        return std::nullopt;
      }
      auto o = parse_offset(value);
      if (!o) {
        error = "malformed offset '" + value + "'";
        return std::nullopt;
      }
      q.offset = *o;
      q.offset_given = true;
    } else if (key == "live") {
      if (value != "long-poll" && value != "sse") {
        error = "live must be long-poll or sse, not '" + value + "'";
        return std::nullopt;
      }
      q.live = value;
    } else if (key == "cursor") {
      q.cursor = value;
    }
  }
  return q;
}

/// The last (epoch, seq) the stream stored for a producer; nullopt: none (or trimmed since).
std::optional<producer_tag> last_producer_state(const std::vector<data_event>& events,
                                                const std::string& producer_id) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->stored.producer && it->stored.producer->id == producer_id) {
      return it->stored.producer;
    }
  }
  return std::nullopt;
}

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

/// The last Stream-Seq any append carried, scanning back from the newest event.
std::optional<std::string> last_stream_seq(const std::vector<data_event>& events) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->stored.stream_seq) {
      return it->stored.stream_seq;
    }
  }
  return std::nullopt;
}

/// Wakes a long-poll or SSE read when its stream gets a batch (listener callbacks only post).
struct wake_state {
  explicit wake_state(net::any_io_executor ex) : timer(ex) {}
  net::steady_timer timer;
  bool pending = false;
};

class wake_listener final : public store::live_listener {
 public:
  wake_listener(std::shared_ptr<wake_state> state, net::any_io_executor ex)
      : state_(std::move(state)), ex_(std::move(ex)) {}
  void on_events(std::shared_ptr<const stream::event_batch>) override { poke(); }
  void on_stream_gone(const std::string&) override { poke(); }
  void on_resync(const std::string&) override { poke(); }

 private:
  void poke() {
    net::post(ex_, [s = state_] {
      s->pending = true;
      s->timer.cancel();
    });
  }
  std::shared_ptr<wake_state> state_;
  net::any_io_executor ex_;
};

/// Watches a stream for the life of a live read.
class live_watch {
 public:
  live_watch(store::store& store, std::string id, net::any_io_executor ex)
      : store_(store),
        id_(std::move(id)),
        state_(std::make_shared<wake_state>(ex)),
        listener_(state_, ex) {}
  ~live_watch() {
    if (watching_) {
      store_.unwatch(id_, &listener_);
    }
  }
  live_watch(const live_watch&) = delete;
  live_watch& operator=(const live_watch&) = delete;

  net::awaitable<bool> start() {
    auto r = co_await store_.watch(id_, &listener_);
    watching_ = r.has_value();
    co_return watching_;
  }
  /// Clears the wake-up flag before a read, so that a batch after the read is not missed.
  void arm() { state_->pending = false; }
  /// Waits until a batch arrives (true) or the deadline passes (false).
  net::awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline) {
    if (state_->pending) {
      co_return true;
    }
    state_->timer.expires_at(deadline);
    co_await state_->timer.async_wait(net::as_tuple(net::use_awaitable));
    co_return state_->pending;
  }

 private:
  store::store& store_;
  std::string id_;
  std::shared_ptr<wake_state> state_;
  wake_listener listener_;
  bool watching_ = false;
};

}  // namespace

bool is_durable_path(std::string_view path) noexcept {
  return path.starts_with(path_prefix);
}

std::optional<std::string> request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) {
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> stream_meta::deadline_ms(std::int64_t last_access_ms) const {
  if (expires_at_ms) {
    return expires_at_ms;
  }
  if (ttl_seconds) {
    return std::max(created_ms, last_access_ms) + static_cast<std::int64_t>(*ttl_seconds) * 1000;
  }
  return std::nullopt;
}

std::string encode_meta(const stream_meta& m) {
  boost::json::object o;
  o["content_type"] = m.content_type;
  o["created_ms"] = m.created_ms;
  if (m.ttl_seconds) {
    o["ttl_seconds"] = *m.ttl_seconds;
  }
  if (m.expires_at_ms) {
    o["expires_at_ms"] = *m.expires_at_ms;
  }
  if (m.fork_of) {
    o["fork_of"] = *m.fork_of;
    o["fork_at"] = m.fork_at;
    o["fork_sub"] = m.fork_sub;
  }
  return boost::json::serialize(o);
}

std::optional<stream_meta> decode_meta(std::string_view data) {
  boost::system::error_code ec;
  auto v = boost::json::parse(data, ec);
  const auto* o = ec ? nullptr : v.if_object();
  if (o == nullptr) {
    return std::nullopt;
  }
  stream_meta m;
  const auto* ct = o->if_contains("content_type");
  const auto* created = o->if_contains("created_ms");
  if (ct == nullptr || !ct->is_string() || created == nullptr || !created->is_int64()) {
    return std::nullopt;
  }
  m.content_type = std::string(ct->as_string());
  m.created_ms = created->as_int64();
  if (const auto* t = o->if_contains("ttl_seconds")) {
    auto n = t->to_number<std::uint64_t>(ec);
    if (ec) {
      return std::nullopt;
    }
    m.ttl_seconds = n;
  }
  if (const auto* e = o->if_contains("expires_at_ms"); e != nullptr && e->is_int64()) {
    m.expires_at_ms = e->as_int64();
  }
  if (const auto* f = o->if_contains("fork_of"); f != nullptr && f->is_string()) {
    m.fork_of = std::string(f->as_string());
    const auto* at = o->if_contains("fork_at");
    const auto* sub = o->if_contains("fork_sub");
    m.fork_at = at != nullptr ? at->to_number<seq_t>(ec) : 0;
    m.fork_sub = sub != nullptr ? sub->to_number<std::uint64_t>(ec) : 0;
    if (ec) {
      return std::nullopt;
    }
  }
  return m;
}

struct door::located {
  store::stream_info info;
  stream_meta meta;
  std::int64_t last_access_ms = 0;
  bool closed() const { return info.status != store::stream_status::open; }
  /// The last data seq: the end event, when closed, is not data.
  seq_t tail() const { return closed() ? info.last_seq - 1 : info.last_seq; }
};

door::door(store::store& store, settings s) : store_(store), settings_(s) {}

void door::touch(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(id); it != cache_.end()) {
    it->second.last_access_ms = now_ms();
  }
}

std::string door::cursor(std::optional<std::string_view> client) {
  std::lock_guard lock(mutex_);
  return next_cursor(now_ms(), client, rng_);
}

net::awaitable<std::optional<door::located>> door::locate(const std::string& id, reply& error) {
  auto info = co_await store_.info(id);
  if (!info) {
    error = info.error() == errc::stream_not_found
                ? error_reply(404, "stream_not_found", "no stream at this path")
                : store_failure(info.error());
    co_return std::nullopt;
  }
  located out{*info, {}};
  bool cached = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(id); it != cache_.end() && it->second.epoch == info->epoch) {
      out.meta = it->second.meta;
      out.last_access_ms = it->second.last_access_ms;
      cached = true;
    }
  }
  if (!cached) {
    auto r = co_await store_.read_after(id, 0);
    if (!r) {
      error = r.error() == errc::stream_not_found
                  ? error_reply(404, "stream_not_found", "no stream at this path")
                  : store_failure(r.error());
      co_return std::nullopt;
    }
    std::optional<stream_meta> meta;
    if (!r->events.empty() && r->events.front().seq == meta_seq) {
      auto d = decode_event(r->events.front());
      if (d.type == meta_type) {
        meta = decode_meta(d.data);
      }
    }
    if (!meta) {
      error = error_reply(404, "stream_not_found", "no Durable Streams stream at this path");
      co_return std::nullopt;
    }
    out.meta = *meta;
    // First sight on this node: counted as an access now, so that a forgotten entry never
    // shortens a stream's life (it may lengthen it by one TTL).
    out.last_access_ms = now_ms();
    std::lock_guard lock(mutex_);
    if (cache_.size() >= 65536) {
      cache_.clear();  // a bound, not an LRU: a miss costs one read
    }
    cache_[id] = {info->epoch, *meta, out.last_access_ms};
  }
  if (auto deadline = out.meta.deadline_ms(out.last_access_ms); deadline && now_ms() >= *deadline) {
    co_await store_.remove(id);  // expired: gone for every reader from now on
    error = error_reply(404, "stream_not_found", "the stream expired");
    co_return std::nullopt;
  }
  co_return out;
}

bool door::is_sse(const request& req) const {
  if (req.method != "GET") {
    return false;
  }
  std::string error;
  auto q = parse_read_query(req.target, error);
  return q && q->live == "sse";
}

net::awaitable<reply> door::handle(const request& req) {
  const std::string path = path_of(req.target);
  auto id = store_id_for_path(std::string_view(path).substr(path_prefix.size()));
  if (!id) {
    co_return error_reply(400, "invalid_stream_path",
                          "the stream path is empty or too long once encoded (at most 125 "
                          "bytes, 3 for each byte outside [A-Za-z0-9.-])");
  }
  if (req.method == "PUT") {
    co_return co_await create(req, *id);
  }
  if (req.method == "POST") {
    co_return co_await append(req, *id);
  }
  if (req.method == "DELETE") {
    co_return co_await remove(*id);
  }
  if (req.method == "HEAD") {
    co_return co_await head(*id);
  }
  if (req.method == "GET") {
    co_return co_await read(req, *id);
  }
  reply r = error_reply(405, "method_not_allowed", "the method is not served on streams");
  r.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  co_return r;
}

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
  const auto sub_offset_text = req.header("Stream-Fork-Sub-Offset");
  if (sub_offset_text && !req.header("Stream-Forked-From")) {
    co_return error_reply(400, "invalid_argument",
                          "Stream-Fork-Sub-Offset needs Stream-Forked-From");
  }
  if (const auto source_path = req.header("Stream-Forked-From")) {
    std::string_view sp = path_of(*source_path);
    if (sp.starts_with(path_prefix)) {
      sp.remove_prefix(path_prefix.size());
    }
    auto source_id = store_id_for_path(sp);
    if (!source_id) {
      co_return error_reply(400, "invalid_argument", "Stream-Forked-From names no stream path");
    }
    reply error;
    auto source = co_await locate(*source_id, error);
    if (!source) {
      co_return error;
    }
    if (!req.header("Content-Type")) {
      meta.content_type = source->meta.content_type;
    } else if (!same_content_type(meta.content_type, source->meta.content_type)) {
      co_return error_reply(409, "content_type_mismatch",
                            "a fork keeps its source's content type, " + source->meta.content_type);
    }
    if (!ttl && !expires) {
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
    meta.fork_of = std::string(sp);
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
    if (error.status != 404) {
      co_return error;
    }
    meta.created_ms = now_ms();
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
    auto lifetime = settings_.max_ttl;
    if (meta.expires_at_ms) {
      lifetime = std::clamp(std::chrono::milliseconds(*meta.expires_at_ms - meta.created_ms + 1000),
                            std::chrono::milliseconds(1000), settings_.max_ttl);
    }
    a.create_options.ttl = lifetime;
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
    {
      std::lock_guard lock(mutex_);
      cache_[id] = {appended->epoch, meta, meta.created_ms};
    }
    if (close) {
      auto ended = co_await store_.end(id, store::stream_status::completed);
      if (!ended) {
        co_return store_failure(ended.error());
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

net::awaitable<reply> door::append(const request& req, const std::string& id) {
  const bool close = header_true(req.header("Stream-Closed").value_or(""));
  const auto content_type = req.header("Content-Type");
  const auto stream_seq = req.header("Stream-Seq");
  const auto producer = parse_producer(req.header("Producer-Id"), req.header("Producer-Epoch"),
                                       req.header("Producer-Seq"));
  if (!producer.error.empty()) {
    co_return error_reply(400, "invalid_producer", producer.error);
  }
  const bool close_only = req.body.empty();
  for (int attempt = 0; attempt < 20; ++attempt) {
    reply error;
    auto s = co_await locate(id, error);
    if (!s) {
      co_return error;
    }
    auto closed_reply = [&](unsigned status) {
      reply r = status == 409 ? error_reply(409, "stream_closed", "the stream is closed")
                              : base_reply(status);
      r.headers.emplace_back("Stream-Next-Offset", mint_offset(s->tail()));
      r.headers.emplace_back("Stream-Closed", "true");
      return r;
    };
    if (close_only && !close) {
      co_return error_reply(400, "empty_body", "an append needs a body");
    }
    std::vector<std::string> messages;
    if (!close_only) {
      if (!content_type || content_type->empty()) {
        co_return error_reply(400, "missing_content_type", "an append needs a Content-Type");
      }
      if (!same_content_type(*content_type, s->meta.content_type)) {
        co_return error_reply(
            409, "content_type_mismatch",
            "the stream's content type is " + s->meta.content_type + ", not " + *content_type);
      }
      if (is_json_type(s->meta.content_type)) {
        auto j = flatten_json(req.body, false);
        if (!j.error.empty()) {
          co_return error_reply(400, "invalid_json", j.error);
        }
        messages = std::move(j.messages);
      } else {
        messages.push_back(req.body);
      }
    }
    // Stream-Seq and producer state live in the stored events: read them, decide, then append
    // only if nothing came in between (producer_seq is the seq the batch must get).
    const bool conditional = stream_seq.has_value() || producer.tag.has_value();
    std::optional<std::string> last_seq_text;
    std::optional<producer_tag> last_producer;
    if (conditional) {
      auto r = co_await store_.read_after(id, meta_seq);
      if (!r) {
        co_return store_failure(r.error());
      }
      const auto events = data_events(*r);
      last_seq_text = last_stream_seq(events);
      if (producer.tag) {
        last_producer = last_producer_state(events, producer.tag->id);
      }
    }
    if (producer.tag) {
      const auto& tag = *producer.tag;
      switch (check_producer(last_producer, tag)) {
        case producer_verdict::stale_epoch: {
          reply r = error_reply(403, "stale_producer_epoch",
                                "Producer-Epoch " + std::to_string(tag.epoch) +
                                    " is older than the producer's current epoch");
          r.headers.emplace_back("Producer-Epoch", std::to_string(last_producer->epoch));
          co_return r;
        }
        case producer_verdict::seq_gap: {
          const auto expected = last_producer ? last_producer->seq + 1 : 0;
          reply r = error_reply(409, "producer_seq_gap",
                                "Producer-Seq " + std::to_string(tag.seq) + " skips ahead of " +
                                    std::to_string(expected));
          r.headers.emplace_back("Producer-Expected-Seq", std::to_string(expected));
          r.headers.emplace_back("Producer-Received-Seq", std::to_string(tag.seq));
          co_return r;
        }
        case producer_verdict::new_epoch_not_at_zero:
          co_return error_reply(400, "invalid_producer", "a new Producer-Epoch starts at seq 0");
        case producer_verdict::duplicate: {
          reply r = s->closed() ? closed_reply(204) : base_reply(204);
          if (!s->closed()) {
            r.headers.emplace_back("Stream-Next-Offset", mint_offset(s->tail()));
          }
          r.headers.emplace_back("Producer-Epoch", std::to_string(tag.epoch));
          r.headers.emplace_back("Producer-Seq", std::to_string(last_producer->seq));
          co_return r;
        }
        case producer_verdict::accept:
          break;
      }
    }
    if (s->closed()) {
      co_return closed_reply(close_only ? 204 : 409);  // closing again is a no-op
    }
    if (stream_seq && last_seq_text && *stream_seq <= *last_seq_text) {
      co_return error_reply(
          409, "stream_seq_conflict",
          "Stream-Seq '" + *stream_seq + "' is not above the last one, '" + *last_seq_text + "'");
    }
    touch(id);
    store::append_request a;
    a.stream_id = id;
    if (conditional) {
      a.producer_seq = s->info.last_seq + 1;
    }
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const bool last = i + 1 == messages.size();
      stored_data d{std::move(messages[i]), last ? stream_seq : std::nullopt,
                    last ? producer.tag : std::nullopt};
      a.events.push_back({std::string(data_type), encode_stored(d), data_priority, false});
    }
    if (close_only && producer.tag) {
      // A close by a producer is a step of its sequence too: a state event carries it.
      stored_data d{"", std::nullopt, producer.tag};
      a.events.push_back({std::string(state_type), encode_stored(d), data_priority, false});
    }
    seq_t tail = s->tail();
    if (!a.events.empty()) {
      auto appended = co_await store_.append(std::move(a));
      if (!appended) {
        if (appended.error() == errc::producer_seq_conflict) {
          continue;  // another append came first: decide again
        }
        if (appended.error() == errc::stream_ended) {
          co_return closed_reply(409);
        }
        co_return store_failure(appended.error());
      }
      if (appended->duplicate) {
        continue;
      }
      tail = appended->last_seq;
    }
    if (close) {
      auto ended = co_await store_.end(id, store::stream_status::completed);
      if (!ended) {
        co_return store_failure(ended.error());
      }
      tail = ended->last_seq - 1;
    }
    reply r = base_reply(producer.tag && !close_only ? 200 : 204);
    r.headers.emplace_back("Stream-Next-Offset", mint_offset(tail));
    if (close) {
      r.headers.emplace_back("Stream-Closed", "true");
    }
    if (producer.tag) {
      r.headers.emplace_back("Producer-Epoch", std::to_string(producer.tag->epoch));
      r.headers.emplace_back("Producer-Seq", std::to_string(producer.tag->seq));
    }
    co_return r;
  }
  co_return error_reply(503, "store_busy", "the stream kept changing; retry the append");
}

net::awaitable<reply> door::remove(const std::string& id) {
  auto r = co_await store_.remove(id);
  if (!r) {
    co_return r.error() == errc::stream_not_found
        ? error_reply(404, "stream_not_found", "no stream at this path")
        : store_failure(r.error());
  }
  {
    std::lock_guard lock(mutex_);
    cache_.erase(id);
  }
  co_return base_reply(204);
}

net::awaitable<reply> door::head(const std::string& id) {
  reply error;
  auto s = co_await locate(id, error);
  if (!s) {
    co_return error;
  }
  reply r = base_reply(200);
  r.headers.emplace_back("Content-Type", s->meta.content_type);
  r.headers.emplace_back("Stream-Next-Offset", mint_offset(s->tail()));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (s->meta.ttl_seconds) {
    const auto left = std::max<std::int64_t>(
        0, (*s->meta.deadline_ms(s->last_access_ms) - now_ms() + 999) / 1000);
    r.headers.emplace_back("Stream-TTL", std::to_string(left));
  }
  if (s->meta.expires_at_ms) {
    r.headers.emplace_back("Stream-Expires-At", format_rfc3339(*s->meta.expires_at_ms));
  }
  if (s->closed()) {
    r.headers.emplace_back("Stream-Closed", "true");
  }
  co_return r;
}

net::awaitable<reply> door::read(const request& req, const std::string& id) {
  std::string bad;
  auto q = parse_read_query(req.target, bad);
  if (!q) {
    co_return error_reply(400, "invalid_argument", bad);
  }
  if (!q->live.empty() && !q->offset_given) {
    co_return error_reply(400, "invalid_argument", "a live read needs an offset");
  }
  reply error;
  auto s = co_await locate(id, error);
  if (!s) {
    co_return error;
  }
  touch(id);
  const bool json = is_json_type(s->meta.content_type);
  seq_t after = meta_seq;
  if (q->offset.kind == offset_kind::now) {
    after = s->tail();
  } else if (q->offset.kind == offset_kind::position) {
    after = q->offset.seq;
    if (after > s->tail()) {
      co_return error_reply(400, "invalid_offset", "the offset is past the stream's tail");
    }
  }
  auto finish = [&](reply r, bool live) {
    if (live) {
      r.headers.emplace_back("Stream-Cursor", cursor(q->cursor));
    }
    return r;
  };
  if (q->offset.kind == offset_kind::now && q->live.empty()) {
    reply r = base_reply(200);
    r.headers.emplace_back("Content-Type", s->meta.content_type);
    r.headers.emplace_back("Stream-Next-Offset", mint_offset(after));
    r.headers.emplace_back("Stream-Up-To-Date", "true");
    r.headers.emplace_back("Cache-Control", "no-store");
    if (s->closed()) {
      r.headers.emplace_back("Stream-Closed", "true");
    }
    r.body = json ? "[]" : "";
    co_return r;
  }

  std::optional<live_watch> watch;
  const auto deadline = std::chrono::steady_clock::now() + settings_.long_poll_timeout;
  const bool long_poll = q->live == "long-poll";
  for (;;) {
    if (watch) {
      watch->arm();
    }
    auto r = co_await store_.read_after(id, after);
    if (!r) {
      co_return r.error() == errc::stream_not_found
          ? error_reply(404, "stream_not_found", "no stream at this path")
          : store_failure(r.error());
    }
    const bool closed = r->ended;
    const seq_t tail = closed ? r->last_seq - 1 : r->last_seq;
    auto events = data_events(*r);
    if (after < tail && (events.empty() || events.front().seq > after + 1)) {
      co_return error_reply(410, "offset_gone",
                            "the data at this offset was trimmed (retention keeps the newest)");
    }
    std::erase_if(events, [](const data_event& e) { return e.state_only; });
    if (events.empty() && long_poll && !closed) {
      if (!watch) {
        auto ex = co_await net::this_coro::executor;
        watch.emplace(store_, id, ex);
        if (!co_await watch->start()) {
          co_return error_reply(503, "store_unavailable", "could not watch the stream");
        }
        continue;  // read again now that batches wake us
      }
      if (!co_await watch->wait_until(deadline)) {
        reply t = base_reply(204);
        t.headers.emplace_back("Stream-Next-Offset", mint_offset(after));
        t.headers.emplace_back("Stream-Up-To-Date", "true");
        co_return finish(std::move(t), true);
      }
      continue;
    }
    // Chunking: at least one event, then up to max_read_bytes.
    std::size_t bytes = 0, taken = 0;
    while (taken < events.size() &&
           (taken == 0 || bytes + events[taken].stored.bytes.size() <= settings_.max_read_bytes)) {
      bytes += events[taken].stored.bytes.size();
      ++taken;
    }
    const bool up_to_date = taken == events.size();
    const seq_t next = taken == 0 ? std::max(after, tail) : events[taken - 1].seq;
    if (long_poll && closed && taken == 0) {
      reply t = base_reply(204);
      t.headers.emplace_back("Stream-Next-Offset", mint_offset(next));
      t.headers.emplace_back("Stream-Up-To-Date", "true");
      t.headers.emplace_back("Stream-Closed", "true");
      co_return finish(std::move(t), true);
    }
    reply out = base_reply(200);
    if (json) {
      out.body = "[";
      for (std::size_t i = 0; i < taken; ++i) {
        if (i > 0) {
          out.body += ',';
        }
        out.body += events[i].stored.bytes;
      }
      out.body += ']';
    } else {
      out.body.reserve(bytes);
      for (std::size_t i = 0; i < taken; ++i) {
        out.body += events[i].stored.bytes;
      }
    }
    const std::string etag = "\"" + id + ":" + mint_offset(after) + ":" + mint_offset(next) +
                             (closed && up_to_date ? ":c" : "") + "\"";
    out.headers.emplace_back("Content-Type", s->meta.content_type);
    out.headers.emplace_back("Stream-Next-Offset", mint_offset(next));
    if (up_to_date) {
      out.headers.emplace_back("Stream-Up-To-Date", "true");
    }
    if (closed && up_to_date) {
      out.headers.emplace_back("Stream-Closed", "true");
    }
    out.headers.emplace_back("ETag", etag);
    out.headers.emplace_back("Cache-Control", std::string(catch_up_cache));
    if (auto inm = req.header("If-None-Match"); inm && *inm == etag) {
      reply nm = base_reply(304);
      nm.headers.emplace_back("ETag", etag);
      nm.headers.emplace_back("Stream-Next-Offset", mint_offset(next));
      co_return finish(std::move(nm), long_poll);
    }
    co_return finish(std::move(out), long_poll);
  }
}

net::awaitable<sse_start> door::start_sse(const request& req) {
  sse_start out;
  const std::string path = path_of(req.target);
  auto id = store_id_for_path(std::string_view(path).substr(path_prefix.size()));
  std::string bad;
  auto q = parse_read_query(req.target, bad);
  if (!id || !q) {
    out.head = error_reply(400, "invalid_argument", id ? bad : "bad stream path");
    co_return out;
  }
  reply error;
  auto s = co_await locate(*id, error);
  if (!s) {
    out.head = std::move(error);
    co_return out;
  }
  if (!q->offset_given) {
    out.head = error_reply(400, "invalid_argument", "a live read needs an offset");
    co_return out;
  }
  // A browser's EventSource reconnects to the URL it was opened with, naming the `id:` of the
  // last data event it received (the offset after it) in Last-Event-ID: resuming there rather
  // than at the URL's offset is what hands it every event once (an extension, PROTOCOL.md 9.1).
  if (const auto last = req.header("Last-Event-ID")) {
    const auto o = parse_offset(*last);
    if (!o || o->kind != offset_kind::position) {
      out.head = error_reply(400, "invalid_offset", "Last-Event-ID is not an offset: " + *last);
      co_return out;
    }
    q->offset = *o;
  }
  sse_plan plan;
  plan.id = *id;
  plan.json = is_json_type(s->meta.content_type);
  plan.base64 = !sse_compatible(s->meta.content_type);
  plan.cursor = q->cursor;
  plan.after = meta_seq;
  if (q->offset.kind == offset_kind::now) {
    plan.after = s->tail();
  } else if (q->offset.kind == offset_kind::position) {
    plan.after = q->offset.seq;
    if (plan.after > s->tail()) {
      out.head = error_reply(400, "invalid_offset", "the offset is past the stream's tail");
      co_return out;
    }
  }
  out.head = base_reply(200);
  out.head.headers.emplace_back("Content-Type", "text/event-stream");
  out.head.headers.emplace_back("Cache-Control", "no-cache");
  if (plan.base64) {
    // Bytes that are not text travel as base64 in data events (PROTOCOL.md, SSE encoding).
    out.head.headers.emplace_back("Stream-SSE-Data-Encoding", "base64");
  }
  touch(*id);
  out.plan = std::move(plan);
  co_return out;
}

net::awaitable<void> door::stream_sse(sse_plan plan, sse_sink& sink) {
  const std::string* id = &plan.id;
  const bool json = plan.json;
  seq_t after = plan.after;
  auto ex = co_await net::this_coro::executor;
  live_watch watch(store_, *id, ex);
  if (!co_await watch.start()) {
    co_return;
  }
  const auto end_at = std::chrono::steady_clock::now() + settings_.sse_max_duration;
  std::optional<std::string> client_cursor = plan.cursor;
  bool first = true;
  while (std::chrono::steady_clock::now() < end_at) {
    watch.arm();
    auto r = co_await store_.read_after(*id, after);
    if (!r) {
      co_return;  // deleted or unreachable: the client reconnects and learns which
    }
    const bool closed = r->ended;
    const seq_t tail = closed ? r->last_seq - 1 : r->last_seq;
    auto events = data_events(*r);
    if (after < tail && (events.empty() || events.front().seq > after + 1)) {
      co_return;  // trimmed under the reader: a reconnect gets 410
    }
    std::erase_if(events, [](const data_event& e) { return e.state_only; });
    std::string out;
    if (!events.empty()) {
      after = events.back().seq;
      out += "event: data\nid: " + mint_offset(after) + "\n";
      std::string payload;
      if (json) {
        payload = "[";
        for (std::size_t i = 0; i < events.size(); ++i) {
          payload += (i > 0 ? "," : "");
          payload += events[i].stored.bytes;
        }
        payload += "]";
      } else {
        for (auto& e : events) {
          payload += e.stored.bytes;
        }
        if (plan.base64) {
          payload = core::base64_encode(payload);
        }
      }
      std::size_t start = 0;
      for (std::size_t i = 0; i <= payload.size(); ++i) {
        if (i == payload.size() || payload[i] == '\n' || payload[i] == '\r') {
          // "data:" then the line; a space after the colon only when the line starts with one
          // (a parser drops one leading space).
          std::string_view line(payload.data() + start, i - start);
          out += line.starts_with(' ') ? "data: " : "data:";
          out += line;
          out += "\n";
          if (i < payload.size() && payload[i] == '\r' && i + 1 < payload.size() &&
              payload[i + 1] == '\n') {
            ++i;
          }
          start = i + 1;
        }
      }
      out += "\n";
    }
    if (!events.empty() || first || closed) {
      boost::json::object control;
      control["streamNextOffset"] = mint_offset(std::max(after, tail));
      if (closed) {
        control["streamClosed"] = true;
      } else {
        const std::string c = cursor(client_cursor);
        client_cursor = c;
        control["streamCursor"] = c;
        control["upToDate"] = true;
      }
      out += "event: control\ndata:" + boost::json::serialize(control) + "\n\n";
    }
    first = false;
    if (!out.empty() && !co_await sink.write(std::move(out))) {
      co_return;
    }
    if (closed) {
      co_return;
    }
    const auto beat = std::min(end_at, std::chrono::steady_clock::now() + std::chrono::seconds(15));
    if (!co_await watch.wait_until(beat) && std::chrono::steady_clock::now() < end_at) {
      if (!co_await sink.write(": keep-alive\n\n")) {
        co_return;
      }
    }
  }
}

}  // namespace sse::durable
