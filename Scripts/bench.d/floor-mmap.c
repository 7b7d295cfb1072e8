/*
 * floor-mmap.c -- the same parse as floor.c over the file mapped in memory
 * (no per-record copy): the lower bound for a reader that avoids libpcap's
 * fread-and-copy path.  Classic pcap only (either byte order, us or ns).
 * Build: cc -O2 -o floor-mmap floor-mmap.c
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "parse.h"

static inline uint32_t rd32(const uint8_t *p, int swap) {
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor-mmap FILE.pcap\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 24) { perror(argv[1]); return 1; }
    const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    madvise((void *)m, (size_t)st.st_size, MADV_SEQUENTIAL);
    uint32_t magic;
    memcpy(&magic, m, 4);
    int swap;
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) swap = 0;
    else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) swap = 1;
    else { fprintf(stderr, "floor-mmap: not a classic pcap\n"); return 1; }
    if ((rd32(m + 20, swap) & 0x0fffffff) != 1) { fprintf(stderr, "floor-mmap: not Ethernet\n"); return 1; }
    counts_t c = {0, 0, 0};
    size_t off = 24, end = (size_t)st.st_size;
    while (off + 16 <= end) {
        uint32_t cl = rd32(m + off + 8, swap);
        if (cl > end - off - 16) break; /* truncated last record */
        parse_frame(&c, m + off + 16, cl);
        off += 16 + (size_t)cl;
    }
    printf("packets %llu\ntcp22 %llu\nrst22 %llu\n", (unsigned long long)c.packets,
           (unsigned long long)c.tcp22, (unsigned long long)c.rst22);
    return 0;
}
