#pragma once
// One completion handler kept in place until an operation that may last long completes: the
// wait of an SSE writer (wakeup.hpp), an SSE stream awaited by its connection for minutes or
// hours. In place rather than in an any_completion_handler (a heap object per operation)
// because the point is that a waiting connection holds as little as possible. Handlers up to two
// pointers fit: an awaitable coroutine's (through as_tuple or not) or a lambda holding `this`.
// Single-threaded: the holder's executor only.

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <new>
#include <utility>

namespace sse::http {

/// Holds a handler of signature void(Args...).
template <class... Args>
class handler_slot {
 public:
  handler_slot() = default;
  ~handler_slot() { drop(); }
  handler_slot(const handler_slot&) = delete;
  handler_slot& operator=(const handler_slot&) = delete;

  /// Keeps `handler` until post() (a handler already held is destroyed, not run).
  template <class Handler>
  void hold(Handler handler) {
    static_assert(sizeof(held<Handler>) <= storage_size, "handler_slot: handler too large");
    static_assert(alignof(held<Handler>) <= alignof(void*));
    drop();
    waiter_ = new (storage_.data()) held<Handler>(std::move(handler));
  }

  /// Posts the held handler, called with `args`, to `ex` (never runs it inside this call) and
  /// empties the slot. Nothing when it holds none.
  void post(const boost::asio::any_io_executor& ex, Args... args) {
    if (waiter_ != nullptr) {
      waiter* w = waiter_;
      waiter_ = nullptr;
      w->post(ex, std::move(args)...);
    }
  }

  /// Destroys the held handler without running it.
  void drop() noexcept {
    if (waiter_ != nullptr) {
      waiter* w = waiter_;
      waiter_ = nullptr;
      w->destroy();
    }
  }

 private:
  struct waiter {
    virtual void post(const boost::asio::any_io_executor& ex, Args... args) = 0;
    virtual void destroy() noexcept = 0;

   protected:
    ~waiter() = default;
  };
  template <class Handler>
  struct held final : waiter {
    explicit held(Handler&& h) : handler(std::move(h)) {}
    void post(const boost::asio::any_io_executor& ex, Args... args) override {
      Handler h = std::move(handler);
      this->~held();
      if constexpr (sizeof...(Args) == 0) {
        boost::asio::post(ex, std::move(h));
      } else {
        boost::asio::post(ex, boost::asio::append(std::move(h), std::move(args)...));
      }
    }
    void destroy() noexcept override { this->~held(); }
    Handler handler;
  };
  // A vtable pointer and a one-pointer handler.
  static constexpr std::size_t storage_size = 2 * sizeof(void*);

  waiter* waiter_ = nullptr;
  alignas(void*) std::array<std::byte, storage_size> storage_{};
};

/// A handler of signature void(): the awaiter of an operation that only says it is over.
using completion_slot = handler_slot<>;

}  // namespace sse::http
