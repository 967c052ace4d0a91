#pragma once
// One or more commands encoded as RESP, sent together and answered by one reply each.
// Encoding is hiredis' redisFormatCommandArgv (binary safe); this header does not include hiredis.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sse::redis {

class request {
 public:
  /// Appends one command, e.g. push("HGET", key, "field") or push("PEXPIRE", key, 1000).
  /// Integral arguments are written in decimal; everything else must convert to string_view.
  template <class... Args>
  void push(std::string_view command, const Args&... args) {
    std::vector<std::string> numbers;
    numbers.reserve(sizeof...(Args));
    std::vector<std::string_view> argv;
    argv.reserve(1 + sizeof...(Args));
    argv.push_back(command);
    (add_arg(argv, numbers, args), ...);
    push_argv(argv);
  }

  /// Appends one command given as its full argument vector (argv[0] is the command name).
  void push_argv(std::span<const std::string_view> argv);

  /// Appends another request's commands after this one's.
  void append(const request& other);

  std::size_t commands() const noexcept { return commands_; }
  const std::string& payload() const noexcept { return payload_; }
  bool empty() const noexcept { return commands_ == 0; }

 private:
  template <class T>
  static void add_arg(std::vector<std::string_view>& argv, std::vector<std::string>& numbers,
                      const T& v) {
    if constexpr (std::is_integral_v<T>) {
      // The vector was reserved for every argument, so these views stay valid.
      numbers.push_back(std::to_string(v));
      argv.push_back(numbers.back());
    } else {
      argv.push_back(std::string_view(v));
    }
  }

  std::string payload_;
  std::size_t commands_ = 0;
};

}  // namespace sse::redis
