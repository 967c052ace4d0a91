#include "store/redis/compression.hpp"

#include <zstd.h>

#include <memory>

namespace sse::store::redis_layout {
namespace {

struct cctx_free {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct dctx_free {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

// One context per thread, reused for every call: ZSTD_compress and ZSTD_decompress create and
// free a whole context each time (hundreds of KiB set up for a 256-byte event), which cost more
// CPU than the compression itself. Workers are single-threaded io_contexts, so a thread's
// context is never used by two calls at once. nullptr only when zstd cannot allocate.
ZSTD_CCtx* thread_cctx() {
  thread_local const std::unique_ptr<ZSTD_CCtx, cctx_free> c(ZSTD_createCCtx());
  return c.get();
}

ZSTD_DCtx* thread_dctx() {
  thread_local const std::unique_ptr<ZSTD_DCtx, dctx_free> d(ZSTD_createDCtx());
  return d.get();
}

// A frame that does not state its size (streaming writers): grow, bounded by max_size.
result<std::string> decompress_streamed(ZSTD_DCtx* ds, std::string_view frame,
                                        std::size_t max_size) {
  // The context may hold the state of a frame that failed half-way: start clean.
  if (ZSTD_isError(ZSTD_DCtx_reset(ds, ZSTD_reset_session_only))) {
    return errc::internal;
  }
  std::string out;
  ZSTD_inBuffer input{frame.data(), frame.size(), 0};
  const std::size_t chunk = ZSTD_DStreamOutSize();
  std::size_t ret = 1;
  while (ret != 0) {
    const std::size_t before = out.size();
    out.resize(before + chunk);
    ZSTD_outBuffer output{out.data() + before, chunk, 0};
    ret = ZSTD_decompressStream(ds, &output, &input);
    out.resize(before + output.pos);
    if (ZSTD_isError(ret) || out.size() > max_size ||
        (output.pos == 0 && input.pos == input.size && ret != 0)) {
      return errc::internal;
    }
  }
  return out;
}

}  // namespace

std::string zstd_compress(std::string_view in, int level) {
  ZSTD_CCtx* c = thread_cctx();
  if (c == nullptr) {
    return {};  // callers then store the data raw
  }
  std::string out(ZSTD_compressBound(in.size()), '\0');
  // ZSTD_compressCCtx applies `level` and nothing else, and writes the content size.
  std::size_t n = ZSTD_compressCCtx(c, out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) {
    return {};
  }
  out.resize(n);
  return out;
}

result<std::string> zstd_decompress(std::string_view frame, std::size_t max_size) {
  ZSTD_DCtx* d = thread_dctx();
  if (d == nullptr) {
    return errc::internal;
  }
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) {
    return errc::internal;
  }
  // Checked before the size bound: ZSTD_CONTENTSIZE_UNKNOWN is itself larger than any max_size.
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
    // Frames written by streaming compressors (not ours; `zstd` from a pipe, v1.10 writers).
    return decompress_streamed(d, frame, max_size);
  }
  if (size > max_size) {
    return errc::internal;
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  std::size_t n = ZSTD_decompressDCtx(d, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) {
    return errc::internal;
  }
  return out;
}

}  // namespace sse::store::redis_layout
