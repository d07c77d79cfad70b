# Runs a test that hangs on purpose under a 1 s watchdog, and checks the verdict and the exit status.
set(ENV{THREADLINGS_WATCHDOG_SECONDS} 1)
set(ENV{THREADLINGS_WATCHDOG_GDB} 0)  # the stack dump is checked by hand; here only the verdict
execute_process(COMMAND "${PROBE}" --gtest_also_run_disabled_tests --gtest_filter=WatchdogProbe.DISABLED_HangsForever
  OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result TIMEOUT 50)
if(NOT result EQUAL 86)
  message(FATAL_ERROR "expected the watchdog's exit status 86, got '${result}':\n${output}")
endif()
if(NOT output MATCHES "WatchdogProbe.DISABLED_HangsForever: no progress for 1 s: likely deadlock")
  message(FATAL_ERROR "the watchdog did not name the hung test:\n${output}")
endif()
message(STATUS "watchdog fired as expected")
