#pragma once
// Runs one coroutine to completion on a private io_context (the memory store completes without
// waiting, so run() returns as soon as the coroutine is done).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

namespace sse::http::test {

template <class T>
T run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<T> a) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, std::move(a), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) {
      out.emplace(std::move(v));
    }
  });
  ioc.restart();
  ioc.run();
  if (error) {
    std::rethrow_exception(error);
  }
  return std::move(*out);
}

}  // namespace sse::http::test
