# Runs tests that hang on purpose and checks the watchdog's verdict and exit status:
#  - HangsForever and HangsWithAChild under a 1 s limit. The second leaves a child behind; had the
#    watchdog not killed it, the child would keep the output pipe open and execute_process would run
#    into its TIMEOUT instead of returning 86.
#  - FailsThenHangs under --gtest_fail_fast and a 60 s limit, more than this check's TIMEOUT: the run
#    has failed, so it must end after the short grace, long before the limit.
set(ENV{THREADLINGS_WATCHDOG_GDB} 0)  # the stack dump is checked by hand; here only the verdict

# run_probe(NAME LIMIT_SECONDS EXPECTED_MESSAGE [EXTRA_FLAGS...]): runs WatchdogProbe.DISABLED_NAME and
# fails unless it ends with the watchdog's status and EXPECTED_MESSAGE.
function(run_probe probe limit expected)
  set(ENV{THREADLINGS_WATCHDOG_SECONDS} ${limit})
  execute_process(COMMAND "${PROBE}" --gtest_also_run_disabled_tests ${ARGN} "--gtest_filter=WatchdogProbe.DISABLED_${probe}"
    OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result TIMEOUT 20)
  if(NOT result EQUAL 86)
    message(FATAL_ERROR "${probe}: expected the watchdog's exit status 86, got '${result}':\n${output}")
  endif()
  if(NOT output MATCHES "WatchdogProbe.DISABLED_${probe}: ${expected}")
    message(FATAL_ERROR "${probe}: expected '${expected}' from the watchdog:\n${output}")
  endif()
  message(STATUS "${probe}: the watchdog ended it as expected")
endfunction()

run_probe(HangsForever 1 "no progress for 1 s: likely deadlock")
run_probe(HangsWithAChild 1 "no progress for 1 s: likely deadlock")
run_probe(FailsThenHangs 60 "no progress for 500 ms after a failed assertion" --gtest_fail_fast)
