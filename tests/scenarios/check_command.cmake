# Runs a command and checks its exit status and output, for the negative tests
# of `tlmmu scenario` (a bad file must both fail and say where).
#   cmake -DCOMMAND=<;-list> -DEXIT_CODE=<n> -DEXPECT=<;-list of regexes> -P check_command.cmake
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(output "${out}${err}")
if(NOT rc EQUAL EXIT_CODE)
  message(FATAL_ERROR "expected exit status ${EXIT_CODE}, got ${rc}; output:\n${output}")
endif()
foreach(pattern IN LISTS EXPECT)
  if(NOT output MATCHES "${pattern}")
    message(FATAL_ERROR "output does not match '${pattern}':\n${output}")
  endif()
endforeach()
