# Runs `tlmmu_trace_bench --quick` and checks that it succeeds and prints a row
# for every format, the TLB-friendly figure and both memory figures. Timing is
# never checked.
file(REMOVE_RECURSE ${DIR})
execute_process(COMMAND ${BENCH} --quick --dir ${DIR} --json ${DIR}/bench.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tlmmu_trace_bench --quick exited with ${rc}")
endif()
foreach(row "lackey +[0-9]+" "champsim +[0-9]+" "drmemtrace +[0-9]+" "native +[0-9]+" "TLB-friendly" "records: [0-9]+ KiB")
  if(NOT out MATCHES "${row}")
    message(FATAL_ERROR "'${row}' missing from the output")
  endif()
endforeach()
if(NOT EXISTS ${DIR}/bench.json)
  message(FATAL_ERROR "--json did not write ${DIR}/bench.json")
endif()
