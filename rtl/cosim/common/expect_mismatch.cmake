# cmake "-DCOMMAND=prog;args" [-DVCD=FILE] -P expect_mismatch.cmake
# Passes when the co-simulation exits with status 1 and reports its first
# mismatch with a transaction number on an INVPCID type 3 (the first
# operation the planted fault can change), showing the differing field; with
# VCD, also that the waveform FILE was written (and no FILE.part left over).
if(DEFINED VCD)
  file(REMOVE ${VCD} ${VCD}.part)
endif()
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 (mismatch), got ${rc}")
endif()
if(NOT out MATCHES "MISMATCH at transaction ([0-9]+): invpcid-3-nonglobal")
  message(FATAL_ERROR "no 'MISMATCH at transaction N: invpcid-3-nonglobal' report")
endif()
if(NOT out MATCHES "dropped +0x[0-9a-f]+ +0x[0-9a-f]+ +<- differs")
  message(FATAL_ERROR "the report does not show the differing field")
endif()
if(DEFINED VCD)
  if(NOT EXISTS ${VCD} OR EXISTS ${VCD}.part)
    message(FATAL_ERROR "waveform ${VCD} not written (or ${VCD}.part left over)")
  endif()
  file(READ ${VCD} head LIMIT 4096)
  if(NOT head MATCHES "\\$var wire +1 [^ ]+ rsp_hit")
    message(FATAL_ERROR "${VCD} does not look like a waveform of the TLB")
  endif()
endif()
