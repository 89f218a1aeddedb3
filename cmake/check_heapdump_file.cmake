# Runs the demo firmware (PROGRAM under EMULATOR, QEMU with semihosting) in a fresh folder
# and checks that the heap dump it wrote to heapdump.log through semihosting holds the
# same lines as the dump it printed on the console.
set(dir ${CMAKE_CURRENT_BINARY_DIR}/heapdump_file_check)
file(REMOVE_RECURSE ${dir})
file(MAKE_DIRECTORY ${dir})
execute_process(COMMAND ${EMULATOR} ${PROGRAM} WORKING_DIRECTORY ${dir} OUTPUT_VARIABLE log ERROR_VARIABLE err
                RESULT_VARIABLE rc TIMEOUT 100)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} failed: ${rc}\n${err}")
endif()
if(NOT EXISTS ${dir}/heapdump.log)
    message(FATAL_ERROR "no heapdump.log written through semihosting")
endif()
file(STRINGS ${dir}/heapdump.log written)
string(REPLACE "\n" ";" printed "${log}")
list(FILTER printed INCLUDE REGEX "^hd ")
list(LENGTH written n)
if(n LESS 4 OR NOT written STREQUAL printed)
    message(FATAL_ERROR "heapdump.log (${n} lines) differs from the console's dump:\n${written}\n--\n${printed}")
endif()
message("heapdump.log: ${n} lines, as on the console")
