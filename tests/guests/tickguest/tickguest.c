/* tickguest: the tiny real guest of the QEMU tests, the kexec lab and the vm benchmark. A freestanding 32-bit multiboot
 * kernel of a few KB (QEMU boots it with -kernel, no firmware disk, no OS), so an emulated (TCG) guest is running within
 * a second even inside the lab's own emulated machine.
 *
 * It fills PATTERN_MIB MiB at PATTERN_BASE with a pattern derived from each word's address, then counts: each time the
 * RTC's seconds change it prints "TICK n boot=ID" on COM1, and every VERIFY_EVERY ticks it re-reads the whole pattern
 * ("VERIFY OK|BAD"). The counter and the boot id live in guest RAM (.data), so a guest restored with its RAM in place
 * continues its count with the same boot id, and a guest that booted again starts from TICK 1 with a new one. */
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned long long u64;

#define PATTERN_BASE 0x01000000u /* 16 MiB: above the kernel image and its stack; the guest needs >= 48 MiB of RAM */
#define PATTERN_MIB 32u
#define VERIFY_EVERY 5u
#define COM1 0x3f8

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0,%1" ::"a"(value), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 value; __asm__ volatile("inb %1,%0" : "=a"(value) : "Nd"(port)); return value; }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

static void put_char(char c) { while (!(inb(COM1 + 5) & 0x20)) {} outb(COM1, (u8)c); }
static void put_text(const char *s) { while (*s) { if (*s == '\n') put_char('\r'); put_char(*s++); } }
static void put_decimal(u32 v) { char b[11]; int i = 10; b[i] = 0; do { b[--i] = (char)('0' + v % 10); v /= 10; } while (v); put_text(b + i); }
static void put_hex(u32 v) { char b[9]; for (int i = 7; i >= 0; i--) { b[i] = "0123456789abcdef"[v & 15]; v >>= 4; } b[8] = 0; put_text(b); }
static u8 cmos(u8 reg) { outb(0x70, reg); return inb(0x71); }
static inline u32 pattern(u32 address) { return (address * 2654435761u) ^ 0xA5C3F00Du; }

/* In .data, so in guest RAM: kept by a restore with RAM in place, reset by a fresh boot. */
volatile u32 ticks = 0, boot_id = 0, verifies = 0;

static void verify(void) {
  u32 bad = 0, first = 0;
  volatile u32 *p = (volatile u32 *)PATTERN_BASE;
  u32 words = PATTERN_MIB * 1024u * 1024u / 4u;
  for (u32 i = 0; i < words; i++) {
    u32 address = PATTERN_BASE + i * 4u;
    if (p[i] != pattern(address)) { if (!bad) first = address; bad++; }
  }
  verifies++;
  if (bad) { put_text("VERIFY BAD words="); put_decimal(bad); put_text(" first=0x"); put_hex(first); }
  else { put_text("VERIFY OK "); put_decimal(PATTERN_MIB); put_text(" MiB"); }
  put_text(" n="); put_decimal(verifies); put_text(" boot="); put_hex(boot_id); put_text("\n");
}

void kmain(u32 magic) {
  /* COM1: 115200 8N1, FIFO on. */
  outb(COM1 + 1, 0); outb(COM1 + 3, 0x80); outb(COM1, 1); outb(COM1 + 1, 0); outb(COM1 + 3, 3); outb(COM1 + 2, 0xc7); outb(COM1 + 4, 0x0b);
  boot_id = (u32)rdtsc() ^ ((u32)cmos(0) << 24) ^ ((u32)cmos(2) << 16) ^ ((u32)cmos(4) << 8);
  put_text("\nBOOT tickguest magic=0x"); put_hex(magic); put_text(" boot="); put_hex(boot_id); put_text("\n");
  volatile u32 *p = (volatile u32 *)PATTERN_BASE;
  u32 words = PATTERN_MIB * 1024u * 1024u / 4u;
  for (u32 i = 0; i < words; i++) p[i] = pattern(PATTERN_BASE + i * 4u);
  put_text("FILLED "); put_decimal(PATTERN_MIB); put_text(" MiB at 0x"); put_hex(PATTERN_BASE); put_text(" boot="); put_hex(boot_id); put_text("\n");
  verify();
  u8 last = cmos(0);
  for (;;) {
    u8 second = cmos(0);
    if (second == last) continue;
    last = second;
    ticks++;
    put_text("TICK "); put_decimal(ticks); put_text(" boot="); put_hex(boot_id); put_text("\n");
    if (ticks % VERIFY_EVERY == 0) verify();
  }
}
