# Runs tests that hang on purpose under a 1 s watchdog, and checks the verdict and the exit status.
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
