/*
 * parse.h -- the per-frame work shared by floor.c and floor-mmap.c:
 * Ethernet, any number of 802.1Q / 802.1ad / 0x9100 tags, IPv4 (options
 * skipped, non-first fragments ignored), IPv6 (hop-by-hop, routing,
 * destination-options, fragment and AH extension headers walked), TCP;
 * counts TCP segments with RST set and source or destination port 22.
 */
#ifndef SSHRST_BENCH_PARSE_H
#define SSHRST_BENCH_PARSE_H
#include <stdint.h>

typedef struct {
    uint64_t packets, tcp22, rst22;
} counts_t;

static inline void parse_frame(counts_t *c, const uint8_t *d, uint32_t cl) {
    c->packets++;
    if (cl < 14) return;
    uint32_t off = 14;
    uint16_t et = (uint16_t)(d[12] << 8 | d[13]);
    while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
        if (off + 4 > cl) return;
        et = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
        off += 4;
    }
    uint8_t proto;
    if (et == 0x0800) {
        if (off + 20 > cl) return;
        uint32_t ihl = (uint32_t)(d[off] & 15) * 4;
        if ((d[off] >> 4) != 4 || ihl < 20) return;
        if (((d[off + 6] & 0x1f) << 8 | d[off + 7]) != 0) return; /* not the first fragment */
        proto = d[off + 9];
        off += ihl;
    } else if (et == 0x86dd) {
        if (off + 40 > cl) return;
        proto = d[off + 6];
        off += 40;
        for (int n = 0; n < 8; n++) {
            if (proto == 0 || proto == 43 || proto == 60) {
                if (off + 8 > cl) return;
                proto = d[off];
                off += ((uint32_t)d[off + 1] + 1) * 8;
            } else if (proto == 44) {
                if (off + 8 > cl) return;
                if (((d[off + 2] << 8 | d[off + 3]) & 0xfff8) != 0) return;
                proto = d[off];
                off += 8;
            } else if (proto == 51) {
                if (off + 8 > cl) return;
                proto = d[off];
                off += ((uint32_t)d[off + 1] + 2) * 4;
            } else break;
        }
    } else return;
    if (proto != 6 || off + 14 > cl) return;
    uint16_t sp = (uint16_t)(d[off] << 8 | d[off + 1]), dp = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
    if (sp != 22 && dp != 22) return;
    c->tcp22++;
    if (d[off + 13] & 0x04) c->rst22++;
}
#endif
