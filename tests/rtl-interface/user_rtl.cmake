# cmake -P script: installs BUILD_TREE into a scratch prefix, then, against
# that prefix only, configures and builds examples/user-rtl twice (clean and
# with -DMY_TLB_BUG=ON) and runs both co-simulations: the clean one must pass
# (and write JUnit), the planted bug must be reported at its first
# mismatching transaction. Last, a user TLB with wrong ports must fail at
# configure time naming them.
foreach(var BUILD_TREE WORK_DIR SOURCE_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "user_rtl.cmake: -D${var}=... is required")
  endif()
endforeach()
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${result}): ${command}\n${out}${err}")
  endif()
endfunction()

set(flags -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
          -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(SANITIZE)
  list(APPEND flags -DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
endif()
if(CCACHE)
  list(APPEND flags -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
run_step(${CMAKE_COMMAND} --install ${BUILD_TREE} --prefix ${prefix})

# Clean: passes, JUnit written.
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/user-rtl -B ${WORK_DIR}/clean ${flags})
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/clean)
execute_process(COMMAND ${WORK_DIR}/clean/my_tlb_cosim --transactions 100000 --seed 1 --junit ${WORK_DIR}/clean.xml
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "tlb my_tlb: 100000 transactions, 0 mismatches")
  message(FATAL_ERROR "the clean my_tlb did not pass (exit ${rc})")
endif()
if(NOT EXISTS ${WORK_DIR}/clean.xml)
  message(FATAL_ERROR "no JUnit file written")
endif()

# Planted bug: caught at the first transaction it changes, an INVLPG of a global entry.
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/user-rtl -B ${WORK_DIR}/bug ${flags} -DMY_TLB_BUG=ON)
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/bug)
execute_process(COMMAND ${WORK_DIR}/bug/my_tlb_cosim --transactions 100000 --seed 1 --quiet
                        --vcd ${WORK_DIR}/bug.vcd --vcd-window 20
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 (mismatch) from the planted bug, got ${rc}")
endif()
if(NOT out MATCHES "MISMATCH at transaction [0-9]+: invlpg" OR NOT out MATCHES "dropped +0x[0-9a-f]+ +0x[0-9a-f]+ +<- differs")
  message(FATAL_ERROR "the planted bug was not reported at an INVLPG with the differing field")
endif()
if(NOT EXISTS ${WORK_DIR}/bug.vcd)
  message(FATAL_ERROR "no waveform of the transactions before the mismatch")
endif()

# Wrong ports: configure fails naming them.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/rtl-interface/bad-ports -B ${WORK_DIR}/bad ${flags}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(out "${out}${err}")
message("${out}")
string(REGEX REPLACE "[ \n]+" " " out "${out}")  # cmake wraps long messages
if(rc EQUAL 0)
  message(FATAL_ERROR "a TLB with wrong ports configured")
endif()
foreach(expected "module 'bad_tlb' does not match the tlb port list" "missing output port 'rsp_pkey'"
                 "port 'req_vaddr' is 48 bits wide, the tlb interface needs 57")
  string(FIND "${out}" "${expected}" at)
  if(at LESS 0)
    message(FATAL_ERROR "configure output does not say: ${expected}")
  endif()
endforeach()
message("user RTL: clean passes, planted bug caught, wrong ports refused")
