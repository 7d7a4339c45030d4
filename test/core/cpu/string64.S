/* test/core/cpu/string64.S — entry points for string.test.ts (REP MOVS / REP STOS, the bulk path of
 * core-wasm/assembly/cpu/ops/stringfast.ts and its element-loop fallback). Each entry is one string
 * instruction (or a short sequence) followed by HLT; the test sets the registers and the memory,
 * runs from the entry and compares with a model of the SDM's element-by-element definition
 * (vol. 2B MOVS/STOS, vol. 1 7.3.9). Assembled with the host's gcc/as at test time, linked at 1 MiB. */
        .intel_syntax noprefix
        .code64
        .text
        .globl _start
_start: hlt

        .globl movsb, movsw, movsd, movsq, stosb, stosw, stosd, stosq
movsb:  rep movsb
        hlt
movsw:  rep movsw
        hlt
movsd:  rep movsd
        hlt
movsq:  rep movsq
        hlt
stosb:  rep stosb
        hlt
stosw:  rep stosw
        hlt
stosd:  rep stosd
        hlt
stosq:  rep stosq
        hlt

        /* 32-bit address size in 64-bit mode: ESI/EDI/ECX, wrapping at 4 GiB */
        .globl a32_movsb, a32_stosd
a32_movsb:
        addr32 rep movsb
        hlt
a32_stosd:
        addr32 rep stosd
        hlt

        /* DF = 1: the element loop, backwards */
        .globl std_movsb
std_movsb:
        std
        rep movsb
        cld
        hlt

        /* Self-modifying code: smc_target runs (its block is cached), REP MOVSB (RSI = 4 new
         * bytes) rewrites its immediate, then it runs again. EBX = first result, EAX = second. */
        .globl smc, smc_target, smc_imm
smc:    call smc_target
        mov ebx, eax
        lea rdi, [rip + smc_imm]
        mov ecx, 4
        rep movsb
        call smc_target
        hlt
smc_target:
        .byte 0xb8                        /* mov eax, imm32 */
smc_imm:
        .long 1
        ret

        /* Self-modifying code inside the running block: the loop's REP MOVSB (RSI = 4 new bytes,
         * kept in R8) rewrites the immediate of the MOV at the top of its own block; R9 = passes.
         * EBX = the sum of what the MOV loaded. */
        .globl smc_self, smc_self_imm
smc_self:
        xor ebx, ebx
        jmp 1f                            /* every pass enters the same block */
1:      .byte 0xb8                        /* mov eax, imm32 */
smc_self_imm:
        .long 1
        add ebx, eax
        mov rsi, r8
        lea rdi, [rip + smc_self_imm]
        mov ecx, 4
        rep movsb
        dec r9
        jnz 1b
        hlt
