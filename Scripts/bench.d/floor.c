/*
 * floor.c -- the libpcap floor for Scripts/bench: pcap_open_offline +
 * pcap_next_ex, parse Ethernet/VLAN/QinQ/IPv4/IPv6/TCP (parse.h), count RSTs
 * on port 22.  Any libpcap-based tool reads every record through this same
 * path, so this is the packet rate it cannot beat by much.
 * Build: cc -O2 -o floor floor.c -lpcap
 * Output: "packets N\ntcp22 N\nrst22 N\n"
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include "parse.h"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor FILE.pcap\n"); return 2; }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) { fprintf(stderr, "floor: %s\n", err); return 1; }
    if (pcap_datalink(p) != DLT_EN10MB) { fprintf(stderr, "floor: not Ethernet\n"); return 1; }
    counts_t c = {0, 0, 0};
    struct pcap_pkthdr *h;
    const u_char *d;
    int r;
    while ((r = pcap_next_ex(p, &h, &d)) == 1) parse_frame(&c, d, h->caplen);
    if (r == PCAP_ERROR) { fprintf(stderr, "floor: %s\n", pcap_geterr(p)); return 1; }
    printf("packets %llu\ntcp22 %llu\nrst22 %llu\n", (unsigned long long)c.packets,
           (unsigned long long)c.tcp22, (unsigned long long)c.rst22);
    pcap_close(p);
    return 0;
}
