# selfcheck.lessonNN.mutant.NAME — cmake -DTEST_BINARY=... -DPATCH=... -P CheckMutantCaught.cmake
# Passes when at least one test fails against the mutated solution (a failed expectation, a crash, or
# the watchdog's deadlock report all count); fails when the mutant survives every test.
file(STRINGS "${PATCH}" first_line LIMIT_COUNT 1)
string(REGEX REPLACE "^#[ ]*" "" mistake "${first_line}")
# --gtest_fail_fast: one failing test is enough to catch a mutant, and the tests after it (some of which
# may deadlock against this mutant and wait for the watchdog) need not run. Under that flag the test
# main gives a run that has failed only a short grace before ending it, instead of the full watchdog
# limit: a wrong solution often leaves threads waiting for ever after its first failed assertion.
execute_process(COMMAND "${TEST_BINARY}" --gtest_fail_fast
  OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result TIMEOUT 240)
if(result EQUAL 0)
  message(FATAL_ERROR "Mutant survived: every test passed against it.\n  mistake: ${mistake}\n"
    "  patch:   ${PATCH}\nAdd a test that catches this mistake.")
endif()
# Test names start with a letter; gtest's closing "[  FAILED  ] 2 tests, listed below" does not.
string(REGEX MATCHALL "\\[  FAILED  \\] [A-Za-z_][^ \n]*" failed "${output}")
list(REMOVE_DUPLICATES failed)
list(JOIN failed "\n  " failed_lines)
if(NOT failed)
  # No "[  FAILED  ]" line: the binary died (abort, signal, watchdog) inside the last test it started.
  string(REGEX MATCHALL "\\[ RUN      \\] [^ \n]+" started "${output}")
  list(POP_BACK started last_started)
  string(REPLACE "[ RUN      ]" "[  CRASHED ]" failed_lines "${last_started}")
endif()
if(output MATCHES "no progress for [0-9]+ s: likely deadlock")
  string(APPEND failed_lines "\n  (the watchdog reported a deadlock)")
elseif(output MATCHES "after a failed assertion \\(--gtest_fail_fast\\)")
  string(APPEND failed_lines "\n  (a test failed and the run then hung: the watchdog ended it after a short grace)")
endif()
message(STATUS "Mutant caught (${mistake}); result ${result}:\n  ${failed_lines}")
