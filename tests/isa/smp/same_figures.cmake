# Two `tlmmu run --json` files (A, B) hold the same figures: every line but
# the host timings (wall_seconds, cpu_seconds, instructions_per_*second).
foreach(f A B)
  if(NOT EXISTS "${${f}}")
    message(FATAL_ERROR "${${f}} is missing (its run failed)")
  endif()
  file(STRINGS "${${f}}" lines_${f})
  list(FILTER lines_${f} EXCLUDE REGEX "\"(wall_seconds|cpu_seconds|instructions_per_second|instructions_per_cpu_second)\"")
endforeach()
if(NOT lines_A STREQUAL lines_B)
  message(FATAL_ERROR "${A} and ${B} differ in their figures")
endif()
