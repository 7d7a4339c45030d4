/* test/core/cpu/farxfer64.S — far transfers in IA-32e mode for the interpreter (SDM vol. 2 JMP,
 * CALL, RET; vol. 3A 5.8 call gates, 5.8.5.1 the 64-bit stack switch). From 64-bit kernel code:
 * T1 JMP m16:32 into a 32-bit compatibility-mode segment, which comes back with JMP ptr16:32;
 * T2 CALL m16:32 into compatibility mode, which records what the CALL pushed and returns with a
 * 32-bit RETF; T3 LRETQ to the same level (how kernels reload CS); T4 a far JMP to a non-present
 * segment (#NP(selector)); T5 a far JMP with a null selector (#GP(0)); T6 IRETQ to CPL 3, a far
 * CALL through a DPL-3 64-bit call gate to CPL 0 (new RSP from TSS.RSP0, null SS, pushed
 * SS/RSP/CS/RIP), then LRETQ back outward to CPL 3 (pops SS:RSP); INT 0x81 records the user
 * state and HLTs at CPL 0. Results go to `res`; farxfer.test.ts checks them. */
        .intel_syntax noprefix
        .code64
        .text
        .globl _start
_start:
        mov rsp, 0x80000
        lgdt [rip + gdtr]
        lidt [rip + idtr]
        mov ax, 0x10
        mov ss, ax
        mov ds, ax
        mov es, ax
        lea rax, [rip + tss]               /* TSS descriptor base */
        mov [rip + gdt + 0x28 + 2], ax
        shr rax, 16
        mov [rip + gdt + 0x28 + 4], al
        mov [rip + gdt + 0x28 + 7], ah
        mov ax, 0x28
        ltr ax
        lea rax, [rip + gate_target]       /* call gate 0x40 -> 0x08:gate_target */
        mov [rip + gdt + 0x40], ax
        shr rax, 16
        mov [rip + gdt + 0x40 + 6], ax
        shr rax, 16
        mov [rip + gdt + 0x48], eax
        mov edi, 11
        lea rsi, [rip + h_np]
        mov edx, 0x8e
        call set_gate
        mov edi, 13
        lea rsi, [rip + h_gp]
        call set_gate
        mov edi, 0x81
        lea rsi, [rip + h_int81]
        mov edx, 0xee
        call set_gate

        mov ecx, 0x1111                    /* T1 */
        jmp fword ptr [rip + p_compat1]
        .globl back1
back1:
        mov [rip + res + 0], rax

        mov rbx, rsp                       /* T2 */
        call fword ptr [rip + p_compat2]
        .globl after_call2
after_call2:
        sub rbx, rsp
        mov [rip + res + 24], rbx

        push 0x08                          /* T3 */
        lea rax, [rip + t3]
        push rax
        .byte 0x48, 0xcb                   /* lretq */
t3:
        mov qword ptr [rip + res + 32], 1

        lea rax, [rip + t4_done]           /* T4 */
        mov [rip + resume], rax
        .globl t4_insn
t4_insn:
        jmp fword ptr [rip + p_np]
t4_done:
        lea rax, [rip + t5_done]           /* T5 */
        mov [rip + resume], rax
        .globl t5_insn
t5_insn:
        jmp fword ptr [rip + p_null]
t5_done:
        push 0x1b                          /* T6: IRETQ to CPL 3 */
        push 0x70000
        push 0x202
        push 0x23
        lea rax, [rip + user]
        push rax
        iretq

set_gate:                                  /* edi = vector, rsi = handler, dl = type/attr */
        shl rdi, 4
        lea rax, [rip + idt]
        add rdi, rax
        mov rax, rsi
        mov [rdi], ax
        mov word ptr [rdi + 2], 0x08
        mov byte ptr [rdi + 4], 0
        mov [rdi + 5], dl
        shr rax, 16
        mov [rdi + 6], ax
        shr rax, 16
        mov [rdi + 8], eax
        mov dword ptr [rdi + 12], 0
        ret

h_np:
        pop rax
        mov [rip + res + 40], rax          /* error code */
        mov rax, [rsp]
        mov [rip + res + 48], rax          /* RIP */
        mov rax, [rip + resume]
        mov [rsp], rax
        iretq
h_gp:
        pop rax
        mov [rip + res + 56], rax          /* error code */
        mov rax, [rsp]
        mov [rip + res + 64], rax          /* RIP */
        mov rax, [rip + resume]
        mov [rsp], rax
        iretq
gate_target:                               /* CPL 0, entered through the call gate */
        mov rax, [rsp]
        mov [rip + res + 72], rax          /* pushed RIP */
        mov rax, [rsp + 8]
        mov [rip + res + 80], rax          /* pushed CS */
        mov rax, [rsp + 16]
        mov [rip + res + 88], rax          /* pushed RSP */
        mov rax, [rsp + 24]
        mov [rip + res + 96], rax          /* pushed SS */
        mov [rip + res + 104], rsp         /* RSP from TSS.RSP0 */
        mov ax, ss
        movzx eax, ax
        mov [rip + res + 112], rax         /* SS: null with RPL = new CPL */
        .byte 0x48, 0xcb                   /* lretq: outward to CPL 3 */
h_int81:
        mov [rip + res + 120], rax         /* user CS after LRETQ */
        mov [rip + res + 128], rbx         /* user SS */
        mov [rip + res + 136], rcx         /* user RSP */
        hlt

        .globl user
user:
        call fword ptr [rip + p_gate]
        .globl after_gatecall
after_gatecall:
        mov ax, cs
        movzx eax, ax
        mov bx, ss
        movzx ebx, bx
        mov rcx, rsp
        int 0x81

        .code32
compat1:
        mov eax, 0x1234
        add eax, ecx
        .byte 0xea                         /* jmp 0x08:back1 */
        .long back1
        .word 0x08
compat2:
        mov eax, [esp]
        mov [res + 8], eax                 /* pushed EIP */
        mov eax, [esp + 4]
        mov [res + 16], eax                /* pushed CS */
        .byte 0xcb                         /* retf (32-bit) */
        .code64

        .data
        .balign 16
gdt:    .quad 0
        .quad 0x00209a0000000000           /* 0x08 kernel code 64 */
        .quad 0x00cf92000000ffff           /* 0x10 kernel data */
        .quad 0x00cff2000000ffff           /* 0x18 user data (DPL 3) */
        .quad 0x0020fa0000000000           /* 0x20 user code 64 (DPL 3) */
        .quad 0x0000890000000067           /* 0x28 TSS (base patched at run time) */
        .quad 0
        .quad 0x00cf9a000000ffff           /* 0x38 kernel code 32 (compatibility mode) */
        .quad 0x0000ec0000080000           /* 0x40 64-bit call gate, DPL 3 -> 0x08 (offset patched) */
        .quad 0
        .quad 0x00201a0000000000           /* 0x50 code 64, not present */
gdt_end:
gdtr:   .word gdt_end - gdt - 1
        .quad gdt
        .balign 16
idtr:   .word 256 * 16 - 1
        .quad idt
p_compat1: .long compat1
        .word 0x38
p_compat2: .long compat2
        .word 0x38
p_np:   .long 0
        .word 0x50
p_null: .long 0
        .word 0
p_gate: .long 0
        .word 0x43
        .balign 16
tss:    .long 0
        .quad 0x90000                      /* RSP0 */
        .fill 0x58, 1, 0
resume: .quad 0
        .globl res
        .balign 16
res:    .fill 32, 8, 0
        .balign 16
idt:    .fill 256 * 16, 1, 0
