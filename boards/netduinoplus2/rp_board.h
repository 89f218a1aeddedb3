/* rp_board.h — netduinoplus2: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

/* The core runs from the 16 MHz HSI after reset and the port leaves the clocks alone,
 * so the buses run at 16 MHz too. (QEMU's SysTick counts at the 168 MHz the board is
 * usually configured for.) */
#define RP_BOARD_CPU_HZ 16000000u

#define RP_PORT_SEMIHOSTING 1            /* runs in QEMU */
#define RP_PORT_IRQS 82

/* The heap is one region of about 120 KiB. */
#define RP_CFG_CHUNK_MAX_LOG2 17

/* The heap ends within 512 KiB of its start: 16-bit GC links, 8-byte tracked header. */
#define RP_CFG_GC_LINK16 1

/* No static trace table (RP_CFG_TRACE_RECORDS stays 0): an application that traces hands
 * tracing a table (rp_trace_set_table), as the demo and the test harness do. The QEMU
 * board that runs the suites this way. */

#endif
