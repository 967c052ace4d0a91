// A DS stream's metadata (seq 1): its JSON form and its lifetime in the store.
#include <algorithm>
#include <boost/json.hpp>

#include "durable/door.hpp"

namespace sse::durable {

std::chrono::milliseconds stream_meta::store_ttl(std::chrono::milliseconds max_ttl) const {
  using std::chrono::milliseconds;
  if (expires_at_ms) {
    // The door refuses reads past Expires-At itself; the store only has to let go soon after.
    return std::clamp(milliseconds(*expires_at_ms - created_ms + 1000), milliseconds(1000),
                      max_ttl);
  }
  if (ttl_seconds) {
    // Capped in seconds first: a huge Stream-TTL would overflow as milliseconds.
    const auto seconds =
        std::min<std::uint64_t>(*ttl_seconds, static_cast<std::uint64_t>(max_ttl.count() / 1000));
    return milliseconds(static_cast<std::int64_t>(seconds) * 1000);
  }
  return max_ttl;
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
  if (m.deleted) {
    o["deleted"] = true;
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
  if (const auto* d = o->if_contains("deleted"); d != nullptr && d->is_bool()) {
    m.deleted = d->as_bool();
  }
  return m;
}

}  // namespace sse::durable
