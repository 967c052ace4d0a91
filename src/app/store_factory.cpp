#include "app/store_factory.hpp"

#include <stdexcept>

#include "store/memory/memory_store.hpp"

namespace sse::app {

store::store_limits limits_from(const config::config& cfg) {
  store::store_limits l;
  l.buffer_limit = cfg.buffer_limit;
  l.buffer_max_bytes = cfg.buffer_max_bytes;
  l.ttl = cfg.ttl;
  l.end_retention = cfg.end_retention;
  return l;
}

std::unique_ptr<store::store> make_store(const store_context& ctx) {
  if (ctx.cfg.store == "memory") {
    return std::make_unique<store::memory_store>(limits_from(ctx.cfg), ctx.clock);
  }
  if (ctx.cfg.store.starts_with("redis://")) {
    // store/redis plugs in here once it is built. (The URL is not echoed: it may hold a
    // password.)
    throw std::runtime_error("redis store not built yet");
  }
  throw std::runtime_error("unknown store \"" + ctx.cfg.store +
                           "\" (expected memory or redis://host:port)");
}

}  // namespace sse::app
