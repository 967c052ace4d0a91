#pragma once
// One completion handler of signature void(), kept in place until an operation that lasts long
// finishes: an SSE stream, awaited by its connection for minutes or hours. In place rather than
// in an any_completion_handler (a heap object per operation) because the point is that a
// connection waiting on its stream holds as little as possible. Single-threaded: the holder's
// executor only.

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <new>
#include <utility>

namespace sse::http {

class completion_slot {
 public:
  completion_slot() = default;
  ~completion_slot() { drop(); }
  completion_slot(const completion_slot&) = delete;
  completion_slot& operator=(const completion_slot&) = delete;

  /// Keeps `handler` (one at a time) until post(). An awaitable coroutine's handler or a lambda
  /// holding a pointer fits.
  template <class Handler>
  void hold(Handler handler) {
    static_assert(sizeof(held<Handler>) <= storage_size, "completion_slot: handler too large");
    static_assert(alignof(held<Handler>) <= alignof(void*));
    drop();
    waiter_ = new (storage_.data()) held<Handler>(std::move(handler));
  }

  bool holds() const noexcept { return waiter_ != nullptr; }

  /// Posts the held handler to `ex` (never runs it inside this call) and empties the slot.
  void post(const boost::asio::any_io_executor& ex) {
    if (waiter_ != nullptr) {
      waiter* w = waiter_;
      waiter_ = nullptr;
      w->post(ex);
    }
  }

 private:
  struct waiter {
    virtual void post(const boost::asio::any_io_executor& ex) = 0;
    virtual void destroy() noexcept = 0;

   protected:
    ~waiter() = default;
  };
  template <class Handler>
  struct held final : waiter {
    explicit held(Handler&& h) : handler(std::move(h)) {}
    void post(const boost::asio::any_io_executor& ex) override {
      Handler h = std::move(handler);
      this->~held();
      boost::asio::post(ex, std::move(h));
    }
    void destroy() noexcept override { this->~held(); }
    Handler handler;
  };
  static constexpr std::size_t storage_size = 2 * sizeof(void*);

  void drop() noexcept {
    if (waiter_ != nullptr) {
      waiter* w = waiter_;
      waiter_ = nullptr;
      w->destroy();
    }
  }

  waiter* waiter_ = nullptr;
  alignas(void*) std::array<std::byte, storage_size> storage_{};
};

}  // namespace sse::http
