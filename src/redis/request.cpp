#include "redis/request.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace sse::redis {

void request::push_argv(std::span<const std::string_view> argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (auto a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  char* out = nullptr;
  int n = redisFormatCommandArgv(&out, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (n < 0 || out == nullptr) {
    throw std::bad_alloc();  // hiredis fails only when out of memory
  }
  payload_.append(out, static_cast<std::size_t>(n));
  redisFreeCommand(out);
  ++commands_;
}

void request::append(const request& other) {
  payload_ += other.payload_;
  commands_ += other.commands_;
}

}  // namespace sse::redis
