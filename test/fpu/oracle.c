/* test/fpu/oracle.c — the host CPU as the oracle for wasmvirt's softfloat (core-wasm/assembly/fpu).
 * Reads one operation per line from stdin: NAME followed by hexadecimal arguments, executes it
 * natively on the x87 or SSE unit with inline assembly, prints the results as hexadecimal words.
 * x87 exceptions may be unmasked: they are only pending after the instruction, and FNSAVE
 * (a no-wait instruction) stores the state and reinitialises the FPU, so nothing traps.
 * SSE cases may unmask exceptions: the SIGFPE handler records MXCSR as it was at the #XM,
 * masks everything in the saved context and returns, so the instruction re-executes masked;
 * such cases print "trap" and the MXCSR flags seen at the fault.
 * Built by test/fpu/oracle.ts with the machine's gcc into a temporary directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <ucontext.h>

static volatile int trapped;
static volatile unsigned trap_mx;

static void on_fpe(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  (void)sig; (void)si;
  trapped = 1;
  trap_mx = uc->uc_mcontext.fpregs->mxcsr;
  uc->uc_mcontext.fpregs->mxcsr |= 0x1F80;
}

typedef struct __attribute__((packed)) { uint64_t sig; uint16_t se; } f80;

static unsigned char save[108];
static unsigned char mem[16];

#define X87(INSN) \
  __asm__ volatile("fninit\n\tfldcw %[cwm]\n\tfldt %[b]\n\tfldt %[a]\n\tfnclex\n\tfldcw %[cw]\n\t" INSN "\n\tfnsave %[sv]" \
    : [sv] "=m"(save), [m] "+m"(mem) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw), [cwm] "m"(cwm))

static int x87(const char *op, uint16_t cw, f80 a, f80 b) {
  uint16_t cwm = 0x037F;
#define C(NAME, INSN) if (!strcmp(op, NAME)) { X87(INSN); return 1; }
  C("fadd", "fadd %%st(1), %%st") C("fsub", "fsub %%st(1), %%st") C("fmul", "fmul %%st(1), %%st")
  C("fdiv", "fdiv %%st(1), %%st") C("fsqrt", "fsqrt") C("frndint", "frndint")
  C("fprem", "fprem") C("fprem1", "fprem1") C("fscale", "fscale") C("fxtract", "fxtract")
  C("fxam", "fxam") C("fcom", "fcom %%st(1)") C("fucom", "fucom %%st(1)") C("ftst", "ftst")
  C("fist16", "fists %[m]") C("fist32", "fistl %[m]") C("fist64", "fistpll %[m]")
  C("fisttp16", "fisttps %[m]") C("fisttp32", "fisttpl %[m]") C("fisttp64", "fisttpll %[m]")
  C("fst32", "fsts %[m]") C("fst64", "fstl %[m]") C("fld32", "flds %[m]") C("fld64", "fldl %[m]")
  C("fbld", "fbld %[m]") C("fild16", "filds %[m]") C("fild32", "fildl %[m]") C("fild64", "fildll %[m]") C("fbstp", "fbstp %[m]")
  C("faddm64", "faddl %[m]") C("fsubm32", "fsubs %[m]") C("fmulm64", "fmull %[m]") C("fdivm32", "fdivs %[m]") C("fcomm64", "fcoml %[m]") C("fucomm32", "fcoms %[m]")
  C("fldl2t", "fldl2t") C("fldl2e", "fldl2e") C("fldpi", "fldpi") C("fldlg2", "fldlg2") C("fldln2", "fldln2")
  C("f2xm1", "f2xm1") C("fyl2x", "fyl2x") C("fyl2xp1", "fyl2xp1") C("fpatan", "fpatan")
  C("fsin", "fsin") C("fcos", "fcos") C("fptan", "fptan") C("fsincos", "fsincos")
#undef C
  return 0;
}

static uint32_t mx_out;
static uint64_t rflags_out;

#define SSE(INSN, MOV) \
  __asm__ volatile("ldmxcsr %[mx]\n\t" MOV " %[a], %%xmm0\n\t" MOV " %[b], %%xmm1\n\t" INSN "\n\t" \
    MOV " %%xmm0, %[r]\n\tstmxcsr %[mo]" : [r] "=m"(r), [mo] "=m"(mx_out) : [a] "m"(a), [b] "m"(b), [mx] "m"(mx) : "xmm0", "xmm1")
#define SSEF(INSN, MOV) \
  __asm__ volatile("ldmxcsr %[mx]\n\t" MOV " %[a], %%xmm0\n\t" MOV " %[b], %%xmm1\n\t" INSN "\n\t" \
    "pushfq\n\tpopq %[fl]\n\tstmxcsr %[mo]" : [fl] "=r"(rflags_out), [mo] "=m"(mx_out) : [a] "m"(a), [b] "m"(b), [mx] "m"(mx) : "xmm0", "xmm1", "cc")
#define SSEI(INSN, MOV, REG) \
  __asm__ volatile("ldmxcsr %[mx]\n\t" MOV " %[a], %%xmm0\n\t" INSN " %%xmm0, %%" REG "\n\t" \
    "mov %%" REG ", %[r]\n\tstmxcsr %[mo]" : [r] "=m"(r), [mo] "=m"(mx_out) : [a] "m"(a), [mx] "m"(mx) : "xmm0", "rax", "cc")
#define SSEC(INSN, MOV, REG) \
  __asm__ volatile("ldmxcsr %[mx]\n\tmov %[a], %%" REG "\n\tpxor %%xmm0, %%xmm0\n\t" INSN " %%" REG ", %%xmm0\n\t" \
    MOV " %%xmm0, %[r]\n\tstmxcsr %[mo]" : [r] "=m"(r), [mo] "=m"(mx_out) : [a] "m"(a), [mx] "m"(mx) : "xmm0", "rax", "cc")

#define IMM8(M, I) M(I "$0") M(I "$1") M(I "$2") M(I "$3") M(I "$4") M(I "$5") M(I "$6") M(I "$7")

static int sse(const char *op, uint32_t mx, uint64_t a, uint64_t b, unsigned imm, uint64_t *res) {
  uint64_t r = 0;
#define B(NAME, INSN, MOV) if (!strcmp(op, NAME)) { SSE(INSN " %%xmm1, %%xmm0", MOV); *res = r; return 1; }
  B("addsd", "addsd", "movq") B("subsd", "subsd", "movq") B("mulsd", "mulsd", "movq") B("divsd", "divsd", "movq")
  B("minsd", "minsd", "movq") B("maxsd", "maxsd", "movq") B("sqrtsd", "sqrtsd", "movq")
  B("addss", "addss", "movd") B("subss", "subss", "movd") B("mulss", "mulss", "movd") B("divss", "divss", "movd")
  B("minss", "minss", "movd") B("maxss", "maxss", "movd") B("sqrtss", "sqrtss", "movd")
  B("cvtsd2ss", "cvtsd2ss", "movq") B("cvtss2sd", "cvtss2sd", "movq")
#undef B
  if (!strcmp(op, "comisd")) { SSEF("comisd %%xmm1, %%xmm0", "movq"); *res = rflags_out & 0x8D5; return 1; }
  if (!strcmp(op, "ucomisd")) { SSEF("ucomisd %%xmm1, %%xmm0", "movq"); *res = rflags_out & 0x8D5; return 1; }
  if (!strcmp(op, "comiss")) { SSEF("comiss %%xmm1, %%xmm0", "movd"); *res = rflags_out & 0x8D5; return 1; }
  if (!strcmp(op, "ucomiss")) { SSEF("ucomiss %%xmm1, %%xmm0", "movd"); *res = rflags_out & 0x8D5; return 1; }
#define I(NAME, INSN, MOV, REG) if (!strcmp(op, NAME)) { SSEI(INSN, MOV, REG); *res = r; return 1; }
  I("cvtsd2si32", "cvtsd2si", "movq", "eax") I("cvtsd2si64", "cvtsd2si", "movq", "rax")
  I("cvttsd2si32", "cvttsd2si", "movq", "eax") I("cvttsd2si64", "cvttsd2si", "movq", "rax")
  I("cvtss2si32", "cvtss2si", "movd", "eax") I("cvtss2si64", "cvtss2si", "movd", "rax")
  I("cvttss2si32", "cvttss2si", "movd", "eax") I("cvttss2si64", "cvttss2si", "movd", "rax")
#undef I
#define V(NAME, INSN, MOV, REG) if (!strcmp(op, NAME)) { SSEC(INSN, MOV, REG); *res = r; return 1; }
  V("cvtsi2sd32", "cvtsi2sdl", "movq", "eax") V("cvtsi2sd64", "cvtsi2sdq", "movq", "rax")
  V("cvtsi2ss32", "cvtsi2ssl", "movd", "eax") V("cvtsi2ss64", "cvtsi2ssq", "movd", "rax")
#undef V
  if (!strcmp(op, "cmpsd") || !strcmp(op, "cmpss")) {
    int d = op[4] == 'd';
#define M(I) case (__COUNTER__ - base): if (d) SSE("cmpsd " I ", %%xmm1, %%xmm0", "movq"); else SSE("cmpss " I ", %%xmm1, %%xmm0", "movd"); break;
    switch (imm & 7) {
      case 0: if (d) SSE("cmpsd $0, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $0, %%xmm1, %%xmm0", "movd"); break;
      case 1: if (d) SSE("cmpsd $1, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $1, %%xmm1, %%xmm0", "movd"); break;
      case 2: if (d) SSE("cmpsd $2, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $2, %%xmm1, %%xmm0", "movd"); break;
      case 3: if (d) SSE("cmpsd $3, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $3, %%xmm1, %%xmm0", "movd"); break;
      case 4: if (d) SSE("cmpsd $4, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $4, %%xmm1, %%xmm0", "movd"); break;
      case 5: if (d) SSE("cmpsd $5, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $5, %%xmm1, %%xmm0", "movd"); break;
      case 6: if (d) SSE("cmpsd $6, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $6, %%xmm1, %%xmm0", "movd"); break;
      default: if (d) SSE("cmpsd $7, %%xmm1, %%xmm0", "movq"); else SSE("cmpss $7, %%xmm1, %%xmm0", "movd"); break;
    }
#undef M
    *res = r; return 1;
  }
  if (!strcmp(op, "roundsd") || !strcmp(op, "roundss")) {
    int d = op[6] == 'd';
#define R(K) case K: if (d) SSE("roundsd $" #K ", %%xmm1, %%xmm0", "movq"); else SSE("roundss $" #K ", %%xmm1, %%xmm0", "movd"); break;
    switch (imm & 15) { R(0) R(1) R(2) R(3) R(4) R(5) R(6) R(7) R(8) R(9) R(10) R(11) R(12) R(13) R(14) R(15) }
#undef R
    *res = r; return 1;
  }
  return 0;
}

int main(void) {
  char line[512], op[32];
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fpe;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &sa, NULL);
  while (fgets(line, sizeof line, stdin)) {
    uint64_t v[6] = {0, 0, 0, 0, 0, 0};
    int n = sscanf(line, "%31s %lx %lx %lx %lx %lx %lx", op, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
    if (n < 1) continue;
    if (op[0] == 'f') {
      f80 a = { v[2], (uint16_t)v[1] }, b = { v[4], (uint16_t)v[3] };
      memset(mem, 0x5A, sizeof mem);
      if (!strcmp(op, "fld32") || !strcmp(op, "fld64") || !strcmp(op, "fbld") || !strncmp(op, "fild", 4)) { memcpy(mem, &v[1], 8); memcpy(mem + 8, &v[2], 2); }
      size_t ol = strlen(op);
      if (ol > 3 && op[ol - 3] == 'm' && (op[ol - 2] == '3' || op[ol - 2] == '6')) memcpy(mem, &v[3], 8);
      if (!x87(op, (uint16_t)v[0], a, b)) { printf("error unknown-op %s\n", op); fflush(stdout); continue; }
      uint16_t fsw; f80 st0, st1; uint64_t m0; uint16_t m1;
      memcpy(&fsw, save + 4, 2); memcpy(&st0, save + 28, 10); memcpy(&st1, save + 38, 10);
      memcpy(&m0, mem, 8); memcpy(&m1, mem + 8, 2);
      printf("%x %x %lx %x %lx %lx %x\n", fsw, st0.se, st0.sig, st1.se, st1.sig, m0, m1);
    } else {
      uint64_t res = 0;
      trapped = 0;
      if (!sse(op, (uint32_t)v[0], v[1], v[2], (unsigned)v[3], &res)) { printf("error unknown-op %s\n", op); fflush(stdout); continue; }
      if (trapped) printf("trap %x\n", trap_mx);
      else printf("%lx %x\n", res, mx_out);
    }
  }
  return 0;
}
