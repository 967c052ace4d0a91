// zstd frames as real writers make them, in literal bytes: the `zstd` CLI (1.5.4) compressing
// a file (content size in the header) and reading a pipe (no content size, as any streaming
// writer), each with and without a checksum; then corrupt, truncated and oversized frames.

#include "store/redis/compression.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

namespace sse::store::redis_layout {
namespace {

// printf '{"seq":6,"data":"x"}' | zstd -c [--no-check]   and   zstd -c [--no-check] file
const std::string content = R"({"seq":6,"data":"x"})";
const std::string& body = content;  // stored as one raw block: too short to compress
const std::string checksum = "\xbd\x51\x5d\x6e";
const std::string magic = "\x28\xb5\x2f\xfd";
const std::string block = std::string("\xa1\x00\x00", 3);  // last raw block of 20 bytes
const std::string pipe_checked = magic + "\x04\x58" + block + body + checksum;
const std::string pipe_unchecked = magic + std::string("\x00\x58", 2) + block + body;
const std::string file_checked = magic + "\x24\x14" + block + body + checksum;
const std::string file_unchecked = magic + "\x20\x14" + block + body;

TEST(zstd_decompress, frame_with_content_size_and_checksum) {
  ASSERT_EQ(ZSTD_getFrameContentSize(file_checked.data(), file_checked.size()), 20u);
  auto r = zstd_decompress(file_checked, 1024);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, content);
}

TEST(zstd_decompress, frame_with_content_size_without_checksum) {
  auto r = zstd_decompress(file_unchecked, 1024);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, content);
}

TEST(zstd_decompress, streamed_frame_without_content_size_with_checksum) {
  ASSERT_EQ(ZSTD_getFrameContentSize(pipe_checked.data(), pipe_checked.size()),
            ZSTD_CONTENTSIZE_UNKNOWN);
  auto r = zstd_decompress(pipe_checked, 1024);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, content);
}

TEST(zstd_decompress, streamed_frame_without_content_size_or_checksum) {
  ASSERT_EQ(ZSTD_getFrameContentSize(pipe_unchecked.data(), pipe_unchecked.size()),
            ZSTD_CONTENTSIZE_UNKNOWN);
  auto r = zstd_decompress(pipe_unchecked, 1024);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, content);
}

TEST(zstd_decompress, streamed_frame_of_many_output_chunks_grows_to_its_size) {
  // Larger than one ZSTD_DStreamOutSize() chunk, its size left out of the frame.
  std::string big;
  for (int i = 0; big.size() < 3 * ZSTD_DStreamOutSize(); ++i) {
    big += "{\"delta\":\"token " + std::to_string(i) + "\"}\n";
  }
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ASSERT_NE(c, nullptr);
  ASSERT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0)));
  std::string frame(ZSTD_compressBound(big.size()), '\0');
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  ZSTD_inBuffer in{big.data(), big.size(), 0};
  std::size_t left = ZSTD_compressStream2(c, &out, &in, ZSTD_e_end);
  ZSTD_freeCCtx(c);
  ASSERT_EQ(left, 0u);
  frame.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);

  auto r = zstd_decompress(frame, big.size());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, big);
  EXPECT_FALSE(zstd_decompress(frame, big.size() - 1).has_value()) << "max_size bounds it";
}

TEST(zstd_decompress, oversized_frames_are_refused_whether_or_not_they_state_their_size) {
  EXPECT_FALSE(zstd_decompress(file_checked, content.size() - 1).has_value());
  EXPECT_FALSE(zstd_decompress(pipe_checked, content.size() - 1).has_value());
  EXPECT_TRUE(zstd_decompress(pipe_checked, content.size()).has_value());
}

TEST(zstd_decompress, a_wrong_checksum_is_refused) {
  std::string bad = pipe_checked;
  bad.back() = static_cast<char>(bad.back() ^ 0x01);
  EXPECT_FALSE(zstd_decompress(bad, 1024).has_value());
  bad = file_checked;
  bad.back() = static_cast<char>(bad.back() ^ 0x01);
  EXPECT_FALSE(zstd_decompress(bad, 1024).has_value());
}

TEST(zstd_decompress, truncated_frames_are_refused) {
  for (const std::string* f : {&pipe_checked, &pipe_unchecked, &file_checked, &file_unchecked}) {
    for (std::size_t n = 0; n < f->size(); ++n) {
      EXPECT_FALSE(zstd_decompress(f->substr(0, n), 1024).has_value()) << n << " bytes";
    }
  }
}

TEST(zstd_decompress, garbage_is_refused) {
  EXPECT_FALSE(zstd_decompress("not zstd at all", 1024).has_value());
  EXPECT_FALSE(zstd_decompress("", 1024).has_value());
  EXPECT_FALSE(zstd_decompress(magic + "\xff\xff\xff\xff\xff\xff", 1024).has_value());
}

TEST(zstd_compress, round_trips_and_states_its_content_size) {
  const std::string frame = zstd_compress(content, 3);
  ASSERT_FALSE(frame.empty());
  EXPECT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), content.size());
  auto r = zstd_decompress(frame, content.size());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, content);
}

}  // namespace
}  // namespace sse::store::redis_layout
