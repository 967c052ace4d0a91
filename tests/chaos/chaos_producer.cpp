#include "chaos_producer.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "http_client.hpp"
#include "json_lines.hpp"

namespace sse::test {

using namespace std::chrono_literals;

std::string chaos_data(const std::string& stream, seq_t seq, std::size_t pad) {
  std::string d = stream + "#" + std::to_string(seq) + "|";
  d.reserve(d.size() + pad);
  for (std::size_t i = 0; i < pad; ++i) {
    d.push_back(i % 997 == 996 ? '\n' : static_cast<char>('a' + (seq + i) % 26));
  }
  return d;
}

namespace {

std::string event_json(const produced_event& e) {
  boost::json::object o;
  o["data"] = e.data;
  if (!e.type.empty()) {
    o["event"] = e.type;
  }
  o["priority"] = e.priority;
  return boost::json::serialize(o);
}

constexpr auto retry_pause = 100ms;

}  // namespace

chaos_producer::chaos_producer(std::string stream, node_picker pick,
                               std::chrono::milliseconds request_timeout)
    : stream_(std::move(stream)), pick_(std::move(pick)), request_timeout_(request_timeout) {}

std::string chaos_producer::epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

std::vector<std::string> chaos_producer::problems() const {
  std::lock_guard lock(mu_);
  return problems_;
}

void chaos_producer::problem(std::string what) {
  std::lock_guard lock(mu_);
  problems_.push_back(stream_ + ": " + std::move(what));
}

chaos_producer::answer chaos_producer::post(const endpoint& at, const std::string& target,
                                            const std::string& body,
                                            const std::string& content_type,
                                            std::optional<seq_t> producer_seq) {
  answer a;
  try {
    // A fresh connection per try: a retry must not depend on a connection the outage broke.
    http_client http("127.0.0.1", at.port, request_timeout_);
    header_list headers;
    if (producer_seq) {
      headers.emplace_back("Producer-Seq", std::to_string(*producer_seq));
    }
    const auto res = http.post(target, body, content_type, headers);
    a.status = res.status;
    a.body = res.body;
  } catch (const std::exception& e) {
    a.error = e.what();
  }
  return a;
}

bool chaos_producer::append(const std::vector<produced_event>& batch, steady::time_point deadline) {
  const seq_t first = acked_.load() + 1;
  std::string body;
  for (const auto& e : batch) {
    body += event_json(e);
    if (batch.size() > 1) {
      body += "\n";
    }
  }
  const std::string content_type = batch.size() > 1 ? "application/x-ndjson" : "application/json";
  const std::string target = "/v1/streams/" + stream_ + "/events";
  bool failed_before = false;
  std::string last_failure;
  while (steady::now() < deadline) {
    const answer a = post(pick_(), target, body, content_type, first);
    if (a.status == 200) {
      boost::json::object o;
      try {
        o = boost::json::parse(a.body).as_object();
      } catch (const std::exception&) {
        problem("append answered 200 with a body that is not JSON: " + a.body);
        return false;
      }
      const auto got_first = json_int(o, "first_seq");
      const auto got_last = json_int(o, "last_seq");
      const auto got_epoch = json_string(o, "epoch").value_or("");
      const auto want_last = static_cast<std::int64_t>(first + batch.size() - 1);
      if (got_first != static_cast<std::int64_t>(first) || got_last != want_last) {
        problem("Producer-Seq " + std::to_string(first) + " (" + std::to_string(batch.size()) +
                " events) answered " + a.body);
        return false;
      }
      {
        std::lock_guard lock(mu_);
        if (epoch_.empty()) {
          epoch_ = got_epoch;
        } else if (epoch_ != got_epoch) {
          problems_.push_back(stream_ + ": epoch changed from " + epoch_ + " to " + got_epoch +
                              " (the store lost the stream)");
          return false;
        }
      }
      events_.insert(events_.end(), batch.begin(), batch.end());
      trimmed_.push_back(json_int(o, "trimmed").value_or(-1));
      if (failed_before) {
        acked_after_retry_.fetch_add(1);
      }
      acked_.store(static_cast<seq_t>(want_last));
      return true;
    }
    if (a.status != 0 && a.status != 503) {
      // 409 (Producer-Seq conflict) and anything else is a real failure: do not paper over it.
      problem("Producer-Seq " + std::to_string(first) + " answered " + std::to_string(a.status) +
              " " + a.body);
      return false;
    }
    failed_before = true;
    retries_.fetch_add(1);
    if (a.status == 503) {
      unavailable_.fetch_add(1);
    }
    last_failure = a.status == 503 ? "503 " + a.body : a.error;
    std::this_thread::sleep_for(retry_pause);
  }
  problem("Producer-Seq " + std::to_string(first) +
          " not acknowledged before the deadline; last: " + last_failure);
  return false;
}

bool chaos_producer::end(steady::time_point deadline, const std::string& status) {
  const std::string target = "/v1/streams/" + stream_ + "/end";
  const std::string body = R"({"status":")" + status + R"("})";
  std::string last_failure;
  while (steady::now() < deadline) {
    const answer a = post(pick_(), target, body, "application/json", std::nullopt);
    if (a.status == 200) {
      try {
        const auto o = boost::json::parse(a.body).as_object();
        const auto last = json_int(o, "last_seq").value_or(0);
        if (last != static_cast<std::int64_t>(acked_.load() + 1)) {
          problem("end answered last_seq " + std::to_string(last) + " after " +
                  std::to_string(acked_.load()) + " acknowledged events: " + a.body);
          return false;
        }
        end_seq_.store(static_cast<seq_t>(last));
        return true;
      } catch (const std::exception&) {
        problem("end answered 200 with a body that is not JSON: " + a.body);
        return false;
      }
    }
    if (a.status != 0 && a.status != 503) {
      problem("end answered " + std::to_string(a.status) + " " + a.body);
      return false;
    }
    retries_.fetch_add(1);
    last_failure = a.status == 503 ? "503 " + a.body : a.error;
    std::this_thread::sleep_for(retry_pause);
  }
  problem("end not acknowledged before the deadline; last: " + last_failure);
  return false;
}

}  // namespace sse::test
