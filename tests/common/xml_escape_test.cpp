#include "threadlings/xml_escape.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

// The five characters XML reserves become entities; everything else is kept.
TEST(XmlEscape, ReservedCharactersBecomeEntities) {
  EXPECT_EQ(threadlings::xml_escape(R"(a<b & "c" > 'd')"), "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;");
}

// Control characters XML 1.0 cannot carry become '?'; tab, newline and carriage return stay.
TEST(XmlEscape, ForbiddenControlCharactersAreReplaced) {
  EXPECT_EQ(threadlings::xml_escape(std::string("a\x01" "b\tc\nd\re\x1f", 10)), "a?b\tc\nd\re?");
}

// Bytes of UTF-8 text pass through unchanged.
TEST(XmlEscape, Utf8PassesThrough) { EXPECT_EQ(threadlings::xml_escape("naïve – µs"), "naïve – µs"); }

}  // namespace
