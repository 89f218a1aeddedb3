# `cmake --install` for one board: the library, its public headers (with the board's
# rp_board.h), the port as one object file, the linker scripts, and what finds them:
#   lib/cmake/refpool/refpool-config.cmake   find_package(refpool CONFIG) -> refpool::refpool
#   share/refpool/refpool.mk                 the same settings for a plain Makefile
# Both are made from the variables the library itself is built with (RP_BOARD_CPU_FLAGS,
# RP_CONSUMER_DEFINITIONS), so they cannot drift from it.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/refpool/ DESTINATION include/refpool
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/port/rp_port.h DESTINATION include/refpool)
install(TARGETS refpool_core ARCHIVE DESTINATION lib)

# What a consumer compiles with: the library's own public definitions, except that the
# board's configuration is found by name on the installed include path.
set(RP_INSTALL_DEFINITIONS ${RP_CONSUMER_DEFINITIONS})
set(RP_INSTALL_EMULATOR "${RP_BOARD_EMULATOR}")
if(RP_BOARD_KIND STREQUAL "board")
    list(APPEND RP_INSTALL_DEFINITIONS [[RP_BOARD_CONFIG="rp_board.h"]] RP_PORT_INLINE_CRITICAL=1)
    install(FILES ${RP_BOARD_DIR}/rp_board.h ${PROJECT_SOURCE_DIR}/port/cortex-m/rp_port_inline.h
            DESTINATION include/refpool)
    # The port's objects as one relocatable object: linked as a file, every image gets
    # all of it, as from the object library in a build from source.
    set(port_object ${PROJECT_BINARY_DIR}/refpool_port.o)
    add_custom_command(OUTPUT ${port_object}
        COMMAND ${CMAKE_C_COMPILER} ${RP_BOARD_CPU_FLAGS} -nostdlib -r -o ${port_object} $<TARGET_OBJECTS:refpool_port>
        DEPENDS $<TARGET_OBJECTS:refpool_port> COMMAND_EXPAND_LISTS VERBATIM)
    add_custom_target(refpool_port_object ALL DEPENDS ${port_object})
    install(FILES ${port_object} ${RP_BOARD_LINKER_SCRIPT} ${PROJECT_SOURCE_DIR}/linker/sections.ld
            DESTINATION lib/refpool)
    get_filename_component(script_name ${RP_BOARD_LINKER_SCRIPT} NAME)
    if(NOT script_name STREQUAL "memory.ld")
        message(FATAL_ERROR "install: the board's linker script must be named memory.ld")
    endif()
elseif(RP_BOARD_KIND STREQUAL "host")
    install(TARGETS refpool_port ARCHIVE DESTINATION lib)
endif()

# In the configuration file the list sits inside a quoted CMake string: escape its quotes.
string(REPLACE "\"" "\\\"" RP_INSTALL_DEFINITIONS_CMAKE "${RP_INSTALL_DEFINITIONS}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/refpool-config.cmake.in
    ${PROJECT_BINARY_DIR}/refpool-config.cmake @ONLY)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/refpool-config-version.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
# The toolchain file too, so that a consumer of the installed package needs nothing of
# refpool's source: -DCMAKE_TOOLCHAIN_FILE=<prefix>/lib/cmake/refpool/arm-none-eabi.cmake.
install(FILES ${PROJECT_BINARY_DIR}/refpool-config.cmake ${PROJECT_BINARY_DIR}/refpool-config-version.cmake
    ${CMAKE_CURRENT_LIST_DIR}/firmware.cmake ${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake
    DESTINATION lib/cmake/refpool)

# refpool.mk: the same, in make's syntax (a definition's quotes escaped for the shell).
set(cflags ${RP_BOARD_CPU_FLAGS})
foreach(d IN LISTS RP_INSTALL_DEFINITIONS)
    string(REPLACE "\"" "\\\"" d "${d}")
    list(APPEND cflags "-D${d}")
endforeach()
list(JOIN cflags " " RP_INSTALL_CFLAGS_MK)
set(RP_INSTALL_CC ${CMAKE_C_COMPILER})
if(RP_BOARD_KIND STREQUAL "board")
    list(JOIN RP_BOARD_CPU_FLAGS " " cpu)
    set(RP_INSTALL_LDFLAGS_MK "${cpu} -nostdlib -T$(REFPOOL_PREFIX)/lib/refpool/memory.ld -L$(REFPOOL_PREFIX)/lib/refpool -Wl,--gc-sections")
    set(RP_INSTALL_LIBS_MK "$(REFPOOL_PREFIX)/lib/refpool/refpool_port.o $(REFPOOL_PREFIX)/lib/librefpool_core.a -lgcc")
else()
    set(RP_INSTALL_LDFLAGS_MK "")
    set(RP_INSTALL_LIBS_MK "$(REFPOOL_PREFIX)/lib/librefpool_core.a $(REFPOOL_PREFIX)/lib/librefpool_port.a")
endif()
list(JOIN RP_INSTALL_EMULATOR " " RP_INSTALL_EMULATOR_MK)
configure_file(${CMAKE_CURRENT_LIST_DIR}/refpool.mk.in ${PROJECT_BINARY_DIR}/refpool.mk @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/refpool.mk DESTINATION share/refpool)
