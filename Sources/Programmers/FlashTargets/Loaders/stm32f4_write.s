@ atelier STM32F4 flash loader: programs words (PSIZE x32) from a RAM buffer, then computes the zlib
@ CRC-32 of a flash range (the sector just written, so the host's verify needs no second run), then BKPT.
@ Thumb-1 only (runs on any Cortex-M). Its parameters sit right after the code (word aligned, found with ADR),
@ and the data right after them, so the host sends parameters and data in one memory write:
@   +0  destination (word aligned)          +4  byte count (x4)          +8  FLASH base (0x40023C00)
@   +12 CRC start                           +16 CRC byte count (0: none) +20 CRC table (256 words)
@   +24 out: bytes not written (0 = ok)     +28 out: last FLASH_SR       +32 out: CRC-32
@   +36 the data
@ The flash interface must be unlocked and its SR flags cleared. Uses r0-r7 freely; needs no stack.
    .syntax unified
    .cpu cortex-m0
    .thumb
    .text
    .global stm32f4_write
    .thumb_func
stm32f4_write:
    adr     r7, params
    ldr     r1, [r7, #0]            @ r1 = destination
    ldr     r2, [r7, #4]            @ r2 = bytes left
    ldr     r3, [r7, #8]            @ r3 = FPEC base
    movs    r0, r7
    adds    r0, r0, #36             @ r0 = source: the data after the parameters
    movs    r4, #2
    lsls    r4, r4, #8
    adds    r4, r4, #1
    str     r4, [r3, #0x10]         @ FLASH_CR = PSIZE x32 (2 << 8) | PG
    movs    r5, #0
next:
    cmp     r2, #0
    beq     written
    ldr     r4, [r0]
    adds    r6, r4, #1              @ an erased word (0xFFFFFFFF) needs no write
    beq     advance
    str     r4, [r1]
busy:
    ldr     r5, [r3, #0x0C]         @ FLASH_SR
    lsrs    r6, r5, #17             @ BSY (bit 16) into carry
    bcs     busy
    movs    r6, #0xF2               @ OPERR | WRPERR | PGAERR | PGPERR | PGSERR
    tst     r5, r6
    bne     written
advance:
    adds    r0, r0, #4
    adds    r1, r1, #4
    subs    r2, r2, #4
    b       next
written:
    movs    r4, #0
    str     r4, [r3, #0x10]         @ FLASH_CR = 0: PG off
    str     r2, [r7, #24]
    str     r5, [r7, #28]
    ldr     r0, [r7, #12]           @ CRC-32 of [start, start + count)
    ldr     r1, [r7, #16]
    adds    r1, r0, r1
    ldr     r2, [r7, #20]
    movs    r3, #0
    mvns    r3, r3
crc:
    cmp     r0, r1
    beq     done
    ldrb    r4, [r0]
    adds    r0, r0, #1
    eors    r4, r3
    uxtb    r4, r4
    lsls    r4, r4, #2
    ldr     r4, [r2, r4]
    lsrs    r3, r3, #8
    eors    r3, r4
    b       crc
done:
    mvns    r3, r3
    str     r3, [r7, #32]
    bkpt    #0
    .align  2
params:
