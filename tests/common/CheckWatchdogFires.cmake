# Runs tests that hang on purpose under a 1 s watchdog, and checks the verdict and the exit status;
# then one that fails first, under --gtest_fail_fast, which must end after the short grace.
# The second one leaves a child behind; had the watchdog not killed it, the child would keep the
# output pipe open and execute_process would run into its TIMEOUT instead of returning 86.
set(ENV{THREADLINGS_WATCHDOG_SECONDS} 1)
set(ENV{THREADLINGS_WATCHDOG_GDB} 0)  # the stack dump is checked by hand; here only the verdict
foreach(probe IN ITEMS HangsForever HangsWithAChild)
  execute_process(COMMAND "${PROBE}" --gtest_also_run_disabled_tests "--gtest_filter=WatchdogProbe.DISABLED_${probe}"
    OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result TIMEOUT 20)
  if(NOT result EQUAL 86)
    message(FATAL_ERROR "${probe}: expected the watchdog's exit status 86, got '${result}':\n${output}")
  endif()
  if(NOT output MATCHES "WatchdogProbe.DISABLED_${probe}: no progress for 1 s: likely deadlock")
    message(FATAL_ERROR "${probe}: the watchdog did not name the hung test:\n${output}")
  endif()
  message(STATUS "${probe}: the watchdog fired as expected")
endforeach()

# A run that has failed under --gtest_fail_fast ends after the grace, long before its limit (60 s here,
# more than this check's TIMEOUT: waiting for the limit would fail the check).
set(ENV{THREADLINGS_WATCHDOG_SECONDS} 60)
execute_process(COMMAND "${PROBE}" --gtest_also_run_disabled_tests --gtest_fail_fast
  "--gtest_filter=WatchdogProbe.DISABLED_FailsThenHangs"
  OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result TIMEOUT 20)
if(NOT result EQUAL 86)
  message(FATAL_ERROR "FailsThenHangs: expected the watchdog's exit status 86, got '${result}':\n${output}")
endif()
if(NOT output MATCHES "WatchdogProbe.DISABLED_FailsThenHangs: no progress for 500 ms after a failed assertion")
  message(FATAL_ERROR "FailsThenHangs: the watchdog did not end the failed run after its grace:\n${output}")
endif()
message(STATUS "FailsThenHangs: the failed run was ended after the grace, as expected")
