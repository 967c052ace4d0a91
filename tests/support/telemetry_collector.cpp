#include "telemetry_collector.hpp"

#include <boost/json/serialize.hpp>
#include <map>

#include "telemetry/format.hpp"

namespace sse::test {

bool event_match::matches(const telemetry::event& e) const {
  if (!name.empty() && e.name != name) {
    return false;
  }
  if (stream && e.stream != *stream) {
    return false;
  }
  if (node && !telemetry::field_is(e, "node", boost::json::string(*node))) {
    return false;
  }
  for (const auto& [key, value] : fields) {
    if (!telemetry::field_is(e, key, value)) {
      return false;
    }
  }
  return !pred || pred(e);
}

std::string event_match::describe() const {
  std::string out = name.empty() ? std::string("<any event>") : name;
  if (stream) {
    out += " stream=" + *stream;
  }
  if (node) {
    out += " node=" + *node;
  }
  if (!fields.empty()) {
    out += " " + boost::json::serialize(fields);
  }
  if (pred) {
    out += " +predicate";
  }
  return out;
}

std::string describe_event(const telemetry::event& e) {
  // The node tag goes into the envelope's `node`, where the JSON-lines sink puts it.
  std::string node;
  telemetry::event copy = e;
  if (const auto* n = copy.fields.if_contains("node"); n != nullptr && n->is_string()) {
    node = std::string(n->as_string());
    copy.fields.erase("node");
  }
  std::string line = telemetry::to_json_line(copy, node);
  if (!line.empty() && line.back() == '\n') {
    line.pop_back();
  }
  return line;
}

telemetry_collector::telemetry_collector(std::size_t max_events) : memory_(max_events) {}

telemetry::sink& telemetry_collector::node_sink(const std::string& node) {
  std::lock_guard lock(sinks_mu_);
  for (auto& s : sinks_) {
    if (s.node() == node) {
      return s;
    }
  }
  return sinks_.emplace_back(node, memory_);
}

std::vector<telemetry::event> telemetry_collector::events(const event_match& m) const {
  std::vector<telemetry::event> out;
  for (auto& e : memory_.snapshot()) {
    if (m.matches(e)) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::size_t telemetry_collector::count(const event_match& m) const {
  // The predicate runs under the sink's lock and must not call back into it: matches() does not.
  return memory_.count(m.name, [&m](const telemetry::event& e) { return m.matches(e); });
}

std::optional<telemetry::event> telemetry_collector::wait_for(
    const event_match& m, std::chrono::milliseconds timeout) const {
  return memory_.wait_for(
      m.name, [&m](const telemetry::event& e) { return m.matches(e); }, timeout);
}

std::size_t telemetry_collector::wait_for_count(const event_match& m, std::size_t n,
                                                std::chrono::milliseconds timeout) const {
  return memory_.wait_for_count(m.name, n, timeout,
                                [&m](const telemetry::event& e) { return m.matches(e); });
}

::testing::AssertionResult telemetry_collector::saw(const event_match& m,
                                                    std::chrono::milliseconds timeout) const {
  if (wait_for(m, timeout)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "no telemetry event " << m.describe() << " within " << timeout.count() << " ms; seen:\n"
         << dump();
}

::testing::AssertionResult telemetry_collector::saw_at_least(
    const event_match& m, std::size_t n, std::chrono::milliseconds timeout) const {
  const std::size_t got = wait_for_count(m, n, timeout);
  if (got >= n) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected at least " << n << " telemetry events " << m.describe() << " within "
         << timeout.count() << " ms, got " << got << "; seen:\n"
         << dump();
}

::testing::AssertionResult telemetry_collector::count_is(const event_match& m, std::size_t n,
                                                         std::chrono::milliseconds timeout,
                                                         std::chrono::milliseconds settle) const {
  std::size_t got = n == 0 ? 0 : wait_for_count(m, n, timeout);
  if (got >= n) {
    // Extra events may still be on their way: give them a (bounded) chance to show up.
    got = wait_for_count(m, n + 1, settle);
  }
  if (got == n) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected exactly " << n << " telemetry events "
                                       << m.describe() << ", got " << got << "; matching:\n"
                                       << dump(m) << "all:\n"
                                       << dump();
}

::testing::AssertionResult telemetry_collector::none(const event_match& m) const {
  if (count(m) == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "unexpected telemetry events " << m.describe() << ":\n"
                                       << dump(m);
}

std::string telemetry_collector::dump(const std::optional<event_match>& focus,
                                      std::size_t max_lines) const {
  const auto all = memory_.snapshot();
  std::map<std::string, std::size_t> by_name;
  std::vector<const telemetry::event*> shown;
  for (const auto& e : all) {
    ++by_name[e.name];
    if (!focus || focus->matches(e)) {
      shown.push_back(&e);
    }
  }
  std::string out = "  " + std::to_string(all.size()) + " telemetry events";
  if (const auto dropped = memory_.dropped(); dropped > 0) {
    out += " (" + std::to_string(dropped) + " dropped: collector full)";
  }
  out += ":";
  for (const auto& [name, n] : by_name) {
    out += " " + name + "=" + std::to_string(n);
  }
  out += "\n";
  if (focus) {
    out += "  " + std::to_string(shown.size()) + " matching " + focus->describe() + "\n";
  }
  std::size_t first = 0;
  if (shown.size() > max_lines) {
    first = shown.size() - max_lines;
    out += "  ... (" + std::to_string(first) + " earlier lines left out)\n";
  }
  for (std::size_t i = first; i < shown.size(); ++i) {
    out += "  " + describe_event(*shown[i]) + "\n";
  }
  return out;
}

}  // namespace sse::test
