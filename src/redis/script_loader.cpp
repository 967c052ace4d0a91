#include "redis/script_loader.hpp"

#include "core/error.hpp"
#include "redis/request.hpp"

namespace sse::redis {

connection::connect_hook load_scripts_hook(std::vector<const script*> scripts) {
  return [scripts = std::move(scripts)](
             connection& conn) -> boost::asio::awaitable<boost::system::error_code> {
    if (scripts.empty()) {
      co_return boost::system::error_code{};
    }
    request load;
    for (const script* s : scripts) {
      load.push("SCRIPT", "LOAD", s->source());
    }
    auto replies = co_await conn.exec_unchecked(std::move(load), conn.config().connect_timeout);
    if (!replies) {
      co_return replies.error();
    }
    for (const auto& r : *replies) {
      if (r.is_error()) {
        co_return errc::internal;
      }
    }
    co_return boost::system::error_code{};
  };
}

}  // namespace sse::redis
