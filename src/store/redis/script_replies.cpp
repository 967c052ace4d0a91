#include "store/redis/script_replies.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "store/redis/record.hpp"
#include "store/redis/unreadable.hpp"

namespace sse::store::redis_layout {

using redis::reply;

namespace {

long long int_at(const reply& r, std::size_t i) {
  if (i >= r.elements.size()) {
    return 0;
  }
  return r.elements[i].to_int().value_or(0);
}

const std::string& str_at(const reply& r, std::size_t i) {
  static const std::string empty;
  return i < r.elements.size() ? r.elements[i].str : empty;
}

// {seq, prio, size, ...} as evicted events, in eviction order.
std::vector<stream::trimmed_event> evicted_of(const reply& list) {
  std::vector<stream::trimmed_event> out;
  for (std::size_t i = 0; i + 2 < list.elements.size(); i += 3) {
    out.push_back(stream::trimmed_event{
        static_cast<seq_t>(list.elements[i].to_int().value_or(0)),
        static_cast<int>(list.elements[i + 1].to_int().value_or(0)),
        static_cast<std::uint32_t>(list.elements[i + 2].to_int().value_or(0))});
  }
  return out;
}

}  // namespace

std::string_view tag_of(const reply& r) {
  if (!r.is_array() || r.elements.empty() || !r.elements[0].is_string()) {
    return {};
  }
  return r.elements[0].str;
}

errc error_of(const reply& r) {
  for (std::string_view p : {"OOM", "LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN"}) {
    if (r.error_starts_with(p)) {
      return errc::store_unavailable;
    }
  }
  return errc::internal;
}

result<create_result> decode_create(const reply& r, const store_limits& defaults) {
  const auto tag = tag_of(r);
  if (tag != "created" && tag != "exists") {
    return errc::internal;
  }
  create_result out{str_at(r, 1), tag == "created", defaults.buffer_limit, defaults.ttl};
  if (r.elements.size() >= 4) {
    if (auto limit = r.elements[2].to_int()) {
      out.buffer_limit = static_cast<std::size_t>(*limit);
    }
    if (auto ttl = r.elements[3].to_int()) {
      out.ttl = std::chrono::milliseconds(*ttl);
    }
  }
  return out;
}

result<append_reply> decode_append(const reply& r) {
  const auto tag = tag_of(r);
  if (tag == "ended") {
    return errc::stream_ended;
  }
  if (tag == "conflict") {
    return errc::producer_seq_conflict;
  }
  append_reply out;
  append_result& res = out.result;
  res.epoch = str_at(r, 1);
  res.first_seq = static_cast<seq_t>(int_at(r, 2));
  res.last_seq = static_cast<seq_t>(int_at(r, 3));
  if (tag == "dup") {
    res.duplicate = true;
    res.trimmed = static_cast<std::uint64_t>(int_at(r, 4));
    return out;
  }
  if (tag != "ok" || r.elements.size() < 8) {
    return errc::internal;
  }
  res.created = int_at(r, 4) != 0;
  res.evicted = evicted_of(r.elements[5]);
  // The script evicts superseded events first: they are the first `superseded` victims.
  const auto superseded =
      r.elements.size() > 8 ? static_cast<std::size_t>(int_at(r, 8)) : std::size_t{0};
  for (std::size_t i = 0; i < superseded && i < res.evicted.size(); ++i) {
    res.evicted[i].superseded = true;
  }
  res.trimmed = res.evicted.size();
  out.buffered_events = int_at(r, 6);
  out.buffered_bytes = int_at(r, 7);
  return out;
}

result<end_result> decode_end(const reply& r) {
  const auto tag = tag_of(r);
  if (tag == "not_found") {
    return errc::stream_not_found;
  }
  if (tag != "ok" && tag != "already") {
    return errc::internal;
  }
  return end_result{str_at(r, 1), static_cast<seq_t>(int_at(r, 2)), tag == "already"};
}

result<stream_info> decode_info(const reply& r, const store_limits& defaults) {
  const auto tag = tag_of(r);
  if (tag == "not_found") {
    return errc::stream_not_found;
  }
  if (tag != "ok" || r.elements.size() < 13) {
    return errc::internal;
  }
  stream_info i;
  i.epoch = str_at(r, 1);
  i.status = parse_stream_status(str_at(r, 2)).value_or(stream_status::open);
  i.last_seq = static_cast<seq_t>(int_at(r, 3));
  i.first_seq = static_cast<seq_t>(int_at(r, 4));
  i.buffered_count = static_cast<std::size_t>(int_at(r, 5));
  i.buffered_bytes = static_cast<std::size_t>(int_at(r, 6));
  i.trimmed_count = static_cast<std::uint64_t>(int_at(r, 7));
  auto limit = r.elements[8].to_int();
  auto max_bytes = r.elements[9].to_int();
  i.buffer_limit = limit ? static_cast<std::size_t>(*limit) : defaults.buffer_limit;
  i.buffer_max_bytes = max_bytes ? static_cast<std::size_t>(*max_bytes) : defaults.buffer_max_bytes;
  i.created_at = core::time_point(std::chrono::milliseconds(int_at(r, 10)));
  i.updated_at =
      core::time_point(std::chrono::milliseconds(r.elements[11].to_int().value_or(int_at(r, 10))));
  i.expires_in = std::chrono::milliseconds(std::max<long long>(0, int_at(r, 12)));
  return i;
}

result<read_result> decode_read(const reply& r) {
  const auto tag = tag_of(r);
  if (tag == "not_found") {
    return errc::stream_not_found;
  }
  if (tag != "ok" || r.elements.size() < 5) {
    return errc::internal;
  }
  read_result out;
  out.epoch = str_at(r, 1);
  out.last_seq = static_cast<seq_t>(int_at(r, 2));
  out.ended = int_at(r, 3) != 0;
  const reply& members = r.elements[4];
  out.events.reserve(members.elements.size());
  for (const auto& m : members.elements) {
    if (auto e = decode_member(m.str, out.epoch)) {
      out.events.push_back(std::move(*e));
    }
  }
  if (r.elements.size() > 5 && !r.elements[5].str.empty()) {
    out.unreadable = parse_seq_ranges(r.elements[5].str);
  }
  if (r.elements.size() > 6) {
    out.checkpoint_seq = static_cast<seq_t>(int_at(r, 6));
  }
  return out;
}

result<void> decode_ok(const reply& r) {
  const auto tag = tag_of(r);
  if (tag == "not_found") {
    return errc::stream_not_found;
  }
  if (tag != "ok") {
    return errc::internal;
  }
  return {};
}

}  // namespace sse::store::redis_layout
