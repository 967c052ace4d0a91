#include "store/redis/compression.hpp"

#include <zstd.h>

namespace sse::store::redis_layout {

std::string zstd_compress(std::string_view in, int level) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) {
    return {};  // only on allocation failure; callers then store the data raw
  }
  out.resize(n);
  return out;
}

result<std::string> zstd_decompress(std::string_view frame, std::size_t max_size) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) {
    return errc::internal;
  }
  // Checked before the size bound: ZSTD_CONTENTSIZE_UNKNOWN is itself larger than any max_size.
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
    // Frames written by streaming compressors (not ours; `zstd` from a pipe, v1.10 writers):
    // grow, bounded by max_size.
    ZSTD_DStream* ds = ZSTD_createDStream();
    if (ds == nullptr) {
      return errc::internal;
    }
    std::string out;
    ZSTD_inBuffer input{frame.data(), frame.size(), 0};
    std::string chunk(ZSTD_DStreamOutSize(), '\0');
    std::size_t ret = 1;
    while (ret != 0) {
      ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
      ret = ZSTD_decompressStream(ds, &output, &input);
      if (ZSTD_isError(ret) || out.size() + output.pos > max_size ||
          (output.pos == 0 && input.pos == input.size && ret != 0)) {
        ZSTD_freeDStream(ds);
        return errc::internal;
      }
      out.append(chunk.data(), output.pos);
    }
    ZSTD_freeDStream(ds);
    return out;
  }
  if (size > max_size) {
    return errc::internal;
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  std::size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) {
    return errc::internal;
  }
  return out;
}

}  // namespace sse::store::redis_layout
