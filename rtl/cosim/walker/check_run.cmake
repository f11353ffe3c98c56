# Runs a co-simulation and checks its exit status and output.
#   cmake -DCOMMAND=<;-list> -DEXIT_CODE=<n> -DEXPECT=<;-list of regexes> -P check_run.cmake
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(output "${out}${err}")
message("${output}")
if(NOT rc EQUAL EXIT_CODE)
  message(FATAL_ERROR "expected exit status ${EXIT_CODE}, got ${rc}")
endif()
foreach(pattern IN LISTS EXPECT)
  if(NOT output MATCHES "${pattern}")
    message(FATAL_ERROR "output does not match '${pattern}'")
  endif()
endforeach()
