#include "redis/request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sse::redis {
namespace {

TEST(request, encodes_a_command_as_resp_array_of_bulk_strings) {
  request r;
  r.push("SET", "key", "value");
  EXPECT_EQ(r.payload(), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  EXPECT_EQ(r.commands(), 1u);
}

TEST(request, integers_are_written_in_decimal) {
  request r;
  r.push("PEXPIRE", "k", 1500);
  r.push("INCRBY", "k", -3LL);
  EXPECT_EQ(r.payload(),
            "*3\r\n$7\r\nPEXPIRE\r\n$1\r\nk\r\n$4\r\n1500\r\n"
            "*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$2\r\n-3\r\n");
  EXPECT_EQ(r.commands(), 2u);
}

TEST(request, arguments_are_binary_safe) {
  request r;
  std::string binary("a\0\r\nb", 5);
  r.push("SET", "k", binary);
  const char expected[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0\r\nb\r\n";
  EXPECT_EQ(r.payload(), std::string(expected, sizeof(expected) - 1));
}

TEST(request, append_concatenates_commands) {
  request a;
  a.push("PING");
  request b;
  b.push("ECHO", "x");
  a.append(b);
  EXPECT_EQ(a.commands(), 2u);
  EXPECT_EQ(a.payload(), "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n");
}

}  // namespace
}  // namespace sse::redis
