#include "redis/reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace sse::redis {
namespace {

// hiredis builds a reply tree through these callbacks. The root is heap-allocated; children are
// constructed in place inside their parent's elements vector, which createArray sizes exactly
// once, so the pointers handed back to hiredis stay valid. hiredis only ever frees the root.
reply* slot_for(const redisReadTask* task) {
  if (task->parent != nullptr) {
    auto* parent = static_cast<reply*>(task->parent->obj);
    return &parent->elements[static_cast<std::size_t>(task->idx)];
  }
  return new (std::nothrow) reply();
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  reply* r = slot_for(task);
  if (r == nullptr) {
    return nullptr;
  }
  switch (task->type) {
    case REDIS_REPLY_ERROR:
      r->type = reply_type::error;
      break;
    case REDIS_REPLY_STATUS:
      r->type = reply_type::status;
      break;
    default:
      r->type = reply_type::string;
      break;
  }
  r->str.assign(str, len);
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  reply* r = slot_for(task);
  if (r == nullptr) {
    return nullptr;
  }
  r->type = reply_type::array;
  r->elements.resize(static_cast<std::size_t>(elements));
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  reply* r = slot_for(task);
  if (r == nullptr) {
    return nullptr;
  }
  r->type = reply_type::integer;
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) {
  reply* r = slot_for(task);
  if (r == nullptr) {
    return nullptr;
  }
  r->type = reply_type::nil;
  return r;
}

void free_object(void* obj) {
  delete static_cast<reply*>(obj);
}

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer,
                                             create_nil, free_object};

}  // namespace

reply_reader::reply_reader() : reader_(redisReaderCreateWithFunctions(&reply_functions)) {
  if (reader_ == nullptr) {
    throw std::bad_alloc();
  }
}

reply_reader::~reply_reader() {
  redisReaderFree(reader_);
}

void reply_reader::feed(std::string_view bytes) {
  if (bytes.empty() || reader_->err != 0) {
    return;  // after a protocol error next() reports it; more bytes change nothing
  }
  if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) {
    throw std::bad_alloc();  // with no prior error, feed fails only when out of memory
  }
}

result<std::optional<reply>> reply_reader::next() {
  if (reader_->err != 0) {
    return errc::internal;
  }
  void* obj = nullptr;
  if (redisReaderGetReply(reader_, &obj) != REDIS_OK) {
    return errc::internal;
  }
  if (obj == nullptr) {
    return std::optional<reply>{};
  }
  auto* r = static_cast<reply*>(obj);
  std::optional<reply> out(std::move(*r));
  delete r;
  return out;
}

void reply_reader::reset() {
  redisReaderFree(reader_);
  reader_ = redisReaderCreateWithFunctions(&reply_functions);
  if (reader_ == nullptr) {
    throw std::bad_alloc();
  }
}

}  // namespace sse::redis
