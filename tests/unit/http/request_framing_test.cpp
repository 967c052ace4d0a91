#include "http/request_framing.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

namespace sse::http {
namespace {

std::string block(std::string_view fields) {
  return "POST /v1/streams/a/events HTTP/1.1\r\n" + std::string(fields) + "\r\n";
}

TEST(header_block_length, ends_after_the_empty_line) {
  EXPECT_EQ(header_block_length(""), 0u);
  EXPECT_EQ(header_block_length("GET / HTTP/1.1\r\nHost: x\r\n"), 0u);
  EXPECT_EQ(header_block_length("GET / HTTP/1.1\r\nHost: x\r\n\r"), 0u);
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(header_block_length(head), head.size());
  EXPECT_EQ(header_block_length(head + "{\"data\":1}\r\n\r\n"), head.size());
}

TEST(framing_problem, ordinary_requests_pass) {
  EXPECT_FALSE(framing_problem(block("Host: x\r\n"), 11));
  EXPECT_FALSE(framing_problem(block("Host: x\r\nContent-Length: 12\r\n"), 11));
  EXPECT_FALSE(framing_problem(block("host: x\r\ntransfer-encoding: Chunked\r\n"), 11));
  EXPECT_FALSE(framing_problem(block("Host: x\r\nTransfer-Encoding:  chunked \r\n"), 11));
  EXPECT_FALSE(framing_problem(block(""), 10));  // HTTP/1.0 needs no Host
  EXPECT_FALSE(framing_problem(block("Host: x\r\nX-List: a, b\r\n"), 11));
}

// target_fuzz: a block whose last line is `Transfer-Encoding: chunkeD` with nothing after it, in a
// heap block of exactly its size (the asan preset catches a read past its end).
TEST(framing_problem, coding_case_at_the_very_end_of_the_block) {
  const std::string text =
      "POST /v1/streams/a/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunkeD";
  const auto bytes = std::make_unique<char[]>(text.size());
  std::memcpy(bytes.get(), text.data(), text.size());
  EXPECT_FALSE(framing_problem(std::string_view(bytes.get(), text.size()), 11));
}

TEST(framing_problem, transfer_encodings_other_than_chunked_alone) {
  for (std::string te : {"chunked, identity", "gzip", "xchunked", "identity", "gzip, chunked",
                         "chunked, chunked", "chunked;x=1", ""}) {
    SCOPED_TRACE(te);
    auto why = framing_problem(block("Host: x\r\nTransfer-Encoding: " + te + "\r\n"), 11);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("Transfer-Encoding"), std::string::npos) << *why;
  }
  // Two lines are one list: `chunked` then `identity` does not end in chunked.
  EXPECT_TRUE(framing_problem(
      block("Host: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"), 11));
  EXPECT_TRUE(framing_problem(block("Transfer-Encoding: chunked\r\n"), 10));
}

TEST(framing_problem, names_the_coding_only_when_printable) {
  auto why = framing_problem(block("Host: x\r\nTransfer-Encoding: gzip\r\n"), 11);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("\"gzip\""), std::string::npos) << *why;
  why = framing_problem(block("Host: x\r\nTransfer-Encoding: g\xFFzip\r\n"), 11);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->find('\xFF'), std::string::npos);
}

TEST(framing_problem, transfer_encoding_with_content_length) {
  for (std::string fields : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                             "Content-Length: 5\r\nTransfer-Encoding: identity\r\n"}) {
    auto why = framing_problem(block("Host: x\r\n" + fields), 11);
    ASSERT_TRUE(why) << fields;
    EXPECT_NE(why->find("both Transfer-Encoding and Content-Length"), std::string::npos);
  }
}

TEST(framing_problem, more_than_one_content_length) {
  EXPECT_TRUE(framing_problem(block("Host: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n"), 11));
  EXPECT_TRUE(framing_problem(block("Host: x\r\nContent-Length: 5, 5\r\n"), 11));
  EXPECT_TRUE(framing_problem(block("Host: x\r\ncontent-length: 5\r\nCONTENT-LENGTH: 6\r\n"), 11));
}

TEST(framing_problem, obs_fold) {
  auto why = framing_problem(block("Host: x\r\nX-Note: a\r\n b\r\n"), 11);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("folding"), std::string::npos);
  EXPECT_TRUE(framing_problem(block("Host: x\r\nX-Note: a\r\n\tb\r\n"), 11));
}

TEST(framing_problem, host_missing_or_repeated) {
  auto why = framing_problem(block("Content-Length: 0\r\n"), 11);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("Host"), std::string::npos);
  EXPECT_TRUE(framing_problem(block("Host: a\r\nHost: b\r\n"), 11));
  EXPECT_TRUE(framing_problem(block("Host: a\r\nHost: b\r\n"), 10));
}

}  // namespace
}  // namespace sse::http
