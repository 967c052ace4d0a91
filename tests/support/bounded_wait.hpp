#pragma once
// Every wait in a test has a deadline (common brief): poll a predicate until it holds or time
// runs out.

#include <chrono>
#include <thread>

namespace sse::test {

using namespace std::chrono_literals;

/// Calls pred() every `poll` until it returns true or `timeout` has passed. Returns the last
/// value of pred() (one final check is made at the deadline).
template <class Pred>
bool bounded_wait(Pred&& pred, std::chrono::milliseconds timeout,
                  std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(poll);
  }
  return static_cast<bool>(pred());
}

}  // namespace sse::test
