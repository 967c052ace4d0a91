#include "app/demo_producer.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string_view>

#include "ops/stream_ops.hpp"

namespace sse::app {
namespace {

namespace net = boost::asio;

// The words the demo "model" says, over and over.
constexpr std::string_view demo_text =
    "Server-Sent Events carry a stream of text from a server to a browser over one long HTTP "
    "response. When the connection drops, the browser reconnects and sends the id of the last "
    "event it saw, and the gateway replays everything after it from its buffer, so not a single "
    "token is lost. Events that had to be trimmed from a full buffer are announced with a gap "
    "event, in the place where they would have been, so the reader always knows exactly what it "
    "missed. Press the button to cut this page's connection and watch it pick up where it left "
    "off. The answer keeps being written while you are away, just as a language model keeps "
    "generating tokens that nobody should have to pay for twice.";

std::string next_word(std::size_t& pos) {
  if (pos >= demo_text.size()) {
    pos = 0;
  }
  std::size_t end = demo_text.find(' ', pos);
  if (end == std::string_view::npos) {
    end = demo_text.size();
  }
  std::string word(demo_text.substr(pos, end - pos));
  pos = end + 1;
  return word + " ";
}

stream::new_event json_event(std::string type, const boost::json::object& o, int priority) {
  return stream::new_event{std::move(type), boost::json::serialize(o), priority};
}

}  // namespace

demo_producer::demo_producer(http::services& s, net::any_io_executor worker, demo_options opts)
    : s_(s), worker_(worker), opts_(opts), timer_(worker) {}

void demo_producer::stop() {
  stop_.store(true);
  net::post(worker_, [this] { timer_.cancel(); });
}

std::optional<std::string> demo_producer::current() const {
  std::lock_guard lock(mu_);
  if (current_.empty()) {
    return std::nullopt;
  }
  return current_;
}

net::awaitable<bool> demo_producer::sleep(std::chrono::milliseconds d) {
  // Checked before arming: a stop() that came during an append must not wait out a pause (its
  // cancel is posted to this worker, so it cannot slip in between this check and the wait).
  if (stop_.load()) {
    co_return false;
  }
  timer_.expires_after(d);
  co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
  co_return !stop_.load();
}

net::awaitable<void> demo_producer::run() {
  for (std::uint64_t n = 1; !stop_.load(); ++n) {
    const std::string id = "demo-" + std::to_string(n);
    // A larger buffer than the default, so a page opened late still replays the whole answer.
    store::stream_options options;
    options.buffer_limit = 4 * opts_.tokens_per_stream;
    auto created = co_await ops::create_stream(s_, id, options);
    if (!created) {
      spdlog::warn("demo: cannot create {}: {}", id, created.error().message());
      if (!co_await sleep(opts_.pause_between_streams)) {
        co_return;
      }
      continue;
    }
    if (!created->created) {
      continue;  // left over from an earlier run on a shared store: take the next id
    }
    {
      std::lock_guard lock(mu_);
      current_ = id;
    }
    if (!co_await produce(id)) {
      co_return;
    }
    if (!co_await sleep(opts_.pause_between_streams)) {
      co_return;
    }
  }
}

net::awaitable<bool> demo_producer::produce(const std::string& id) {
  std::size_t pos = 0;
  for (std::size_t i = 1; i <= opts_.tokens_per_stream; ++i) {
    store::append_request req;
    req.stream_id = id;
    req.events.push_back(json_event("delta", {{"delta", next_word(pos)}}, default_priority));
    if (i % 25 == 0) {
      req.events.push_back(
          json_event("progress", {{"tokens", i}, {"of", opts_.tokens_per_stream}}, 0));
    }
    auto r = co_await ops::append_events(s_, std::move(req));
    if (!r) {
      spdlog::warn("demo: append to {} failed: {}", id, r.error().message());
      co_return !stop_.load();  // e.g. deleted by someone: go on with the next stream
    }
    if (!co_await sleep(opts_.token_interval)) {
      co_return false;
    }
  }
  store::append_request usage;
  usage.stream_id = id;
  usage.events.push_back(json_event(
      "usage", {{"prompt_tokens", 42}, {"completion_tokens", opts_.tokens_per_stream}}, 3));
  co_await ops::append_events(s_, std::move(usage));
  co_await ops::end_stream(s_, id, store::stream_status::completed);
  co_return !stop_.load();
}

}  // namespace sse::app
