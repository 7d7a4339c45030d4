/* test/diff/runner.c — the oracle of the differential test: runs each case on the real CPU in
 * user mode and prints the final state. Built by the harness with the machine's gcc.
 * Entry and exit are both by signal: a SIGUSR1 handler rewrites its saved context (all GPRs,
 * RFLAGS, RIP and CS: 0x33 for 64-bit, 0x23 for 32-bit compatibility mode), so rt_sigreturn
 * is the trampoline into the test code; the code ends in UD2, and the SIGILL (or any fault)
 * handler, on an alternate stack, records the context (registers, trap number, error code, CR2)
 * and siglongjmps back. Memory: code at CODE_ADDR, data at DATA_ADDR (DATA_SIZE bytes, filled
 * from the case's seed with xorshift32); nothing else is mapped near them.
 * Input, one case per line (hex): id mode seed rflags r0..r15 code [offset=bytes,...]
 * (the optional last field patches the data page after the fill).
 * Output: id trapno err cr2 rip rflags r0..r15 nchanged [offset:byte]...
 * A case still running after 2 s is stopped by SIGALRM and reported with trapno 0x3e7.
 * x87/SSE state: an optional input token fp=mxcsr,fcw,fsw,xmm0lo,xmm0hi,..,xmm15hi[,ftw,st0sig,st0se,
 * ..,st7sig,st7se] (hex) sets FCW, FSW, MXCSR, XMM0-15 and optionally the abridged FTW and the
 * eight x87 registers in FXSAVE (stack) order (default: FTW empty, registers 0; FOP/FIP/FDP 0;
 * default 1f80,37f,0 and zeros), and every output line ends with: mxcsr fcw fsw ftw xmm0lo
 * xmm0hi .. xmm15hi fop fip fdp st0sig st0se .. st7sig st7se. Both go through the signal frame's
 * FXSAVE-format area (uc_mcontext.fpregs), like the GPRs.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x10000000UL
#define CODE_SIZE 0x2000UL
#define DATA_ADDR 0x20000000UL
#define DATA_SIZE 0x2000UL

static const int GREG[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                              REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };
static sigjmp_buf back;
static volatile int entering;
static uint64_t in_r[16], in_flags, out_r[16], out_flags, out_rip;
static long out_trap, out_err, out_cr2;
static int in_mode;
static unsigned char initial[DATA_SIZE];
static uint64_t in_xmm[32], out_xmm[32];
static unsigned in_mxcsr = 0x1f80, in_fcw = 0x37f, in_fsw, out_mxcsr, out_fcw, out_fsw, out_ftw;
static unsigned in_ftw, out_fop;
static uint64_t in_st[16], out_st[16], out_fip, out_fdp; /* st: significand, sign+exponent pairs */

/* Marks x87 and SSE state present in an XSAVE-format frame, so sigreturn loads them. */
static void xstate_present(struct _libc_fpstate *fp) {
  uint32_t magic;
  memcpy(&magic, (char *)fp + 464, 4);
  if (magic == 0x46505853u) { uint64_t bv; memcpy(&bv, (char *)fp + 512, 8); bv |= 3; memcpy((char *)fp + 512, &bv, 8); }
}

/* Parses the optional fp= token of an input line. */
static void parse_fp(const char *line) {
  in_mxcsr = 0x1f80; in_fcw = 0x37f; in_fsw = 0; in_ftw = 0;
  memset(in_xmm, 0, sizeof in_xmm);
  memset(in_st, 0, sizeof in_st);
  const char *f = strstr(line, "fp=");
  if (!f) return;
  char *q = (char *)f + 3;
  in_mxcsr = (unsigned)strtoul(q, &q, 16); if (*q == ',') q++;
  in_fcw = (unsigned)strtoul(q, &q, 16); if (*q == ',') q++;
  in_fsw = (unsigned)strtoul(q, &q, 16);
  for (int i = 0; i < 32 && *q == ','; i++) { q++; in_xmm[i] = strtoull(q, &q, 16); }
  if (*q == ',') { q++; in_ftw = (unsigned)strtoul(q, &q, 16); }
  for (int i = 0; i < 16 && *q == ','; i++) { q++; in_st[i] = strtoull(q, &q, 16); }
}

static void fill(unsigned char *p, uint32_t seed) {
  uint32_t s = seed ? seed : 1;
  for (size_t i = 0; i < DATA_SIZE; i += 4) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    memcpy(p + i, &s, 4);
  }
}

static void handler(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  if (entering && sig == SIGUSR1) {
    entering = 0;
    for (int i = 0; i < 16; i++) g[GREG[i]] = (greg_t)in_r[i];
    g[REG_RIP] = (greg_t)CODE_ADDR;
    g[REG_EFL] = (greg_t)in_flags;
    uint16_t *csgsfs = (uint16_t *)&g[REG_CSGSFS];
    csgsfs[0] = in_mode == 32 ? 0x23 : 0x33;
    csgsfs[3] = 0x2b;
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    if (fp) {
      fp->cwd = (uint16_t)in_fcw; fp->swd = (uint16_t)in_fsw; fp->ftw = (uint16_t)in_ftw; fp->fop = 0; fp->rip = 0; fp->rdp = 0;
      fp->mxcsr = in_mxcsr;
      memcpy(fp->_xmm, in_xmm, sizeof in_xmm);
      for (int i = 0; i < 8; i++) {
        memset(&fp->_st[i], 0, sizeof fp->_st[i]);
        memcpy(fp->_st[i].significand, &in_st[2 * i], 8);
        fp->_st[i].exponent = (uint16_t)in_st[2 * i + 1];
      }
      xstate_present(fp);
    }
    return;
  }
  for (int i = 0; i < 16; i++) out_r[i] = (uint64_t)g[GREG[i]];
  out_rip = (uint64_t)g[REG_RIP];
  out_flags = (uint64_t)g[REG_EFL];
  out_trap = sig == SIGALRM ? 0x3e7 : g[REG_TRAPNO];
  out_err = g[REG_ERR];
  out_cr2 = g[REG_CR2];
  struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
  if (fp) {
    out_mxcsr = fp->mxcsr; out_fcw = fp->cwd; out_fsw = fp->swd; out_ftw = fp->ftw;
    memcpy(out_xmm, fp->_xmm, sizeof out_xmm);
    out_fop = fp->fop; out_fip = fp->rip; out_fdp = fp->rdp;
    for (int i = 0; i < 8; i++) {
      memcpy(&out_st[2 * i], fp->_st[i].significand, 8);
      out_st[2 * i + 1] = fp->_st[i].exponent;
    }
  }
  siglongjmp(back, 1);
}

int main(void) {
  static char altstack[65536];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  int sigs[] = { SIGUSR1, SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP, SIGALRM };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  unsigned char *code = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  unsigned char *data = mmap((void *)DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || data != (void *)DATA_ADDR) { fprintf(stderr, "runner: cannot map test pages\n"); return 2; }
  /* 64-bit Linux leaves DS/ES null; compatibility-mode code needs them to be __USER_DS. */
  __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" : : "r"(0x2b));
  static char line[1 << 16];
  static char hex[1 << 15];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long id, mode, seed, flags;
    int used = 0;
    if (sscanf(line, "%lx %lx %lx %lx%n", &id, &mode, &seed, &flags, &used) != 4) { fprintf(stderr, "runner: bad line\n"); return 2; }
    char *p = line + used;
    for (int i = 0; i < 16; i++) { int k = 0; sscanf(p, " %lx%n", (unsigned long *)&in_r[i], &k); p += k; }
    int k = 0;
    if (sscanf(p, " %32767s%n", hex, &k) != 1) { fprintf(stderr, "runner: no code\n"); return 2; }
    p += k;
    memset(code, 0, CODE_SIZE);
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) { unsigned b; sscanf(hex + 2 * i, "%2x", &b); code[i] = (unsigned char)b; }
    fill(initial, (uint32_t)seed);
    static char pokes[1 << 15];
    if (sscanf(p, " %32767s", pokes) == 1) {
      for (char *q = pokes; *q;) {
        unsigned long off = strtoul(q, &q, 16);
        if (*q++ != '=') break;
        while (*q && *q != ',' && off < DATA_SIZE) { unsigned b; sscanf(q, "%2x", &b); initial[off++] = (unsigned char)b; q += 2; }
        if (*q == ',') q++;
      }
    }
    memcpy(data, initial, DATA_SIZE);
    parse_fp(line);
    in_flags = flags;
    in_mode = (int)mode;
    if (sigsetjmp(back, 1) == 0) {
      entering = 1;
      alarm(2);
      raise(SIGUSR1);
      fprintf(stderr, "runner: returned from entry\n");
      return 2;
    }
    alarm(0);
    /* The case may have left NT/TF/AC/DF set in the flags the handler ran with: clear them. */
    __asm__ volatile("pushfq\n\tandq $~0x44500, (%%rsp)\n\tpopfq" ::: "memory", "cc");
    printf("%lx %lx %lx %lx %lx %lx", id, (unsigned long)out_trap, (unsigned long)out_err, (unsigned long)out_cr2,
           (unsigned long)out_rip, (unsigned long)out_flags);
    for (int i = 0; i < 16; i++) printf(" %lx", (unsigned long)out_r[i]);
    int changed = 0;
    for (size_t i = 0; i < DATA_SIZE; i++) changed += data[i] != initial[i];
    printf(" %x", changed);
    for (size_t i = 0; i < DATA_SIZE; i++) if (data[i] != initial[i]) printf(" %zx:%x", i, data[i]);
    printf(" %x %x %x %x", out_mxcsr, out_fcw, out_fsw, out_ftw);
    for (int i = 0; i < 32; i++) printf(" %lx", (unsigned long)out_xmm[i]);
    printf(" %x %lx %lx", out_fop, (unsigned long)out_fip, (unsigned long)out_fdp);
    for (int i = 0; i < 16; i++) printf(" %lx", (unsigned long)out_st[i]);
    printf("\n");
  }
  return 0;
}
