#include "stream/sse_compressor.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "stream/sse_encoder.hpp"

namespace sse::stream {
namespace {

/// Decodes a compressed stream piece by piece, as a client does: after each flushed write,
/// everything written so far must be decodable.
class decoder {
 public:
  explicit decoder(content_coding c) : coding_(c) {
    if (c == content_coding::gzip) {
      EXPECT_EQ(inflateInit2(&z_, 15 + 16), Z_OK);  // gzip wrapper only
    } else {
      ds_ = ZSTD_createDStream();
    }
  }
  ~decoder() {
    if (coding_ == content_coding::gzip) {
      inflateEnd(&z_);
    } else {
      ZSTD_freeDStream(ds_);
    }
  }
  decoder(const decoder&) = delete;
  decoder& operator=(const decoder&) = delete;

  /// The bytes `in` decodes to (all of them, when the writer flushed).
  std::string feed(std::string_view in) {
    std::string out;
    char buf[4096];
    if (coding_ == content_coding::gzip) {
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = static_cast<uInt>(in.size());
      for (int i = 0; i < 10'000; ++i) {
        z_.next_out = reinterpret_cast<Bytef*>(buf);
        z_.avail_out = sizeof buf;
        const int rc = inflate(&z_, Z_SYNC_FLUSH);
        out.append(buf, sizeof buf - z_.avail_out);
        if (rc == Z_STREAM_END) {
          ended_ = true;
          break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
          ADD_FAILURE() << "inflate: " << rc;
          break;
        }
        if (z_.avail_in == 0 && z_.avail_out != 0) {
          break;
        }
      }
    } else {
      ZSTD_inBuffer input{in.data(), in.size(), 0};
      for (int i = 0; i < 10'000; ++i) {
        ZSTD_outBuffer output{buf, sizeof buf, 0};
        const std::size_t rc = ZSTD_decompressStream(ds_, &output, &input);
        out.append(buf, output.pos);
        if (ZSTD_isError(rc)) {
          ADD_FAILURE() << "zstd: " << ZSTD_getErrorName(rc);
          break;
        }
        if (rc == 0) {
          ended_ = true;  // a frame is complete
        }
        if (input.pos == input.size && output.pos < output.size) {
          break;
        }
      }
    }
    return out;
  }
  bool ended() const noexcept { return ended_; }

 private:
  content_coding coding_;
  z_stream z_{};
  ZSTD_DStream* ds_ = nullptr;
  bool ended_ = false;
};

std::string token_event(int i) {
  return encode_event("ep01", static_cast<seq_t>(i), "",
                      R"({"id":"chatcmpl-9x","object":"chat.completion.chunk","choices":)"
                      R"([{"index":0,"delta":{"content":"tok)" +
                          std::to_string(i * 7919 % 1000) + R"("}}]})");
}

std::string joined(const std::vector<std::string>& frames) {
  std::string s;
  for (const auto& f : frames) {
    s += f;
  }
  return s;
}

std::vector<const std::string*> pointers(const std::vector<std::string>& frames) {
  std::vector<const std::string*> p;
  for (const auto& f : frames) {
    p.push_back(&f);
  }
  return p;
}

class sse_compressor_each_coding : public ::testing::TestWithParam<content_coding> {};

TEST_P(sse_compressor_each_coding, every_flushed_write_decodes_completely_at_once) {
  sse_compressor c(GetParam());
  decoder d(GetParam());
  std::size_t in = 0;
  std::size_t out = 0;
  for (int write = 0; write < 200; ++write) {
    // One event per write, and every tenth write a batch of three, as a live stream goes.
    std::vector<std::string> frames{token_event(write * 3)};
    if (write % 10 == 0) {
      frames.push_back(token_event(write * 3 + 1));
      frames.push_back(encode_comment("heartbeat"));
    }
    ASSERT_TRUE(c.compress(pointers(frames), false));
    EXPECT_EQ(d.feed(c.output()), joined(frames)) << "write " << write;
    in += joined(frames).size();
    out += c.output().size();
  }
  EXPECT_FALSE(d.ended());
  // Token deltas repeat their envelope: even flushed per event, the wire carries far less.
  EXPECT_LT(out * 3, in) << in << " -> " << out;
}

TEST_P(sse_compressor_each_coding, finish_ends_the_stream_after_the_last_frames) {
  sse_compressor c(GetParam());
  decoder d(GetParam());
  const std::vector<std::string> first{token_event(1)};
  ASSERT_TRUE(c.compress(pointers(first), false));
  EXPECT_EQ(d.feed(c.output()), first[0]);
  const std::vector<std::string> last{token_event(2), encode_event("ep01", 3, "end", "{}")};
  ASSERT_TRUE(c.compress(pointers(last), true));
  EXPECT_EQ(d.feed(c.output()), joined(last));
  EXPECT_TRUE(d.ended());
  EXPECT_TRUE(c.finished());
  EXPECT_FALSE(c.compress(pointers(last), false)) << "nothing may follow the end";
}

TEST_P(sse_compressor_each_coding, finish_with_no_frames_still_ends_the_stream) {
  // A stream deleted while subscribed ends with the final chunk alone: compressed, the
  // codec's trailer still has to go out.
  sse_compressor c(GetParam());
  decoder d(GetParam());
  const std::vector<std::string> first{encode_retry(std::chrono::milliseconds(1000))};
  ASSERT_TRUE(c.compress(pointers(first), false));
  EXPECT_EQ(d.feed(c.output()), first[0]);
  ASSERT_TRUE(c.compress({}, true));
  EXPECT_FALSE(c.output().empty());
  EXPECT_EQ(d.feed(c.output()), "");
  EXPECT_TRUE(d.ended());
}

TEST_P(sse_compressor_each_coding,
       a_batch_larger_than_the_output_buffer_grows_it_for_that_write_only) {
  sse_compressor c(GetParam());
  decoder d(GetParam());
  // A replay of incompressible-ish data, several times the retained buffer.
  std::vector<std::string> frames;
  std::uint32_t x = 12345;
  for (int i = 0; i < 40; ++i) {
    std::string data;
    for (int j = 0; j < 600; ++j) {
      x = x * 1103515245u + 12345u;
      data.push_back(static_cast<char>('a' + (x >> 16) % 26));
    }
    frames.push_back(encode_event("ep01", static_cast<seq_t>(i + 1), "", data));
  }
  ASSERT_TRUE(c.compress(pointers(frames), false));
  EXPECT_GT(c.output().size(), retained_output_bytes);
  EXPECT_EQ(d.feed(c.output()), joined(frames));
  c.trim_output();
  const std::vector<std::string> next{token_event(99)};
  ASSERT_TRUE(c.compress(pointers(next), false));
  EXPECT_EQ(d.feed(c.output()), next[0]);
}

TEST_P(sse_compressor_each_coding, footprint_estimate_covers_what_the_heap_really_holds) {
  // The per-node budget (--sse-compression-max-memory) is only as honest as this estimate:
  // compare it with glibc's count of bytes in use after the compressor has compressed.
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator does not report through mallinfo2";
#endif
  // The test's own frames are allocated before the count starts.
  const std::vector<std::string> frames{token_event(1), token_event(2)};
  const std::vector<const std::string*> frame_ptrs = pointers(frames);
  const std::size_t before = mallinfo2().uordblks;
  {
    sse_compressor c(GetParam());
    ASSERT_TRUE(c.compress(frame_ptrs, false));
    const std::size_t used = mallinfo2().uordblks - before;
    const std::size_t estimate = compressor_footprint(GetParam());
    EXPECT_LE(used, estimate) << "estimate " << estimate << " below the real " << used;
    EXPECT_GE(used * 10, estimate * 7) << "estimate " << estimate << " far above the real " << used;
  }
}

TEST_P(sse_compressor_each_coding, nothing_is_allocated_before_the_first_write) {
  const std::size_t before = mallinfo2().uordblks;
  sse_compressor c(GetParam());
  EXPECT_EQ(mallinfo2().uordblks, before);
}

INSTANTIATE_TEST_SUITE_P(codings, sse_compressor_each_coding,
                         ::testing::Values(content_coding::gzip, content_coding::zstd),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(content_coding, names_parse_case_insensitively) {
  EXPECT_EQ(parse_content_coding("gzip"), content_coding::gzip);
  EXPECT_EQ(parse_content_coding("ZSTD"), content_coding::zstd);
  EXPECT_EQ(parse_content_coding("br"), std::nullopt);
  EXPECT_EQ(parse_content_coding("identity"), std::nullopt);
  EXPECT_EQ(parse_content_coding(""), std::nullopt);
  EXPECT_EQ(compressor_footprint(content_coding::identity), 0u);
}

}  // namespace
}  // namespace sse::stream
