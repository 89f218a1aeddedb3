# Runs PROGRAM (under EMULATOR, when the build needs one), feeds its trace output to TOOL, and checks that the leak is reported at
# the line of SOURCE marked LEAK-LINE, with its size and count.
execute_process(COMMAND ${EMULATOR} ${PROGRAM} OUTPUT_VARIABLE log RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} failed: ${rc}")
endif()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/trace_sample.log "${log}")
execute_process(COMMAND ${PYTHON} ${TOOL} ${PROGRAM} ${CMAKE_CURRENT_BINARY_DIR}/trace_sample.log
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
message("${out}")
file(READ ${SOURCE} content)
string(FIND "${content}" "LEAK-LINE" pos)
string(SUBSTRING "${content}" 0 ${pos} head)
string(REGEX MATCHALL "\n" newlines "${head}")
list(LENGTH newlines leak_line)
math(EXPR leak_line "${leak_line} + 1")
if(NOT rc EQUAL 0 OR NOT out MATCHES "trace_tool_sample.c:${leak_line}: size=480 B, count=10, average=48 B"
   OR NOT out MATCHES "trace_tool_sample.c:${leak_line}: size=480 B \\(\\+480 B\\), count=10 \\(\\+10\\)")
    message(FATAL_ERROR "trace_symbolize did not report the leak at trace_tool_sample.c:${leak_line}")
endif()
