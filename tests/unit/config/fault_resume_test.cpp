// The test-only --fault-resume syntax (the performance gate's tests use it).

#include "config/fault_resume.hpp"

#include <gtest/gtest.h>

namespace sse::config {
namespace {

using std::chrono::milliseconds;

TEST(fault_resume, off_by_default_and_for_none) {
  EXPECT_FALSE(resume_fault{}.enabled());
  for (const char* text : {"", "none"}) {
    auto f = parse_fault_resume(text);
    ASSERT_TRUE(f) << text;
    EXPECT_FALSE(f->enabled());
    EXPECT_FALSE(f->active_at(milliseconds(0)));
    EXPECT_EQ(format_fault_resume(*f), "");
  }
}

TEST(fault_resume, refuse_with_a_window) {
  auto f = parse_fault_resume("refuse,after=8s,for=4s");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->what, resume_fault::action::refuse);
  EXPECT_EQ(f->after, milliseconds(8000));
  EXPECT_EQ(f->span, milliseconds(4000));
  EXPECT_FALSE(f->active_at(milliseconds(7999)));
  EXPECT_TRUE(f->active_at(milliseconds(8000)));
  EXPECT_TRUE(f->active_at(milliseconds(11999)));
  EXPECT_FALSE(f->active_at(milliseconds(12000)));
}

TEST(fault_resume, delay_keys_in_any_order_and_after_defaults_to_zero) {
  auto f = parse_fault_resume("delay=20s,for=250ms,after=1m");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->what, resume_fault::action::delay);
  EXPECT_EQ(f->delay, milliseconds(20000));
  EXPECT_EQ(f->after, milliseconds(60000));
  EXPECT_EQ(f->span, milliseconds(250));

  auto g = parse_fault_resume("delay=1500ms,for=2s");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->after, milliseconds(0));
  EXPECT_TRUE(g->active_at(milliseconds(0)));
}

TEST(fault_resume, format_round_trips) {
  for (const char* text :
       {"refuse,after=8s,for=4s", "delay=20s,after=0s,for=1m", "delay=250ms,after=1h,for=1500ms"}) {
    auto f = parse_fault_resume(text);
    ASSERT_TRUE(f) << text;
    auto again = parse_fault_resume(format_fault_resume(*f));
    ASSERT_TRUE(again) << format_fault_resume(*f);
    EXPECT_EQ(*again, *f) << text;
  }
  EXPECT_EQ(format_fault_resume(*parse_fault_resume("refuse,for=3s")), "refuse,after=0s,for=3s");
}

TEST(fault_resume, bad_values_are_refused) {
  for (const char* text :
       {"refuse", "delay=5s", "refuse,after=8s", "drop,for=1s", "delay,for=1s", "delay=0s,for=1s",
        "delay=x,for=1s", "refuse,for=0s", "refuse,for=-1s", "refuse,for=1s,", "refuse,,for=1s",
        "refuse,for=1s,for=2s", "refuse,after=1s,after=2s,for=1s", "refuse,every=1s,for=1s",
        "refuse,for", "refuse,for=", "REFUSE,for=1s", " refuse,for=1s", "refuse,for=1s "}) {
    EXPECT_FALSE(parse_fault_resume(text)) << text;
  }
}

}  // namespace
}  // namespace sse::config
