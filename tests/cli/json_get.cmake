# Prints one field of a JSON file: cmake -DFILE=report.json "-DPATH=lessons 0 score" -P json_get.cmake
# (the CLI tests read JSON with CMake's string(JSON) so that the course needs no Python).
file(READ "${FILE}" text)
string(REPLACE " " ";" path "${PATH}")
string(JSON value ERROR_VARIABLE error GET "${text}" ${path})
if(error)
  message(FATAL_ERROR "${FILE}: ${PATH}: ${error}")
endif()
message(NOTICE "${value}")
