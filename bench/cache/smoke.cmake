# Runs `tlmmu_cache_bench --quick` and checks that it succeeds and prints both
# rows. Timing is never checked.
file(REMOVE_RECURSE ${DIR})
execute_process(COMMAND ${BENCH} --quick --dir ${DIR} --json ${DIR}/bench.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tlmmu_cache_bench --quick exited with ${rc}")
endif()
foreach(row "native \\(uncompressed\\) +1001594" "lackey \\.xz +1001594")
  if(NOT out MATCHES "${row}")
    message(FATAL_ERROR "'${row}' missing from the output")
  endif()
endforeach()
if(NOT EXISTS ${DIR}/bench.json)
  message(FATAL_ERROR "--json did not write ${DIR}/bench.json")
endif()
