@ atelier STM32F1 flash loader: programs half-words from a RAM buffer through the FPEC, then stops on BKPT.
@ Thumb-1 only (runs on any Cortex-M). Host sets, before running with interrupts masked:
@   r0 = source buffer in SRAM, r1 = destination in flash (even), r2 = byte count (even),
@   r3 = FPEC base 0x40022000 (FLASH_SR at +0x0C, FLASH_CR at +0x10), FPEC already unlocked.
@ On BKPT: r2 = bytes not written (0 = success), r5 = last FLASH_SR (PGERR bit 2, WRPRTERR bit 4).
    .syntax unified
    .cpu cortex-m0
    .thumb
    .text
    .global stm32f1_write
    .thumb_func
stm32f1_write:
    movs    r4, #1
    str     r4, [r3, #0x10]         @ FLASH_CR = PG
    movs    r5, #0
next:
    cmp     r2, #0
    beq     done
    ldrh    r4, [r0]
    mvns    r6, r4                  @ an erased half-word (0xFFFF) needs no write:
    lsls    r6, r6, #16             @ ~r4 << 16 is zero exactly then
    beq     advance
    strh    r4, [r1]
busy:
    ldr     r5, [r3, #0x0C]         @ FLASH_SR
    lsrs    r6, r5, #1              @ BSY (bit 0) into carry
    bcs     busy
    movs    r6, #0x14               @ PGERR | WRPRTERR
    tst     r5, r6
    bne     done
advance:
    adds    r0, r0, #2
    adds    r1, r1, #2
    subs    r2, r2, #2
    b       next
done:
    movs    r4, #0
    str     r4, [r3, #0x10]         @ FLASH_CR = 0: PG off
    bkpt    #0
