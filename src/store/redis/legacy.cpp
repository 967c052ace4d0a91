#include "store/redis/legacy.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "store/redis/compression.hpp"
#include "store/redis/record.hpp"

namespace sse::store::redis_layout {

namespace json = boost::json;

result<legacy_event> decode_legacy_event(std::string_view element) {
  auto text = zstd_decompress(element, max_record_data);
  if (!text) {
    return text.error();
  }
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) {
    return errc::internal;
  }
  const json::object& o = v.get_object();
  legacy_event e;
  const json::value* seq = o.if_contains("seq");
  const json::value* data = o.if_contains("data");
  if (seq == nullptr || data == nullptr || !data->is_string()) {
    return errc::internal;
  }
  if (seq->is_uint64()) {
    e.seq = seq->get_uint64();
  } else if (seq->is_int64() && seq->get_int64() > 0) {
    e.seq = static_cast<seq_t>(seq->get_int64());
  } else {
    return errc::internal;
  }
  if (e.seq == 0) {
    return errc::internal;
  }
  e.data = std::string(data->get_string());
  if (const json::value* type = o.if_contains("event"); type != nullptr && type->is_string()) {
    e.type = std::string(type->get_string());
  }
  if (const json::value* p = o.if_contains("priority"); p != nullptr && p->is_int64()) {
    auto pr = p->get_int64();
    if (pr < min_priority || pr > max_priority) {
      return errc::internal;
    }
    e.priority = static_cast<int>(pr);
  }
  return e;
}

std::string legacy_event_json(const legacy_event& e) {
  json::object o;
  o["seq"] = e.seq;
  if (!e.type.empty()) {
    o["event"] = e.type;
  }
  o["priority"] = e.priority;
  o["data"] = e.data;
  return json::serialize(o);
}

std::string encode_legacy_event(const legacy_event& e) {
  return zstd_compress(legacy_event_json(e), 3);
}

}  // namespace sse::store::redis_layout
