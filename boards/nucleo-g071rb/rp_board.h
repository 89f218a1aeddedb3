/* rp_board.h — nucleo-g071rb: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

/* SYSCLK is the 16 MHz HSI after reset (HSIDIV 1) and the port leaves the clocks alone,
 * so PCLK runs at 16 MHz too. */
#define RP_BOARD_CPU_HZ 16000000u

#define RP_PORT_SEMIHOSTING 0            /* runs on its own; exit prints and halts */
#define RP_PORT_CONSOLE_CRLF 1           /* a serial terminal on the virtual COM port */
#define RP_PORT_IRQS 32

/* The heap is one region of about 29 KiB. */
#define RP_CFG_CHUNK_MAX_LOG2 15
/* 256 trace slots (4 KiB) instead of 1024 (16 KiB, half of RAM). */
#define RP_CFG_TRACE_RECORDS 256

/* The heap ends within 512 KiB of its start: 16-bit GC links, 8-byte tracked header. */
#define RP_CFG_GC_LINK16 1

#endif
