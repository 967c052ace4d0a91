#pragma once
// Compressed SSE: one compressor per SSE connection, flushed after every write, so that
// each event reaches the client as soon as it would uncompressed while the bytes on the wire
// shrink (token deltas repeat their JSON envelope event after event). Sans-io: frames in, bytes
// out; the caller (src/http/sse_writer.cpp) hands the output to its sink as the body bytes of
// one write (HTTP/1.1 frames it as one chunk).
// Unit-tested by decoding after each flush (tests/unit/stream/sse_compressor_test.cpp).
//
// Small windows: a connection keeps its compressor for its whole life, and a node holds
// thousands of connections, so memory per compressor matters more than the last percent of
// ratio; token streams repeat within a few events, which a few KiB of window already sees.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sse::stream {

enum class content_coding : std::uint8_t { identity, gzip, zstd };

/// "identity", "gzip", "zstd": the Content-Encoding token.
std::string_view to_string(content_coding c) noexcept;
/// "gzip" or "zstd" (case-insensitive); nullopt for anything else.
std::optional<content_coding> parse_content_coding(std::string_view name) noexcept;

/// How a compressor compresses. The defaults are what the gateway uses (BENCHMARKS.md,
/// "Compressed SSE", measured them against larger windows and levels).
struct compressor_params {
  int gzip_level = 5;
  int gzip_window_bits = 12;  ///< 9..15: a 4 KiB window
  int gzip_mem_level = 5;     ///< 1..9: zlib's hash and buffer sizes
  int zstd_level = 1;
  /// A 4 KiB window: for token streams flushed per event, 64 KiB gains 3 % of ratio for ten
  /// times the memory (0.87 MiB against 90 KiB per connection, with zstd's block buffers).
  int zstd_window_log = 12;
};

/// Output bytes a compressor keeps between writes; a larger batch (a long replay) grows its
/// buffer for that write only.
inline constexpr std::size_t retained_output_bytes = 4096;

/// An honest estimate of the memory one compressor of `c` holds once it has compressed: the
/// codec's state (zlib's documented deflate formula plus its state struct; zstd's
/// ZSTD_estimateCStreamSize_usingCParams) plus the retained output buffer. 0 for identity.
std::size_t compressor_footprint(content_coding c, const compressor_params& p = {}) noexcept;

class sse_compressor {
 public:
  /// Allocates nothing: the codec state is created by the first compress().
  explicit sse_compressor(content_coding c, const compressor_params& p = {}) noexcept;
  ~sse_compressor();
  sse_compressor(const sse_compressor&) = delete;
  sse_compressor& operator=(const sse_compressor&) = delete;

  /// Compresses `frames` in order and flushes (Z_SYNC_FLUSH / ZSTD_e_flush), or ends the
  /// compressed stream when `finish` (Z_FINISH / ZSTD_e_end): the bytes produced so far decode to
  /// every input byte so far. The result replaces the previous one in output(). False on a codec
  /// error (out of memory), after which the compressor is unusable.
  bool compress(std::span<const std::string* const> frames, bool finish);
  /// The bytes of the last compress(); valid until the next compress() or trim_output().
  std::string_view output() const noexcept { return {out_.data(), out_used_}; }
  /// Gives back an output buffer grown beyond retained_output_bytes by a large write.
  void trim_output();

  content_coding coding() const noexcept { return coding_; }
  bool finished() const noexcept { return finished_; }

 private:
  struct codec;  // zlib or zstd state, created by the first compress()
  bool ensure_codec();

  content_coding coding_;
  compressor_params params_;
  std::unique_ptr<codec> codec_;
  std::string out_;
  std::size_t out_used_ = 0;
  bool failed_ = false;
  bool finished_ = false;
};

}  // namespace sse::stream
