# Runs COMMAND twice with --json A and --json B; both must exit 0 with the
# same figures (same_figures.cmake).
foreach(f A B)
  execute_process(COMMAND ${COMMAND} --json ${${f}} RESULT_VARIABLE status OUTPUT_QUIET)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "run ${f} exited with ${status}")
  endif()
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/same_figures.cmake)
