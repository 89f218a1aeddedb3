# Runs IMAGE under the emulator command EMULATOR (a ;-list) and passes only if it exits
# with status 0 AND its output matches EXPECT: for tests of the console path itself,
# where the text arriving is the point, and the exit status must still decide failure.
execute_process(COMMAND ${EMULATOR} ${IMAGE} INPUT_FILE /dev/null OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${IMAGE} exited with status ${rc}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
    message(FATAL_ERROR "${IMAGE}: output does not match '${EXPECT}'")
endif()
