# cmake -DPROGRAM=... -DARG=... -DOUT=... -P run_to_file.cmake
# Writes what `PROGRAM ARG` prints on stdout to OUT, failing the build if it fails.
execute_process(COMMAND ${PROGRAM} ${ARG} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "${PROGRAM} ${ARG} failed: ${status}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
