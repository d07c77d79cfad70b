#include "threadlings/python_runner.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

namespace {

bool have_python() {
  const auto run = threadlings::run_python("pass");
  return run.output.has_value();
}

// The script's standard output comes back; arguments arrive as sys.argv[1:], no shell in between.
TEST(PythonRunner, ReturnsStandardOutputAndPassesArguments) {
  if (!have_python()) GTEST_SKIP() << "python3 is not on PATH";
  const auto run = threadlings::run_python("import sys; print(sys.argv[1:])", {"a b", "$HOME", "'q'"});
  ASSERT_TRUE(run.output.has_value()) << run.why_not;
  EXPECT_EQ(*run.output, "['a b', '$HOME', \"'q'\"]\n");
}

// A failing script gives no output and says why; the child is reaped either way.
TEST(PythonRunner, FailingScriptSaysItsExitCode) {
  if (!have_python()) GTEST_SKIP() << "python3 is not on PATH";
  const auto run = threadlings::run_python("import sys; print('partial'); sys.exit(3)");
  EXPECT_FALSE(run.output.has_value());
  EXPECT_EQ(run.why_not, "python3 exited with code 3");
}

// python_seconds() reads the first number printed, and nothing when there is none.
TEST(PythonRunner, SecondsReadsTheFirstNumber) {
  if (!have_python()) GTEST_SKIP() << "python3 is not on PATH";
  EXPECT_EQ(threadlings::python_seconds("print(0.25)"), 0.25);
  EXPECT_FALSE(threadlings::python_seconds("print('no number')").has_value());
}

}  // namespace
