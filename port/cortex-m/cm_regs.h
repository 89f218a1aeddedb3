/*
 * cm_regs.h — the few System Control Space registers the Cortex-M port touches, by the
 * names of the ARMv6-M/v7-M/v8-M Architecture Reference Manuals, and what the CPU the
 * compiler targets has of them. Internal to port/cortex-m.
 *
 * Every register here exists at the same address on every M-profile core; those that
 * ARMv6-M lacks (CFSR, MMFAR, BFAR, CPACR on cores without FPU) are only touched under
 * RP_CM_HAS_FAULT_REGS / RP_CM_HAS_FPU.
 */
#ifndef RP_CM_REGS_H
#define RP_CM_REGS_H

#include <stdint.h>

#define RP_CM_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* SysTick: a 24-bit down counter on the processor clock (ARMv6-M has it as an option;
 * every core QEMU models and every board here has it). */
#define RP_SYST_CSR RP_CM_REG(0xE000E010u)  /* control and status */
#define RP_SYST_RVR RP_CM_REG(0xE000E014u)  /* reload value */
#define RP_SYST_CVR RP_CM_REG(0xE000E018u)  /* current value */
#define RP_SYST_CSR_ENABLE (1u << 0)
#define RP_SYST_CSR_TICKINT (1u << 1)
#define RP_SYST_CSR_CLKSOURCE (1u << 2)     /* 1: processor clock */

/* NVIC: set-enable, clear-enable and set-pending, 32 interrupts a word. */
#define RP_NVIC_ISER(n) RP_CM_REG(0xE000E100u + 4u * (n))
#define RP_NVIC_ICER(n) RP_CM_REG(0xE000E180u + 4u * (n))
#define RP_NVIC_ISPR(n) RP_CM_REG(0xE000E200u + 4u * (n))

/* NVIC priority, one byte per interrupt (byte access: ARMv7-M, ARMv8-M Mainline). */
#define RP_NVIC_IPR(n) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))

#define RP_SCB_ICSR RP_CM_REG(0xE000ED04u)  /* interrupt control and state */
#define RP_SCB_ICSR_PENDSTSET (1u << 26)
#define RP_SCB_ICSR_PENDSVSET (1u << 28)
#define RP_SCB_VTOR RP_CM_REG(0xE000ED08u)  /* vector table offset */
#define RP_SCB_CPACR RP_CM_REG(0xE000ED88u) /* coprocessor access (FPU: CP10, CP11) */
#define RP_SCB_SHPR2 RP_CM_REG(0xE000ED1Cu) /* SVCall's priority: bits 31..24 */
#define RP_SCB_SHPR3 RP_CM_REG(0xE000ED20u) /* SysTick's: 31..24, PendSV's: 23..16 */

/* Fault status and address registers (ARMv7-M and ARMv8-M Mainline only). */
#define RP_SCB_CFSR RP_CM_REG(0xE000ED28u)
#define RP_SCB_HFSR RP_CM_REG(0xE000ED2Cu)
#define RP_SCB_MMFAR RP_CM_REG(0xE000ED34u)
#define RP_SCB_BFAR RP_CM_REG(0xE000ED38u)

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)
#define RP_CM_HAS_FAULT_REGS 1
#else
#define RP_CM_HAS_FAULT_REGS 0
#endif

/* MSPLIM: a hardware stack limit (ARMv8-M Mainline; Baseline has it only in Secure
 * state with the Security Extension, so it is not relied on there). */
#if defined(__ARM_ARCH_8M_MAIN__)
#define RP_CM_HAS_MSPLIM 1
#else
#define RP_CM_HAS_MSPLIM 0
#endif

/* __ARM_FP is defined when the code is compiled for a hardware FPU (hard or softfp
 * float ABI); then the FPU must be switched on before the first FP instruction. */
#if defined(__ARM_FP)
#define RP_CM_HAS_FPU 1
#else
#define RP_CM_HAS_FPU 0
#endif

#endif
