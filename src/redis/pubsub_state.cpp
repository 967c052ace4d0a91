#include "redis/pubsub_state.hpp"

#include <algorithm>
#include <cstdlib>

namespace sse::redis {

pubsub_state::pubsub_state(pubsub_kind kind, std::chrono::milliseconds probe_timeout)
    : kind_(kind), probe_timeout_(probe_timeout) {}

request pubsub_state::subscribe_command(std::string_view channel) const {
  request r;
  r.push(kind_ == pubsub_kind::sharded ? "SSUBSCRIBE" : "SUBSCRIBE", channel);
  return r;
}

request pubsub_state::unsubscribe_command(std::string_view channel) const {
  request r;
  r.push(kind_ == pubsub_kind::sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channel);
  return r;
}

subscribe_answer pubsub_state::answer_of(const std::string& channel, const reply& r) const {
  if (r.is_error()) {
    return subscribe_answer::refused;
  }
  if (!r.is_array() || r.elements.size() != 3 || r.elements[1].str != channel) {
    return subscribe_answer::malformed;
  }
  return subscribe_answer::confirmed;
}

bool pubsub_state::want(const std::string& channel, const link_name& link) {
  auto [it, inserted] = channels_.try_emplace(channel, channel_entry{link, false});
  if (it->second.link == link && it->second.confirmed) {
    return true;  // once per channel: later watchers find it confirmed
  }
  it->second = channel_entry{link, false};
  return false;
}

subscribe_answer pubsub_state::on_subscribe_reply(const std::string& channel, const link_name& link,
                                                  const reply& r) {
  const subscribe_answer a = answer_of(channel, r);
  if (a == subscribe_answer::confirmed) {
    if (auto it = channels_.find(channel); it != channels_.end() && it->second.link == link) {
      it->second.confirmed = true;
    }
  }
  return a;
}

std::optional<link_name> pubsub_state::forget(const std::string& channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) {
    return std::nullopt;
  }
  link_name link = std::move(it->second.link);
  channels_.erase(it);
  return link;
}

void pubsub_state::unsubscribe_sent(const link_name& link, const std::string& channel) {
  if (unsubscribe_answered_by_push()) {
    ++own_unsubscribes_[link][channel];
  }
}

void pubsub_state::unconfirm(const std::string& channel) {
  if (auto it = channels_.find(channel); it != channels_.end()) {
    it->second.confirmed = false;
  }
}

bool pubsub_state::confirmed(const std::string& channel) const {
  auto it = channels_.find(channel);
  return it != channels_.end() && it->second.confirmed;
}

std::set<link_name> pubsub_state::links_in_use() const {
  std::set<link_name> used;
  for (const auto& [channel, entry] : channels_) {
    used.insert(entry.link);
  }
  return used;
}

pubsub_state::batch pubsub_state::resubscribe(const link_name& link) const {
  batch b;
  for (const auto& [channel, entry] : channels_) {
    if (entry.link == link) {
      b.req.append(subscribe_command(channel));
      b.channels.push_back(channel);
    }
  }
  if (const std::string* probe = probe_channel(link)) {
    b.req.append(subscribe_command(*probe));
    b.channels.push_back(*probe);
  }
  return b;
}

pubsub_state::batch_outcome pubsub_state::on_resubscribe_replies(const link_name& link,
                                                                 const batch& b,
                                                                 std::span<const reply> replies) {
  batch_outcome out;
  if (replies.size() != b.channels.size()) {
    out.malformed = true;
    return out;
  }
  for (std::size_t i = 0; i < replies.size(); ++i) {
    const std::string& channel = b.channels[i];
    const subscribe_answer a = is_probe(link, channel)
                                   ? on_probe_subscribe_reply(link, channel, replies[i])
                                   : on_subscribe_reply(channel, link, replies[i]);
    out.refused = out.refused || a == subscribe_answer::refused;
    out.malformed = out.malformed || a == subscribe_answer::malformed;
  }
  return out;
}

bool pubsub_state::link_up(const link_name& link) {
  return !been_up_.insert(link).second;
}

void pubsub_state::link_down(const link_name& link) {
  for (auto& [channel, entry] : channels_) {
    if (entry.link == link) {
      entry.confirmed = false;
    }
  }
  own_unsubscribes_.erase(link);
  if (auto p = probes_.find(link); p != probes_.end()) {
    p->second.confirmed = false;
  }
}

void pubsub_state::forget_link(const link_name& link) {
  been_up_.erase(link);
  own_unsubscribes_.erase(link);
  probes_.erase(link);
}

push_meaning pubsub_state::classify(const link_name& link, const reply& push) {
  // plain: ["message", channel, payload] or ["pmessage", pattern, channel, payload];
  // sharded: ["smessage", channel, payload] or ["sunsubscribe", channel, count].
  const auto& e = push.elements;
  if (!push.is_array() || e.size() < 3 || !e[0].is_string()) {
    return {};
  }
  const std::string& kind = e[0].str;
  push_meaning m;
  if (kind_ == pubsub_kind::plain && kind == "message" && e.size() == 3) {
    m = {push_meaning::kind::message, e[1].str, e[2].str};
  } else if (kind_ == pubsub_kind::plain && kind == "pmessage" && e.size() == 4) {
    m = {push_meaning::kind::message, e[2].str, e[3].str};
  } else if (kind_ == pubsub_kind::sharded && kind == "smessage" && e.size() == 3) {
    m = {push_meaning::kind::message, e[1].str, e[2].str};
  } else if (kind_ == pubsub_kind::sharded && kind == "sunsubscribe") {
    return on_sunsubscribe(link, e[1].str);
  } else {
    return {};
  }
  if (is_probe(link, m.channel)) {
    auto& p = probes_.at(link);
    const auto token = std::strtoull(std::string(m.payload).c_str(), nullptr, 10);
    p.received = std::max<std::uint64_t>(p.received, token);
    return {push_meaning::kind::probe_token, m.channel, m.payload};
  }
  return m;
}

push_meaning pubsub_state::on_sunsubscribe(const link_name& link, std::string_view channel) {
  if (auto own = own_unsubscribes_.find(link); own != own_unsubscribes_.end()) {
    if (auto it = own->second.find(std::string(channel)); it != own->second.end()) {
      // The answer to our own SUNSUBSCRIBE (the last listener left), not a slot move.
      if (--it->second == 0) {
        own->second.erase(it);
      }
      return {push_meaning::kind::own_unsubscribe, channel, {}};
    }
  }
  // Unasked: the slot moved away.
  if (is_probe(link, channel)) {
    probes_.erase(link);  // the owner's next round picks a channel this node still owns
    return {push_meaning::kind::probe_moved, channel, {}};
  }
  if (auto it = channels_.find(std::string(channel));
      it != channels_.end() && it->second.link == link) {
    it->second.confirmed = false;
  }
  return {push_meaning::kind::moved, channel, {}};
}

bool pubsub_state::is_probe(const link_name& link, std::string_view channel) const {
  const std::string* probe = probe_channel(link);
  return probe != nullptr && *probe == channel;
}

void pubsub_state::set_probe(const link_name& link, std::string channel) {
  if (const std::string* probe = probe_channel(link); probe != nullptr && *probe == channel) {
    return;
  }
  probes_.insert_or_assign(link, probe_entry{std::move(channel), false, 0});
}

const std::string* pubsub_state::probe_channel(const link_name& link) const {
  auto it = probes_.find(link);
  return it == probes_.end() ? nullptr : &it->second.channel;
}

bool pubsub_state::probe_confirmed(const link_name& link) const {
  auto it = probes_.find(link);
  return it != probes_.end() && it->second.confirmed;
}

subscribe_answer pubsub_state::on_probe_subscribe_reply(const link_name& link,
                                                        const std::string& channel,
                                                        const reply& r) {
  const subscribe_answer a = answer_of(channel, r);
  auto it = probes_.find(link);
  if (it == probes_.end() || it->second.channel != channel) {
    return a;  // replaced meanwhile: this answer is about a channel no longer used
  }
  if (a == subscribe_answer::confirmed) {
    it->second.confirmed = true;
  } else if (a == subscribe_answer::refused) {
    probes_.erase(it);
  }
  return a;
}

void pubsub_state::probe_published(const link_name& link, std::uint64_t token, time_point now) {
  published_.push_back(published_token{link, token, now + probe_timeout_});
}

bool pubsub_state::came_back(const published_token& p) const {
  // A probe forgotten meanwhile moved with its slot: nothing was lost on this link.
  auto it = probes_.find(p.link);
  return it == probes_.end() || it->second.received >= p.token;
}

std::optional<std::vector<probe_verdict>> pubsub_state::settle_probes(time_point now) {
  for (const auto& p : published_) {
    if (!came_back(p) && now < p.deadline) {
      return std::nullopt;
    }
  }
  std::vector<probe_verdict> verdicts;
  for (const auto& p : published_) {
    const bool ok = came_back(p);
    if (!ok) {
      probes_.at(p.link).confirmed = false;  // the subscription is gone; drop the link
    }
    verdicts.push_back(probe_verdict{p.link, ok});
  }
  published_.clear();
  return verdicts;
}

bool pubsub_state::probes_back() const {
  return std::all_of(published_.begin(), published_.end(),
                     [this](const published_token& p) { return came_back(p); });
}

pubsub_state::time_point pubsub_state::next_probe_deadline(time_point now) const {
  std::optional<time_point> next;
  for (const auto& p : published_) {
    if (!came_back(p) && now < p.deadline && (!next || p.deadline < *next)) {
      next = p.deadline;
    }
  }
  return next.value_or(now);
}

}  // namespace sse::redis
