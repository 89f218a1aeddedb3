/* rp_board.h — nucleo-f401re: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

/* The core runs from the 16 MHz HSI after reset and the port leaves the clocks alone,
 * so APB1 runs at 16 MHz too. */
#define RP_BOARD_CPU_HZ 16000000u

#define RP_PORT_SEMIHOSTING 0            /* runs on its own; exit prints and halts */
#define RP_PORT_CONSOLE_CRLF 1           /* a serial terminal on the virtual COM port */
#define RP_PORT_IRQS 85

/* The heap is one region of about 86 KiB. */
#define RP_CFG_CHUNK_MAX_LOG2 17

/* The heap ends within 512 KiB of its start: 16-bit GC links, 8-byte tracked header. */
#define RP_CFG_GC_LINK16 1

#endif
