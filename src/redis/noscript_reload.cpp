#include "redis/noscript_reload.hpp"

namespace sse::redis {

boost::asio::awaitable<result<reply>> call_with_noscript_reload(script_sender send,
                                                                int max_reloads) {
  for (int round = 0; round <= max_reloads; ++round) {
    const bool load_first = round > 0;
    auto replies = co_await send(load_first);
    if (!replies) {
      co_return replies.error();
    }
    if (replies->size() != (load_first ? 2u : 1u)) {
      co_return errc::internal;
    }
    if (!replies->back().error_starts_with("NOSCRIPT")) {
      co_return std::move(replies->back());
    }
  }
  co_return errc::internal;
}

}  // namespace sse::redis
