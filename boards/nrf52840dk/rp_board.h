/* rp_board.h — nrf52840dk: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

#define RP_BOARD_CPU_HZ 64000000u
#define RP_BOARD_CONSOLE_TXD 6u          /* P0.06: UART TX to the J-Link virtual COM port */

#define RP_PORT_SEMIHOSTING 0            /* runs on its own; exit prints and halts */
#define RP_PORT_CONSOLE_CRLF 1           /* a serial terminal on the virtual COM port */
#define RP_PORT_IRQS 48

/* The heap is one region of about 246 KiB. */
#define RP_CFG_CHUNK_MAX_LOG2 18

/* The heap ends within 512 KiB of its start: 16-bit GC links, 8-byte tracked header. */
#define RP_CFG_GC_LINK16 1

#endif
