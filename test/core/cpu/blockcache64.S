# test/core/cpu/blockcache64.S — guest program for blockcache.test.ts: code that rewrites code
# (in the running block, through another linear alias, by remapping its page, by the harness
# between runs, and through a write mapping cached before the page held code), an instruction
# across a page end, and a fault in the middle of a block.
# Flat 64-bit CPL 0 machine (test/diff/core.ts enterFlat64); the harness adds: PD[8] = an alias
# of physical 0..2 MiB at linear 16 MiB (ALIAS), PD[9] -> a page table at 0x20000 whose entry 0
# maps linear REMAP to 0x300000 (page A: returns 1) — the guest switches it to 0x301000 (page B:
# returns 2). Results go to res[]; the harness patches dma_imm at the first HLT.
        .set ALIAS, 0x1000000
        .set REMAP, 0x1200000
        .set PTE0, 0x20000
        .text
        .globl _start
_start:
        mov $0x800000, %rsp
        lea res(%rip), %rbx
        # 1. A block that patches its own next instruction (RIP-relative store).
        mov $1, %edi
        call smc_block
        mov %rax, 0(%rbx)
        mov $2, %edi
        call smc_block
        mov %rax, 8(%rbx)
        mov $3, %edi
        call smc_block
        mov %rax, 16(%rbx)
        # 2. A cached function patched through the alias, between blocks.
        call alias_fn
        mov %rax, 24(%rbx)
        movb $7, alias_imm + ALIAS
        call alias_fn
        mov %rax, 32(%rbx)
        # 3. A block that patches its own next instruction through the alias.
        mov $9, %edi
        call alias_block
        mov %rax, 40(%rbx)
        # 4. The page under a cached block is remapped (PTE rewritten, INVLPG).
        mov $REMAP, %rsi
        call *%rsi
        mov %rax, 48(%rbx)
        movq $0x301003, PTE0
        invlpg (%rsi)
        call *%rsi
        mov %rax, 56(%rbx)
        # 5. The harness rewrites dma_fn while the CPU is stopped at HLT.
        call dma_fn
        mov %rax, 64(%rbx)
        hlt
        call dma_fn
        mov %rax, 72(%rbx)
        # 6. An instruction across a page end.
        call cross_fn
        mov %rax, 80(%rbx)
        # 7. A page written as data (its write tag is cached) before its code first runs, then
        #    patched through that same mapping.
        movb $0x33, late_imm
        call late_fn
        mov %rax, 88(%rbx)
        movb $0x44, late_imm
        call late_fn
        mov %rax, 96(%rbx)
        # 8. A block patches the block it falls through to (a linked successor), three times.
        mov $3, %ecx
        xor %esi, %esi
link_a:
        mov %cl, link_imm
        test %ecx, %ecx
        jz link_done            # never taken: the block ends here and falls through
        .byte 0xb8              # mov $imm32, %eax
link_imm:
        .long 0
        add %eax, %esi
        dec %ecx
        jnz link_a
link_done:
        mov %rsi, 104(%rbx)
        # 9. A hot loop through calls: its blocks are decoded once and run 2000 times.
        mov $2000, %ecx
        xor %eax, %eax
hot_loop:
        call hot_a
        call hot_b
        dec %ecx
        jnz hot_loop
        mov %rax, 112(%rbx)
        # 10. A #PF in the middle of a block: RIP names the MOV, the instructions before it retired.
        mov $0x1234, %ecx
        mov $0x40000000, %edx
        .globl fault_insn
fault_insn:
        mov (%rdx), %eax
        mov $0x5678, %ecx
        hlt

hot_a:
        add $3, %rax
        ret
hot_b:
        xor $5, %rax
        ret

smc_block:
        mov %dil, smc_imm(%rip)
        .byte 0xb8              # mov $imm32, %eax
smc_imm:
        .long 0
        ret

alias_fn:
        .byte 0xb8
alias_imm:
        .long 5
        ret

alias_block:
        mov %dil, alias_block_imm + ALIAS
        .byte 0xb8
alias_block_imm:
        .long 0
        ret

        .globl dma_imm
dma_fn:
        .byte 0xb8
dma_imm:
        .long 0x11
        ret

        .p2align 12
        .skip 4096 - 24
cross_fn:
        xor %eax, %eax
        add $1, %eax
        add $2, %eax
        add $3, %eax
        add $4, %eax
        add $5, %eax
        nop
        movabs $0x1122334455667788, %rdx    # 10 bytes: 6 on this page, 4 on the next
        add %rdx, %rax
        ret

        .p2align 12
late_fn:
        .byte 0xb8
late_imm:
        .long 0
        ret

        .data
        .p2align 3
        .globl res
res:
        .fill 16, 8, 0
