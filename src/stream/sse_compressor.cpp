#include "stream/sse_compressor.hpp"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_estimateCStreamSize_usingCParams
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <utility>

namespace sse::stream {

namespace {

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

// zlib's deflate_state, allocated besides the buffers of its documented formula: about 5.9 KiB in
// zlib 1.2.13 on x86-64 (the unit test compares the whole estimate with malloc's count).
constexpr std::size_t zlib_state_bytes = 6 * 1024;
// Ours besides the codec's: the codec struct, the output string's terminator and malloc's chunk
// headers.
constexpr std::size_t own_bytes = 512;

// The level's parameters for an input the size of the window: zstd then sizes its hash and chain
// tables to the window too (for an unknown size, level 3 takes 768 KiB of tables alone). The
// window also caps the block size, hence the stream's buffers.
ZSTD_compressionParameters zstd_cparams(const compressor_params& p) noexcept {
  const auto window = static_cast<unsigned>(p.zstd_window_log);
  ZSTD_compressionParameters cp = ZSTD_getCParams(p.zstd_level, 1ull << window, 0);
  cp.windowLog = window;
  return cp;
}

bool set_zstd_params(ZSTD_CCtx* c, const compressor_params& p) noexcept {
  const ZSTD_compressionParameters cp = zstd_cparams(p);
  const std::pair<ZSTD_cParameter, int> settings[] = {
      {ZSTD_c_compressionLevel, p.zstd_level},
      {ZSTD_c_windowLog, static_cast<int>(cp.windowLog)},
      {ZSTD_c_hashLog, static_cast<int>(cp.hashLog)},
      {ZSTD_c_chainLog, static_cast<int>(cp.chainLog)},
      {ZSTD_c_searchLog, static_cast<int>(cp.searchLog)},
      {ZSTD_c_minMatch, static_cast<int>(cp.minMatch)},
      {ZSTD_c_targetLength, static_cast<int>(cp.targetLength)},
      {ZSTD_c_strategy, static_cast<int>(cp.strategy)},
  };
  for (const auto& [param, value] : settings) {
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, param, value))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(content_coding c) noexcept {
  switch (c) {
    case content_coding::gzip:
      return "gzip";
    case content_coding::zstd:
      return "zstd";
    case content_coding::identity:
      break;
  }
  return "identity";
}

std::optional<content_coding> parse_content_coding(std::string_view name) noexcept {
  if (iequals_ascii(name, "gzip")) {
    return content_coding::gzip;
  }
  if (iequals_ascii(name, "zstd")) {
    return content_coding::zstd;
  }
  return std::nullopt;
}

std::size_t compressor_footprint(content_coding c, const compressor_params& p) noexcept {
  switch (c) {
    case content_coding::gzip:
      // zlib.h / zconf.h: deflate uses (1 << (windowBits+2)) + (1 << (memLevel+9)) bytes.
      return (std::size_t{1} << (p.gzip_window_bits + 2)) +
             (std::size_t{1} << (p.gzip_mem_level + 9)) + zlib_state_bytes + retained_output_bytes +
             own_bytes;
    case content_coding::zstd:
      return ZSTD_estimateCStreamSize_usingCParams(zstd_cparams(p)) + retained_output_bytes +
             own_bytes;
    case content_coding::identity:
      break;
  }
  return 0;
}

struct sse_compressor::codec {
  z_stream z{};
  bool z_ready = false;
  ZSTD_CStream* zs = nullptr;

  ~codec() {
    if (z_ready) {
      deflateEnd(&z);
    }
    ZSTD_freeCStream(zs);
  }
};

sse_compressor::sse_compressor(content_coding c, const compressor_params& p) noexcept
    : coding_(c), params_(p) {}

sse_compressor::~sse_compressor() = default;

bool sse_compressor::ensure_codec() {
  if (codec_) {
    return true;
  }
  auto k = std::make_unique<codec>();
  if (coding_ == content_coding::gzip) {
    // windowBits + 16: a gzip header and trailer around the deflate stream.
    if (deflateInit2(&k->z, params_.gzip_level, Z_DEFLATED, params_.gzip_window_bits + 16,
                     params_.gzip_mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
      return false;
    }
    k->z_ready = true;
  } else if (coding_ == content_coding::zstd) {
    k->zs = ZSTD_createCStream();
    if (k->zs == nullptr || !set_zstd_params(k->zs, params_)) {
      return false;
    }
  } else {
    return false;
  }
  codec_ = std::move(k);
  out_.resize(retained_output_bytes);
  return true;
}

bool sse_compressor::compress(std::span<const std::string* const> frames, bool finish) {
  out_used_ = 0;
  if (failed_ || finished_ || !ensure_codec()) {
    failed_ = true;
    return false;
  }
  // Grows the output buffer when the codec filled it (a large batch).
  auto room = [this] {
    if (out_used_ == out_.size()) {
      out_.resize(out_.size() * 2);
    }
  };
  if (coding_ == content_coding::gzip) {
    z_stream& z = codec_->z;
    auto run = [&](const char* in, std::size_t n, int flush) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      z.avail_in = static_cast<uInt>(n);
      for (;;) {
        room();
        z.next_out = reinterpret_cast<Bytef*>(out_.data() + out_used_);
        z.avail_out = static_cast<uInt>(out_.size() - out_used_);
        const int rc = deflate(&z, flush);
        out_used_ = out_.size() - z.avail_out;
        if (rc == Z_STREAM_END) {
          return true;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
          return false;
        }
        // Done when the input is consumed and deflate did not fill the output (a full output
        // may hold more flushed bytes back); Z_FINISH ends only with Z_STREAM_END.
        if (z.avail_in == 0 && z.avail_out != 0 && flush != Z_FINISH) {
          return true;
        }
      }
    };
    for (const std::string* f : frames) {
      if (!f->empty() && !run(f->data(), f->size(), Z_NO_FLUSH)) {
        failed_ = true;
        return false;
      }
    }
    if (!run(nullptr, 0, finish ? Z_FINISH : Z_SYNC_FLUSH)) {
      failed_ = true;
      return false;
    }
  } else {
    ZSTD_CStream* zs = codec_->zs;
    auto run = [&](const char* in, std::size_t n, ZSTD_EndDirective mode) {
      ZSTD_inBuffer input{in, n, 0};
      for (;;) {
        room();
        ZSTD_outBuffer output{out_.data(), out_.size(), out_used_};
        const std::size_t left = ZSTD_compressStream2(zs, &output, &input, mode);
        out_used_ = output.pos;
        if (ZSTD_isError(left)) {
          return false;
        }
        if (mode == ZSTD_e_continue ? input.pos == input.size : left == 0) {
          return true;
        }
      }
    };
    for (const std::string* f : frames) {
      if (!f->empty() && !run(f->data(), f->size(), ZSTD_e_continue)) {
        failed_ = true;
        return false;
      }
    }
    if (!run(nullptr, 0, finish ? ZSTD_e_end : ZSTD_e_flush)) {
      failed_ = true;
      return false;
    }
  }
  finished_ = finish;
  return true;
}

void sse_compressor::trim_output() {
  if (out_.size() > retained_output_bytes) {
    out_.resize(retained_output_bytes);
    out_.shrink_to_fit();
    out_used_ = 0;
  }
}

}  // namespace sse::stream
