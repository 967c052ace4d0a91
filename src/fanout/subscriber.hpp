#pragma once
// What a hub delivers to: one SSE session per subscriber.

#include <memory>

#include "stream/event.hpp"

namespace sse::fanout {

/// Every callback runs on the subscriber's own worker thread. Callbacks must return quickly and
/// must not subscribe or unsubscribe synchronously (queue the work and wake the session).
class subscriber {
 public:
  /// A live batch, shared by every subscriber of the stream on this worker (no copy).
  virtual void on_batch(std::shared_ptr<const stream::event_batch> batch) = 0;
  /// The stream was deleted or expired; nothing more will come for this incarnation.
  virtual void on_gone() = 0;
  /// Live delivery had an interruption: re-read from the store after the last delivered seq.
  virtual void on_resync() = 0;

 protected:
  ~subscriber() = default;
};

}  // namespace sse::fanout
