/*
 * gen.c -- deterministic SSH-heavy capture generator for Scripts/bench.
 *
 * Writes a classic pcap (little-endian, magic 0xa1b2c3d4 = microsecond
 * timestamps; --nsec writes 0xa1b23c4d = nanosecond), linktype 1 (Ethernet),
 * snaplen 65535.  Output depends only on the options and --seed (default 1):
 * same options, same bytes, on any little-endian machine.
 *
 * Normal mode: a pool of --concurrency SSH flows advanced in random order,
 * one packet per step, with ~--bg per-mille background packets (TLS on 443,
 * DNS over UDP, ICMP echo) interleaved.  Each SSH flow: handshake with
 * options (MSS, SACK-perm, timestamps, wscale), server banner, client
 * banner, KEXINIT both ways (real OpenSSH/PuTTY/Go/... name-lists, correct
 * packet_length / padding, MSS-segmented when large), KEX_ECDH_INIT (30),
 * KEX_ECDH_REPLY (31, ssh-ed25519 or ecdsa host key blob) + NEWKEYS, client
 * NEWKEYS, then random "encrypted" segments with pure ACKs, then a FIN close
 * or one of the reset outcomes:
 *   refused     SYN -> RST+ACK (seq 0, ack ISN+1, IP ID 0, DF, server TTL)
 *   server      server RST+ACK mid-session (IP ID continues, same TTL)
 *   client      client RST or RST+ACK mid-session
 *   injected    RST (1-3 of them) spoofing one side: different TTL/hop limit,
 *               IP ID 0, no options; the real sender keeps sending after it
 *   banner-only client sends its banner and FINs (scanner)
 * Hosts have fixed TTLs (64 or 128 minus hops; some 255), flows have
 * per-direction incrementing IP IDs, servers sit untagged, on 802.1Q or on
 * QinQ (0x88a8 + 0x8100) VLANs; ~25% of SSH flows are IPv6.
 *
 * --synflood N: N SYNs to port 22 from N distinct sources (IPv4 addresses
 * from a bijection of the counter, so all distinct; ~10% IPv6), ~30% answered
 * by a SYN-ACK, none completed, plus ~2% packets of ordinary SSH traffic
 * (so the file also contains real resets to count).
 *
 * --profile short: short SSH connections as an Internet-facing sshd sees them
 * (~15 packets per SSH flow, ~20% background as above; defaults
 * --concurrency 200, --gap-ns 1000000: ~50 connections/s):
 *   failed_login   password guessing from a few hundred bot addresses at a
 *                  time, each on one server: handshake, banners, KEX, 1-3
 *                  (or 6) encrypted password attempts and failures, then a
 *                  server RST, or a DISCONNECT + FIN from either side
 *   banned_rst     a bot after 2-8 failures: its SYNs answered by RST+ACK
 *   banned_drop    ... or dropped: the SYN and 0-2 retransmissions (1 s, 2 s)
 *   refused        SYN -> RST+ACK (port closed), fresh or known clients
 *   scanner_banner connect, read the server banner, then FIN, RST, or send a
 *                  client banner and FIN (one flow per fresh address)
 *   scanner_syn    SYN, SYN-ACK, RST (half-open scan)
 *   short_session  full KEX, publickey auth, 10-40 interactive packets, FIN
 * --profile bulk: scp-like transfers (defaults --concurrency 8, --bg 50):
 *   handshake, KEX, auth, then 1,000-4,000 full-sized encrypted segments one
 *   way and a delayed pure ACK for every second one the other way, FIN
 *   (4% client RST, 4% server RST mid-transfer); >1,000 packets per flow.
 * The profiles leave the default mode and --synflood byte for byte as they
 * were (their flows never take the profile paths).
 *
 * Totals are printed on stderr as one JSON object (and written to --stats).
 *
 * Build: cc -O2 -o gen gen.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- RNG */
static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static inline uint64_t rnd(void) {
    uint64_t x = rs;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    rs = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static inline uint32_t rndu(uint32_t n) { return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32); }
static inline uint32_t rndr(uint32_t lo, uint32_t hi) { return lo + rndu(hi - lo + 1); }
static inline int pm(uint32_t permille) { return rndu(1000) < permille; }
static void rfill(uint8_t *p, size_t n) {
    while (n >= 8) { uint64_t v = rnd(); memcpy(p, &v, 8); p += 8; n -= 8; }
    if (n) { uint64_t v = rnd(); memcpy(p, &v, n); }
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* ------------------------------------------------------------- output */
#define OBUF (8u << 20)
static FILE *out;
static uint8_t *obuf;
static size_t olen;
static int nsec_mode;
static uint64_t now_ns = 1717243200ULL * 1000000000ULL; /* 2024-06-01 12:00:00 UTC */
static uint64_t gap_ns = 20000;                          /* mean inter-packet gap */
static uint64_t n_pkts, n_bytes = 24;

static void oflush(void) {
    if (olen && fwrite(obuf, 1, olen, out) != olen) { perror("write"); exit(1); }
    olen = 0;
}
static void owrite(const void *p, size_t n) {
    if (olen + n > OBUF) oflush();
    memcpy(obuf + olen, p, n);
    olen += n;
}
static int render_only;
static uint32_t rendered_len;
static void write_rec(const uint8_t *p, uint32_t len) {
    if (render_only) { rendered_len = len; return; }
    now_ns += 1 + rndu((uint32_t)(2 * gap_ns));
    uint32_t h[4];
    h[0] = (uint32_t)(now_ns / 1000000000ULL);
    h[1] = (uint32_t)(nsec_mode ? now_ns % 1000000000ULL : (now_ns % 1000000000ULL) / 1000);
    h[2] = len;
    h[3] = len;
    owrite(h, 16);
    owrite(p, len);
    n_pkts++;
    n_bytes += 16 + len;
}

/* ----------------------------------------------------------- checksum */
static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n) {
    while (n > 1) { s += (uint32_t)p[0] << 8 | p[1]; p += 2; n -= 2; }
    if (n) s += (uint32_t)p[0] << 8;
    return s;
}
static uint16_t csum_fold(uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* --------------------------------------------------------------- hosts */
typedef struct {
    uint8_t v6, ip[16], mac[6], ttl, encap, ts; /* encap 0 none, 1 802.1Q, 2 QinQ */
    uint16_t vo, vi;
    uint32_t tsbase;
    int hk; /* server: host key type 0 ed25519, 1 ecdsa */
    uint8_t hostkey[65];
    int sw;
} Host;

static const uint8_t router_mac[6] = {0x00, 0x1c, 0x73, 0x00, 0x00, 0x01};
#define NSRV4 48
#define NSRV6 16
#define NCLI4 4096
#define NCLI6 1024
static Host srv4[NSRV4], srv6[NSRV6], cli4[NCLI4], cli6[NCLI6], web4[32], web6[8], dns4, dns6;

static void host_init(Host *h, int v6, int server) {
    memset(h, 0, sizeof *h);
    h->v6 = v6;
    if (v6) {
        static const uint8_t p_srv[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x22, 0x00, 0x00};
        static const uint8_t p_cli[2] = {0x2a, 0x02};
        if (server) { memcpy(h->ip, p_srv, 8); rfill(h->ip + 8, 8); }
        else { memcpy(h->ip, p_cli, 2); rfill(h->ip + 2, 14); }
    } else {
        if (server) { h->ip[0] = 10; h->ip[1] = 20; h->ip[2] = rndu(256); h->ip[3] = rndr(1, 254); }
        else {
            do { rfill(h->ip, 4); } while (h->ip[0] == 0 || h->ip[0] == 10 || h->ip[0] == 127 || h->ip[0] >= 224);
        }
    }
    rfill(h->mac, 6);
    h->mac[0] = (h->mac[0] & 0xfc);
    if (server) {
        h->ttl = 64 - rndu(3);
        h->ts = 1;
        uint32_t r = rndu(100);
        h->encap = r < 55 ? 0 : r < 80 ? 1 : 2;
        h->vo = rndr(100, 4000);
        h->vi = rndr(2, 4000);
        h->hk = pm(150);
        rfill(h->hostkey, sizeof h->hostkey);
        h->hostkey[0] = 4;
    } else {
        uint32_t r = rndu(100);
        h->ttl = r < 77 ? 64 - rndr(2, 20) : r < 97 ? 128 - rndr(2, 20) : 255 - rndr(2, 20);
        h->ts = (h->ttl > 64 && h->ttl <= 128) ? 0 : 1;
    }
    h->tsbase = (uint32_t)rnd();
}

/* ------------------------------------------------------------ software */
typedef struct {
    const char *banner, *kex, *hk, *enc, *mac, *comp;
} Sw;

#define OSSH_ENC "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
#define OSSH_MAC "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"
#define OSSH_HK_CLI "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256"
#define OSSH_KEX96 "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"

static const Sw clients[] = {
    {"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13", OSSH_KEX96 ",ext-info-c,kex-strict-c-v00@openssh.com", OSSH_HK_CLI, OSSH_ENC, OSSH_MAC, "none,zlib@openssh.com,zlib"},
    {"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,sntrup761x25519-sha512@openssh.com,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c", OSSH_HK_CLI, OSSH_ENC, OSSH_MAC, "none,zlib@openssh.com,zlib"},
    {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", OSSH_KEX96 ",ext-info-c,kex-strict-c-v00@openssh.com", OSSH_HK_CLI, OSSH_ENC, OSSH_MAC, "none,zlib@openssh.com,zlib"},
    {"SSH-2.0-PuTTY_Release_0.80", "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group18-sha512,diffie-hellman-group17-sha512,diffie-hellman-group16-sha512,diffie-hellman-group15-sha512,diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,rsa2048-sha256,rsa1024-sha1,diffie-hellman-group1-sha1,ext-info-c,kex-strict-c-v00@openssh.com", "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-ed448,rsa-sha2-512,rsa-sha2-256,ssh-rsa", "aes256-gcm@openssh.com,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,aes192-ctr,aes192-cbc,aes128-gcm@openssh.com,aes128-ctr,aes128-cbc,chacha20-poly1305@openssh.com,3des-ctr,3des-cbc,blowfish-ctr,blowfish-cbc,arcfour256,arcfour128", "hmac-sha2-256,hmac-sha1,hmac-sha1-96,hmac-md5,hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha1-96-etm@openssh.com,hmac-md5-etm@openssh.com", "none,zlib,zlib@openssh.com"},
    {"SSH-2.0-Go", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,ext-info-c", "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-256,rsa-sha2-512,ssh-rsa", "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr", "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1,hmac-sha1-96", "none"},
    {"SSH-2.0-paramiko_3.4.0", "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group16-sha512,diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1,ext-info-c", "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss", "aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,aes192-cbc,aes256-cbc,3des-cbc,aes128-gcm@openssh.com,aes256-gcm@openssh.com", "hmac-sha2-256,hmac-sha2-512,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1,hmac-md5,hmac-sha1-96,hmac-md5-96", "none"},
    {"SSH-2.0-libssh_0.10.6", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com", "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-nistp256,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256", "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr", "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512", "none,zlib@openssh.com"},
    {"SSH-2.0-OpenSSH_for_Windows_9.5", OSSH_KEX96 ",ext-info-c,kex-strict-c-v00@openssh.com", OSSH_HK_CLI, OSSH_ENC, OSSH_MAC, "none"},
};
static const uint32_t client_weight[] = {40, 15, 10, 10, 8, 6, 4, 7}; /* sums to 100 */

static const Sw servers[] = {
    {"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13", OSSH_KEX96 ",ext-info-s,kex-strict-s-v00@openssh.com", "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519", OSSH_ENC, OSSH_MAC, "none,zlib@openssh.com"},
    {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", OSSH_KEX96 ",ext-info-s,kex-strict-s-v00@openssh.com", "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519", OSSH_ENC, OSSH_MAC, "none,zlib@openssh.com"},
    {"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,sntrup761x25519-sha512@openssh.com,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256", "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519", OSSH_ENC, OSSH_MAC, "none,zlib@openssh.com"},
    {"SSH-2.0-OpenSSH_7.4", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1", "ssh-rsa,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519", "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc,aes192-cbc,aes256-cbc,blowfish-cbc,cast128-cbc,3des-cbc", OSSH_MAC, "none,zlib@openssh.com"},
    {"SSH-2.0-dropbear_2022.83", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,kexguess2@matt.ucc.asn.au", "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256,ssh-rsa", "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr", "hmac-sha1,hmac-sha2-256", "none"},
};
#define NSERVERS (sizeof servers / sizeof servers[0])

/* SSH binary packet (unencrypted, block 8): returns bytes written. */
static uint32_t ssh_pkt(uint8_t *dst, const uint8_t *payload, uint32_t plen) {
    uint32_t pad = 8 - ((5 + plen) % 8);
    if (pad < 4) pad += 8;
    put32(dst, 1 + plen + pad);
    dst[4] = (uint8_t)pad;
    memcpy(dst + 5, payload, plen);
    rfill(dst + 5 + plen, pad);
    return 5 + plen + pad;
}
static uint32_t put_str(uint8_t *p, const void *s, uint32_t n) { put32(p, n); memcpy(p + 4, s, n); return 4 + n; }
static uint32_t put_cstr(uint8_t *p, const char *s) { return put_str(p, s, (uint32_t)strlen(s)); }

static uint32_t build_kexinit(uint8_t *dst, const Sw *sw) {
    static uint8_t pl[8192];
    uint32_t n = 0;
    pl[n++] = 20;
    rfill(pl + n, 16); n += 16;
    n += put_cstr(pl + n, sw->kex);
    n += put_cstr(pl + n, sw->hk);
    n += put_cstr(pl + n, sw->enc); n += put_cstr(pl + n, sw->enc);
    n += put_cstr(pl + n, sw->mac); n += put_cstr(pl + n, sw->mac);
    n += put_cstr(pl + n, sw->comp); n += put_cstr(pl + n, sw->comp);
    n += put_cstr(pl + n, ""); n += put_cstr(pl + n, "");
    pl[n++] = 0;
    put32(pl + n, 0); n += 4;
    return ssh_pkt(dst, pl, n);
}
static uint32_t build_ecdh_init(uint8_t *dst) {
    uint8_t pl[64], q[32];
    rfill(q, 32);
    pl[0] = 30;
    uint32_t n = 1 + put_str(pl + 1, q, 32);
    return ssh_pkt(dst, pl, n);
}
static uint32_t build_ecdh_reply(uint8_t *dst, const Host *s) {
    uint8_t pl[512], blob[160], sig[160], q[32], raw[64];
    uint32_t b = 0, g = 0, n = 0;
    if (s->hk == 0) {
        b += put_cstr(blob + b, "ssh-ed25519");
        b += put_str(blob + b, s->hostkey, 32);
        rfill(raw, 64);
        g += put_cstr(sig + g, "ssh-ed25519");
        g += put_str(sig + g, raw, 64);
    } else {
        b += put_cstr(blob + b, "ecdsa-sha2-nistp256");
        b += put_cstr(blob + b, "nistp256");
        b += put_str(blob + b, s->hostkey, 65);
        uint8_t rsb[80]; uint32_t k = 0;
        rfill(raw, 64); raw[0] &= 0x7f; raw[32] &= 0x7f;
        k += put_str(rsb + k, raw, 32);
        k += put_str(rsb + k, raw + 32, 32);
        g += put_cstr(sig + g, "ecdsa-sha2-nistp256");
        g += put_str(sig + g, rsb, k);
    }
    rfill(q, 32);
    pl[n++] = 31;
    n += put_str(pl + n, blob, b);
    n += put_str(pl + n, q, 32);
    n += put_str(pl + n, sig, g);
    uint32_t len = ssh_pkt(dst, pl, n);
    uint8_t nk = 21;
    return len + ssh_pkt(dst + len, &nk, 1);
}

/* Negotiated transport per (client sw, server sw): first client algorithm
 * the server also offers (RFC 4253 7.1).  GCM and -etm MACs leave
 * packet_length in clear; chacha20-poly1305 and encrypt-and-MAC do not. */
typedef struct { uint8_t clear_len, blk, maclen; } Xport;
#define NCLIENTS (sizeof clients / sizeof clients[0])
static Xport xport[NCLIENTS][NSERVERS];

static int in_list(const char *list, const char *name, size_t n) {
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && memcmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}
static void negotiate(const char *c, const char *s, char *out) {
    const char *p = c;
    out[0] = 0;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (in_list(s, p, l)) { memcpy(out, p, l); out[l] = 0; return; }
        if (!e) break;
        p = e + 1;
    }
}
static void init_xport(void) {
    for (size_t i = 0; i < NCLIENTS; i++)
        for (size_t j = 0; j < NSERVERS; j++) {
            char enc[128], mac[128];
            negotiate(clients[i].enc, servers[j].enc, enc);
            negotiate(clients[i].mac, servers[j].mac, mac);
            Xport x = {0, 16, 16};
            if (strstr(enc, "chacha20")) { x.blk = 8; x.maclen = 16; x.clear_len = 0; }
            else if (strstr(enc, "gcm")) { x.blk = 16; x.maclen = 16; x.clear_len = 1; }
            else {
                x.blk = strstr(enc, "3des") || strstr(enc, "blowfish") || strstr(enc, "cast") ? 8 : 16;
                x.clear_len = strstr(mac, "-etm@") != NULL;
                x.maclen = strstr(mac, "sha2-512") ? 64 : strstr(mac, "sha2-256") ? 32 : strstr(mac, "umac-64") ? 8
                         : strstr(mac, "umac-128") ? 16 : strstr(mac, "-96") ? 12 : strstr(mac, "md5") ? 16 : 20;
            }
            xport[i][j] = x;
        }
}

/* --------------------------------------------------------------- flows */
enum { K_SSH, K_TLS };
enum { O_NORMAL, O_REFUSED, O_SRV_ABORT, O_CLI_ABORT, O_INJECT, O_BANNER_ONLY, O__N };
static const char *outcome_name[O__N] = {"normal", "refused", "server_abort", "client_abort", "injected", "banner_only"};
enum { ST_SYN, ST_SYNACK, ST_ACK, ST_SBANNER, ST_CBANNER, ST_SKEX, ST_CKEX, ST_ECDH, ST_REPLY, ST_CNEWKEYS,
       ST_DATA, ST_FIN1, ST_FIN2, ST_FIN3,
       /* --profile only: */ ST_AUTH, ST_BYE, ST_BULK };
/* --profile short / bulk: what a flow is (0 = the default mode's flows). */
enum { SC_NONE, SC_FAIL, SC_REFUSED, SC_BANNED_RST, SC_BANNED_DROP, SC_SCAN_BANNER, SC_SCAN_SYN, SC_SESSION,
       SC_BULK, SC__N };
static const char *scen_name[SC__N] = {"none", "failed_login", "refused", "banned_rst", "banned_drop",
                                       "scanner_banner", "scanner_syn", "short_session", "bulk"};
enum { PROF_DEFAULT, PROF_SHORT, PROF_BULK };
static int gen_profile;
enum { P_INTERACTIVE, P_BULK };

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

typedef struct {
    int active, kind, outcome, state, profile, bulkdir, closer, owed, unacked;
    int inject_left, inject_dir, force_dir, silent_end;
    Host *c, *s;
    uint16_t port[2]; /* port[0] client, port[1] server */
    uint32_t seq[2], isn[2];
    uint16_t ipid[2], win[2];
    uint8_t wscale[2];
    uint32_t flowlabel, mss, data_left, abort_at;
    int ts;
    uint32_t blen, boff;
    int bdir;
    /* encrypted framing after NEWKEYS (negotiated from both KEXINITs) */
    uint8_t clear_len, blk, maclen;
    uint32_t pk_left[2];
    uint8_t hdr[2][4], hdr_left[2];
    /* --profile only (zero in the default mode and the flood) */
    int scen, variant, auth_left, auth_dir, retx_left, end_kind;
    uint64_t wake_ns, backoff_ns;
    Host own; /* a client address of this flow alone (scanners, refused) */
    uint8_t buf[4096];
} Flow;

static uint64_t st_flows[2], st_outcome[O__N], st_rst22, st_rst_other, st_rst_kind[O__N], st_v6_flows,
    st_bg, st_syn_flood, st_synack_flood, st_kexinit;
static uint64_t st_scen[SC__N], st_scen_rst[SC__N], st_pkt22;

typedef struct {
    int dir; uint8_t flags; uint32_t seq, ack; uint16_t win;
    int ttl, ipid, df, opts; const uint8_t *pl; uint32_t plen; int kind_for_stats;
} Seg;

/* Ethernet (+ tags) header: returns offset after the ethertype. */
static uint32_t put_eth(uint8_t *p, const uint8_t *dst, const uint8_t *src, const Host *tagged, int v6) {
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    uint32_t o = 12;
    if (tagged && tagged->encap == 2) {
        put16(p + o, 0x88a8); put16(p + o + 2, tagged->vo); o += 4;
        put16(p + o, 0x8100); put16(p + o + 2, tagged->vi); o += 4;
    } else if (tagged && tagged->encap == 1) {
        put16(p + o, 0x8100); put16(p + o + 2, (uint16_t)((rndu(8) == 0 ? 5u << 13 : 0) | tagged->vo)); o += 4;
    }
    put16(p + o, v6 ? 0x86dd : 0x0800);
    return o + 2;
}

/* IP header; returns offset of L4.  l4len = L4 header + payload length. */
static uint32_t put_ip(uint8_t *p, uint32_t o, const uint8_t *src, const uint8_t *dst, int v6, uint8_t proto,
                       uint32_t l4len, uint8_t ttl, uint16_t ipid, int df, uint32_t flowlabel) {
    if (v6) {
        put32(p + o, 0x60000000u | (flowlabel & 0xfffff));
        put16(p + o + 4, (uint16_t)l4len);
        p[o + 6] = proto;
        p[o + 7] = ttl;
        memcpy(p + o + 8, src, 16);
        memcpy(p + o + 24, dst, 16);
        return o + 40;
    }
    uint8_t *h = p + o;
    h[0] = 0x45; h[1] = 0;
    put16(h + 2, (uint16_t)(20 + l4len));
    put16(h + 4, ipid);
    put16(h + 6, df ? 0x4000 : 0);
    h[8] = ttl; h[9] = proto;
    h[10] = h[11] = 0;
    memcpy(h + 12, src, 4);
    memcpy(h + 16, dst, 4);
    put16(h + 10, csum_fold(csum_add(0, h, 20)));
    return o + 20;
}

static uint32_t l4_pseudo(const uint8_t *src, const uint8_t *dst, int v6, uint8_t proto, uint32_t len) {
    uint32_t s = csum_add(0, src, v6 ? 16 : 4);
    s = csum_add(s, dst, v6 ? 16 : 4);
    return s + proto + (len & 0xffff) + (len >> 16);
}

static uint8_t pkt[70000];

static uint32_t tsval(const Host *h) { return h->tsbase + (uint32_t)(now_ns / 1000000ULL); }

static void emit_tcp(Flow *f, const Seg *g) {
    const Host *from = g->dir == 0 ? f->c : f->s, *to = g->dir == 0 ? f->s : f->c;
    const uint8_t *dmac = g->dir == 0 ? f->s->mac : router_mac, *smac = g->dir == 0 ? router_mac : f->s->mac;
    uint8_t opt[40];
    uint32_t ol = 0;
    if (g->opts == 2) { /* SYN / SYN-ACK */
        uint16_t mss = f->s->v6 ? 1440 : 1460;
        opt[ol++] = 2; opt[ol++] = 4; put16(opt + ol, mss); ol += 2;
        if ((g->flags & F_ACK) ? f->ts : from->ts) {
            opt[ol++] = 4; opt[ol++] = 2;
            opt[ol++] = 8; opt[ol++] = 10;
            put32(opt + ol, tsval(from)); ol += 4;
            put32(opt + ol, (g->flags & F_ACK) ? tsval(to) - 1 : 0); ol += 4;
            opt[ol++] = 1; opt[ol++] = 3; opt[ol++] = 3; opt[ol++] = f->wscale[g->dir];
        } else { /* Windows style */
            opt[ol++] = 1; opt[ol++] = 3; opt[ol++] = 3; opt[ol++] = f->wscale[g->dir];
            opt[ol++] = 1; opt[ol++] = 1; opt[ol++] = 4; opt[ol++] = 2;
        }
    } else if (g->opts == 1 && f->ts) {
        opt[ol++] = 1; opt[ol++] = 1; opt[ol++] = 8; opt[ol++] = 10;
        put32(opt + ol, tsval(from)); ol += 4;
        put32(opt + ol, tsval(to) - rndu(3)); ol += 4;
    }
    int v6 = f->s->v6;
    uint32_t thl = 20 + ol, l4 = thl + g->plen;
    uint32_t o = put_eth(pkt, dmac, smac, f->s, v6);
    uint16_t id;
    if (g->ipid >= 0) id = (uint16_t)g->ipid;
    else id = f->ipid[g->dir]++;
    uint8_t ttl = g->ttl >= 0 ? (uint8_t)g->ttl : from->ttl;
    o = put_ip(pkt, o, from->ip, to->ip, v6, 6, l4, ttl, id, g->df, f->flowlabel ^ (uint32_t)g->dir);
    uint8_t *t = pkt + o;
    put16(t, f->port[g->dir]);
    put16(t + 2, f->port[!g->dir]);
    put32(t + 4, g->seq);
    put32(t + 8, (g->flags & F_ACK) ? g->ack : 0);
    t[12] = (uint8_t)((thl / 4) << 4);
    t[13] = g->flags;
    put16(t + 14, g->win);
    t[16] = t[17] = 0; t[18] = t[19] = 0;
    memcpy(t + 20, opt, ol);
    if (g->plen) memcpy(t + thl, g->pl, g->plen);
    put16(t + 16, csum_fold(csum_add(l4_pseudo(from->ip, to->ip, v6, 6, l4), t, l4)));
    write_rec(pkt, o + l4);
    if (f->port[1] == 22) st_pkt22++;
    if (g->flags & F_RST) {
        if (f->port[1] == 22) { st_rst22++; st_rst_kind[g->kind_for_stats]++; st_scen_rst[f->scen]++; }
        else st_rst_other++;
    }
}

static void seg_data(Flow *f, int dir, const uint8_t *pl, uint32_t n, uint8_t flags) {
    Seg g = {dir, flags, f->seq[dir], f->seq[!dir], f->win[dir], -1, -1, 1, 1, pl, n, 0};
    emit_tcp(f, &g);
    f->seq[dir] += n + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

/* The TCP side of a new flow: client port, ISNs, IP IDs, windows, options (the same random draws, in the
 * same order, for every kind of flow). */
static void tcp_start(Flow *f, int v6) {
    f->port[0] = (uint16_t)rndr(32768, 60999);
    f->isn[0] = (uint32_t)rnd(); f->isn[1] = (uint32_t)rnd();
    f->seq[0] = f->isn[0]; f->seq[1] = f->isn[1];
    f->ipid[0] = (uint16_t)rnd(); f->ipid[1] = (uint16_t)rnd();
    f->win[0] = (uint16_t)rndr(400, 2100); f->win[1] = (uint16_t)rndr(400, 600);
    f->wscale[0] = (uint8_t)rndr(7, 8); f->wscale[1] = 7;
    f->flowlabel = (uint32_t)rnd();
    f->ts = f->c->ts && f->s->ts;
    f->mss = (v6 ? 1440 : 1460) - (f->ts ? 12 : 0);
    f->owed = -1;
    f->force_dir = -1;
}

static void flow_init(Flow *f, int kind) {
    memset(f, 0, offsetof(Flow, buf));
    f->active = 1;
    f->kind = kind;
    int v6 = pm(kind == K_SSH ? 250 : 200);
    if (kind == K_SSH) {
        f->s = v6 ? &srv6[rndu(NSRV6)] : &srv4[rndu(NSRV4)];
        f->port[1] = 22;
    } else {
        f->s = v6 ? &web6[rndu(8)] : &web4[rndu(32)];
        f->port[1] = 443;
    }
    f->c = v6 ? &cli6[rndu(NCLI6)] : &cli4[rndu(NCLI4)];
    tcp_start(f, v6);
    f->closer = pm(700) ? 0 : 1;
    uint32_t r = rndu(1000);
    if (kind == K_SSH) {
        f->outcome = r < 40 ? O_REFUSED : r < 80 ? O_SRV_ABORT : r < 120 ? O_CLI_ABORT : r < 160 ? O_INJECT
                   : r < 200 ? O_BANNER_ONLY : O_NORMAL;
        uint32_t p = rndu(100);
        if (p < 6) { f->profile = P_BULK; f->data_left = rndr(200, 3000); f->bulkdir = pm(600); }
        else if (p < 40) { f->profile = P_INTERACTIVE; f->data_left = rndr(4, 30); }
        else { f->profile = P_INTERACTIVE; f->data_left = rndr(20, 400); }
        st_outcome[f->outcome]++;
        if (v6) st_v6_flows++;
    } else {
        f->outcome = r < 50 ? O_SRV_ABORT : r < 100 ? O_CLI_ABORT : O_NORMAL;
        f->profile = pm(300) ? P_BULK : P_INTERACTIVE;
        f->bulkdir = 1;
        f->data_left = rndr(4, 200);
    }
    f->abort_at = rndr(1, f->data_left);
    if (kind == K_SSH) {
        Xport x = xport[f->c->sw][f->s->sw];
        f->clear_len = x.clear_len; f->blk = x.blk; f->maclen = x.maclen;
    }
    st_flows[kind]++;
}

/* --profile short: password-guessing bots come from a few hundred addresses
 * at a time; each makes max_fails failed logins, is then banned (its SYNs
 * answered by a RST, or dropped) for banned_left more attempts, and is
 * replaced by a new address.  Each guesses on one server. */
#define NATK 256
typedef struct { Host h; Host *target; int fails, max_fails, banned_left, drop; } Attacker;
static Attacker *atk;
static const int bot_sw[] = {4, 5, 6, 6, 0, 1}; /* Go, paramiko, libssh, OpenSSH */

static void attacker_init(Attacker *a) {
    host_init(&a->h, pm(100), 0);
    a->h.sw = bot_sw[rndu(6)];
    a->target = a->h.v6 ? &srv6[rndu(NSRV6)] : &srv4[rndu(NSRV4)]; /* one server, which bans it */
    a->fails = 0;
    a->max_fails = (int)rndr(2, 8);
    a->banned_left = (int)rndr(1, 5);
    a->drop = pm(500);
}

static void flow_init_prof(Flow *f) {
    memset(f, 0, offsetof(Flow, buf));
    f->active = 1;
    f->kind = K_SSH;
    int scen = SC_BULK;
    if (gen_profile == PROF_SHORT) {
        uint32_t r = rndu(1000);
        scen = r < 500 ? SC_FAIL : r < 650 ? SC_REFUSED : r < 850 ? SC_SCAN_BANNER : r < 920 ? SC_SCAN_SYN : SC_SESSION;
    }
    /* Each flow keeps its own copy of its client (attackers are replaced while their flows run). */
    Host *target = NULL;
    if (scen == SC_FAIL) {
        Attacker *a = &atk[rndu(NATK)];
        if (!a->max_fails) attacker_init(a);
        if (a->fails >= a->max_fails) {
            scen = a->drop ? SC_BANNED_DROP : SC_BANNED_RST;
            if (--a->banned_left <= 0) a->max_fails = 0; /* a new address on its next pick */
        } else a->fails++;
        f->own = a->h;
        target = a->target;
    } else if (scen == SC_SESSION || scen == SC_BULK || (scen == SC_REFUSED && pm(500))) {
        f->own = pm(250) ? cli6[rndu(NCLI6)] : cli4[rndu(NCLI4)];
    } else { /* scanners, refused: one flow per address */
        host_init(&f->own, pm(100), 0);
        f->own.sw = bot_sw[rndu(3)];
    }
    f->c = &f->own;
    int v6 = f->c->v6;
    f->s = target ? target : v6 ? &srv6[rndu(NSRV6)] : &srv4[rndu(NSRV4)];
    f->port[1] = 22;
    tcp_start(f, v6);
    f->closer = 0;
    f->profile = P_INTERACTIVE;
    Xport x = xport[f->c->sw][f->s->sw];
    f->clear_len = x.clear_len; f->blk = x.blk; f->maclen = x.maclen;
    f->scen = scen;
    switch (scen) {
    case SC_FAIL: { /* 1-3 passwords, or 6 (MaxAuthTries); then a server RST, or a DISCONNECT + FIN from either side */
        int k = pm(150) ? 6 : (int)rndr(1, 3);
        f->auth_left = 4 + 2 * k;
        uint32_t e = rndu(1000);
        f->end_kind = e < 300 ? 0 : e < 650 ? 1 : 2;
        break;
    }
    case SC_REFUSED: case SC_BANNED_RST: f->outcome = O_REFUSED; break;
    case SC_BANNED_DROP:
        f->retx_left = (int)rndr(0, 2);
        f->backoff_ns = 1000000000ULL + rndu(2000000);
        break;
    case SC_SCAN_BANNER:
        f->variant = (int)rndu(3); /* 0 sends its banner and FINs, 1 FINs, 2 resets */
        if (f->variant == 0) f->outcome = O_BANNER_ONLY;
        break;
    case SC_SESSION:
        f->auth_left = 8 + 2 * (int)rndu(3);
        f->data_left = rndr(10, 40);
        break;
    case SC_BULK: {
        f->profile = P_BULK;
        f->bulkdir = pm(600) ? 0 : 1; /* upload or download */
        f->auth_left = 10 + 2 * (int)rndu(3);
        f->data_left = rndr(1000, 4000);
        uint32_t e = rndu(1000);
        f->outcome = e < 40 ? O_CLI_ABORT : e < 80 ? O_SRV_ABORT : O_NORMAL;
        f->abort_at = rndr(1, f->data_left);
        break;
    }
    }
    st_scen[scen]++;
    if (v6) st_v6_flows++;
    st_flows[K_SSH]++;
}

static void queue(Flow *f, int dir, uint32_t n) { f->bdir = dir; f->blen = n; f->boff = 0; }
static int send_chunk(Flow *f) {
    if (f->boff >= f->blen) return 0;
    uint32_t n = f->blen - f->boff;
    if (n > f->mss) n = f->mss;
    seg_data(f, f->bdir, f->buf + f->boff, n, F_ACK | (f->boff + n == f->blen ? F_PSH : 0));
    f->boff += n;
    return 1;
}

/* Encrypted byte stream of direction dir: SSH binary packets of padded
 * length plen (a multiple of the cipher block) + MAC, packet_length in clear
 * only where the negotiated mode leaves it so.  want_plen 0 = bulk size. */
static void fill_stream(Flow *f, int dir, uint8_t *dst, uint32_t n, uint32_t want_plen) {
    while (n) {
        if (f->pk_left[dir] == 0 && f->hdr_left[dir] == 0) {
            uint32_t plen = want_plen ? want_plen : rndr(1024, 32800);
            plen = (plen + f->blk - 1) / f->blk * f->blk;
            if (f->clear_len) put32(f->hdr[dir], plen);
            else rfill(f->hdr[dir], 4);
            f->hdr_left[dir] = 4;
            f->pk_left[dir] = plen + f->maclen;
        }
        if (f->hdr_left[dir]) {
            *dst++ = f->hdr[dir][4 - f->hdr_left[dir]];
            f->hdr_left[dir]--;
            n--;
            continue;
        }
        uint32_t k = n < f->pk_left[dir] ? n : f->pk_left[dir];
        rfill(dst, k);
        dst += k; n -= k; f->pk_left[dir] -= k;
    }
}

/* Next encrypted segment of dir into f->buf; returns its length. */
static uint32_t enc_segment(Flow *f, int dir) {
    if (f->profile == P_BULK && dir == f->bulkdir) {
        uint32_t n = pm(850) ? f->mss : rndr(36, f->mss);
        fill_stream(f, dir, f->buf, n, 0);
        return n;
    }
    uint32_t maxp = (f->mss - 4 - f->maclen) / f->blk * f->blk, plen, r = rndu(100);
    if (dir == 0) plen = 16 + 8 * rndu(5);                /* keystrokes, window changes */
    else if (r < 70) plen = 16 + 8 * rndu(11);            /* echoes, prompts */
    else if (r < 95) plen = rndr(64, maxp);               /* output */
    else plen = maxp;
    plen = (plen + f->blk - 1) / f->blk * f->blk;
    if (plen > maxp) plen = maxp;
    uint32_t n = 4 + plen + f->maclen;
    fill_stream(f, dir, f->buf, n, plen);
    return n;
}

/* One small encrypted SSH packet (padded length plen) as one segment. */
static void enc_small(Flow *f, int dir, uint32_t plen) {
    plen = (plen + f->blk - 1) / f->blk * f->blk;
    uint32_t n = 4 + plen + f->maclen;
    fill_stream(f, dir, f->buf, n, plen);
    seg_data(f, dir, f->buf, n, F_ACK | F_PSH);
}

static void rst_seg(Flow *f, int dir, int withack, int kind) {
    Seg g = {dir, (uint8_t)(F_RST | (withack ? F_ACK : 0)), f->seq[dir], f->seq[!dir], 0, -1, -1, 1, 0, NULL, 0, kind};
    emit_tcp(f, &g);
}

static void flow_step(Flow *f) {
    if (send_chunk(f)) return;
    switch (f->state) {
    case ST_SYN: {
        Seg g = {0, F_SYN, f->seq[0], 0, f->ts ? 64240 : 64240, -1, -1, 1, 2, NULL, 0, 0};
        emit_tcp(f, &g);
        f->seq[0]++;
        f->state = ST_SYNACK;
        if (f->scen == SC_BANNED_DROP) f->wake_ns = now_ns + f->backoff_ns;
        return;
    }
    case ST_SYNACK:
        if (f->scen == SC_BANNED_DROP) {
            /* The firewall drops it: the client retransmits the SYN (same ISN,
             * doubling back-off) and gives up; no answer ever. */
            if (f->retx_left > 0) {
                Seg g = {0, F_SYN, f->isn[0], 0, 64240, -1, -1, 1, 2, NULL, 0, 0};
                emit_tcp(f, &g);
                f->retx_left--;
                f->backoff_ns *= 2;
                f->wake_ns = now_ns + f->backoff_ns;
            } else f->active = 0;
            return;
        }
        if (f->outcome == O_REFUSED) {
            Seg g = {1, F_RST | F_ACK, 0, f->seq[0], 0, -1, 0, 1, 0, NULL, 0, O_REFUSED};
            emit_tcp(f, &g);
            f->active = 0;
            return;
        }
        {
            Seg g = {1, F_SYN | F_ACK, f->seq[1], f->seq[0], f->s->v6 ? 64800 : 65160, -1, -1, 1, 2, NULL, 0, 0};
            emit_tcp(f, &g);
            f->seq[1]++;
        }
        f->state = ST_ACK;
        return;
    case ST_ACK:
        if (f->scen == SC_SCAN_SYN) { /* half-open scan: the scanner resets on the SYN-ACK */
            rst_seg(f, 0, 0, O_CLI_ABORT);
            f->active = 0;
            return;
        }
        seg_data(f, 0, NULL, 0, F_ACK);
        f->state = f->kind == K_SSH ? ST_SBANNER : ST_DATA;
        return;
    case ST_SBANNER: {
        const Sw *sw = &servers[f->s->sw];
        int n = snprintf((char *)f->buf, sizeof f->buf, "%s\r\n", sw->banner);
        queue(f, 1, (uint32_t)n);
        f->state = ST_CBANNER;
        break;
    }
    case ST_CBANNER: {
        if (f->scen == SC_SCAN_BANNER && f->variant == 1) { /* banner read: ACK, FIN */
            seg_data(f, 0, NULL, 0, F_ACK);
            f->closer = 0;
            f->state = ST_FIN1;
            return;
        }
        if (f->scen == SC_SCAN_BANNER && f->variant == 2) { /* banner read: RST */
            rst_seg(f, 0, 1, O_CLI_ABORT);
            f->active = 0;
            return;
        }
        const Sw *sw = &clients[f->c->sw];
        int n = snprintf((char *)f->buf, sizeof f->buf, "%s\r\n", sw->banner);
        queue(f, 0, (uint32_t)n);
        if (f->outcome == O_BANNER_ONLY) { f->closer = 0; f->state = ST_FIN1; }
        else f->state = ST_SKEX;
        break;
    }
    case ST_SKEX:
        queue(f, 1, build_kexinit(f->buf, &servers[f->s->sw]));
        st_kexinit++;
        f->state = ST_CKEX;
        break;
    case ST_CKEX:
        queue(f, 0, build_kexinit(f->buf, &clients[f->c->sw]));
        st_kexinit++;
        f->state = ST_ECDH;
        break;
    case ST_ECDH:
        queue(f, 0, build_ecdh_init(f->buf));
        f->state = ST_REPLY;
        break;
    case ST_REPLY:
        queue(f, 1, build_ecdh_reply(f->buf, f->s));
        f->state = ST_CNEWKEYS;
        break;
    case ST_CNEWKEYS: {
        uint8_t nk = 21;
        queue(f, 0, ssh_pkt(f->buf, &nk, 1));
        f->state = f->scen ? ST_AUTH : ST_DATA;
        break;
    }
    case ST_AUTH: {
        /* Encrypted request / answer pairs: service request, userauth
         * none / password / publickey and their failures or success,
         * channel open, pty, shell or exec; delayed pure ACKs. */
        if (f->owed == 0) { seg_data(f, 0, NULL, 0, F_ACK); f->owed = -1; return; }
        if (f->auth_left == 0) {
            if (f->scen == SC_FAIL) {
                if (f->end_kind == 0) { rst_seg(f, 1, 1, O_SRV_ABORT); f->active = 0; return; }
                f->closer = f->end_kind == 1 ? 1 : 0;
                f->state = ST_BYE;
            } else if (f->scen == SC_BULK) f->state = ST_BULK;
            else f->state = ST_DATA;
            flow_step(f);
            return;
        }
        int dir = f->auth_dir;
        enc_small(f, dir, dir == 0 ? 32 + 16 * rndu(5) : 16 + 16 * rndu(2));
        f->auth_dir = !dir;
        f->auth_left--;
        if (dir == 1 && pm(400)) f->owed = 0;
        return;
    }
    case ST_BYE: /* SSH_MSG_DISCONNECT (or channel close) from the closer, then its FIN */
        enc_small(f, f->closer, 32 + 16 * rndu(3));
        f->state = ST_FIN1;
        return;
    case ST_BULK: {
        /* scp: full-sized encrypted segments one way, a delayed pure ACK
         * for every second one the other way. */
        if (f->unacked >= 2) { seg_data(f, !f->bulkdir, NULL, 0, F_ACK); f->unacked = 0; return; }
        if (f->data_left == f->abort_at && f->outcome == O_CLI_ABORT) { rst_seg(f, 0, 1, O_CLI_ABORT); f->active = 0; return; }
        if (f->data_left == f->abort_at && f->outcome == O_SRV_ABORT) { rst_seg(f, 1, 1, O_SRV_ABORT); f->active = 0; return; }
        if (f->data_left == 0) { f->closer = 0; f->state = ST_BYE; flow_step(f); return; }
        uint32_t n = enc_segment(f, f->bulkdir);
        seg_data(f, f->bulkdir, f->buf, n, (uint8_t)(F_ACK | (pm(100) ? F_PSH : 0)));
        f->data_left--;
        f->unacked++;
        return;
    }
    case ST_DATA: {
        if (f->inject_left > 0) {
            /* Middlebox: spoofs side inject_dir; other TTL, IP ID 0, no options. */
            int d = f->inject_dir;
            const Host *h = d == 0 ? f->c : f->s;
            int ttl;
            do { ttl = (int)rndr(40, 250); } while (ttl >= h->ttl - 3 && ttl <= h->ttl + 3);
            int withack = pm(500);
            uint32_t seq = f->seq[d] + (f->inject_left > 1 ? (uint32_t)(f->inject_left - 1) * f->mss : 0);
            Seg g = {d, (uint8_t)(F_RST | (withack ? F_ACK : 0)), seq, f->seq[!d], (uint16_t)rndu(2) * 1024, ttl, 0,
                     pm(500), 0, NULL, 0, O_INJECT};
            emit_tcp(f, &g);
            f->inject_left--;
            return;
        }
        if (f->data_left == 0) {
            if (f->silent_end) { f->active = 0; return; } /* no close seen */
            f->state = ST_FIN1;
            flow_step(f);
            return;
        }
        if (f->data_left == f->abort_at && f->outcome != O_NORMAL && f->outcome != O_BANNER_ONLY) {
            if (f->outcome == O_SRV_ABORT) { rst_seg(f, 1, 1, O_SRV_ABORT); f->active = 0; return; }
            if (f->outcome == O_CLI_ABORT) { rst_seg(f, 0, pm(600), O_CLI_ABORT); f->active = 0; return; }
            if (f->outcome == O_INJECT) {
                f->outcome = O_NORMAL; /* once */
                f->inject_dir = pm(750) ? 1 : 0;
                f->inject_left = pm(300) ? (int)rndr(2, 3) : 1;
                f->force_dir = f->inject_dir;
                if (f->data_left > 8) f->data_left = rndr(2, 8);
                f->silent_end = pm(500);
                flow_step(f);
                return;
            }
        }
        if (f->owed >= 0 && f->force_dir < 0 && (f->unacked >= 2 || pm(350))) {
            seg_data(f, f->owed, NULL, 0, F_ACK);
            f->owed = -1; f->unacked = 0;
            return;
        }
        int dir;
        if (f->force_dir >= 0) { dir = f->force_dir; f->force_dir = -1; }
        else if (f->profile == P_BULK) dir = pm(900) ? f->bulkdir : !f->bulkdir;
        else dir = (int)rndu(2);
        uint32_t n = f->kind == K_SSH ? enc_segment(f, dir) : (f->profile == P_BULK && dir ? f->mss : rndr(40, 600));
        if (f->kind != K_SSH) rfill(f->buf, n);
        seg_data(f, dir, f->buf, n, F_ACK | F_PSH);
        f->data_left--;
        if (f->owed == dir) { f->owed = -1; f->unacked = 0; }
        if (f->owed != !dir) { f->owed = !dir; f->unacked = 0; }
        f->unacked++;
        return;
    }
    case ST_FIN1:
        seg_data(f, f->closer, NULL, 0, F_FIN | F_ACK);
        f->state = ST_FIN2;
        return;
    case ST_FIN2:
        seg_data(f, !f->closer, NULL, 0, F_FIN | F_ACK);
        f->state = ST_FIN3;
        return;
    case ST_FIN3:
        seg_data(f, f->closer, NULL, 0, F_ACK);
        f->active = 0;
        return;
    }
    send_chunk(f);
}

/* --------------------------------------------------------- background */
static Flow tls[256];

static const char *dns_names[] = {"www.example.com", "api.github.com", "archive.ubuntu.com", "deb.debian.org",
                                  "time.cloudflare.com", "pool.ntp.org", "updates.example.net", "mail.example.org"};

static void emit_udp(const Host *a, const Host *b, const Host *tag, uint16_t sp, uint16_t dp, const uint8_t *pl,
                     uint32_t n, int a_is_remote) {
    int v6 = a->v6;
    uint32_t o = put_eth(pkt, a_is_remote ? tag->mac : router_mac, a_is_remote ? router_mac : tag->mac, tag, v6);
    static uint16_t id = 1;
    o = put_ip(pkt, o, a->ip, b->ip, v6, 17, 8 + n, a->ttl, id++, 0, 0);
    uint8_t *u = pkt + o;
    put16(u, sp); put16(u + 2, dp); put16(u + 4, (uint16_t)(8 + n)); u[6] = u[7] = 0;
    memcpy(u + 8, pl, n);
    uint16_t c = csum_fold(csum_add(l4_pseudo(a->ip, b->ip, v6, 17, 8 + n), u, 8 + n));
    put16(u + 6, c ? c : 0xffff);
    write_rec(pkt, o + 8 + n);
}

static void emit_icmp(const Host *a, const Host *b, const Host *tag, int reply, uint16_t ident, uint16_t sq, int a_remote) {
    int v6 = a->v6;
    uint8_t body[64];
    body[0] = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
    body[1] = 0; body[2] = body[3] = 0;
    put16(body + 4, ident); put16(body + 6, sq);
    for (int i = 8; i < 64; i++) body[i] = (uint8_t)(i - 8 + 0x10);
    uint32_t o = put_eth(pkt, a_remote ? tag->mac : router_mac, a_remote ? router_mac : tag->mac, tag, v6);
    static uint16_t id = 7;
    o = put_ip(pkt, o, a->ip, b->ip, v6, v6 ? 58 : 1, 64, a->ttl, id++, 1, 0);
    uint32_t s = v6 ? l4_pseudo(a->ip, b->ip, 1, 58, 64) : 0;
    put16(body + 2, csum_fold(csum_add(s, body, 64)));
    memcpy(pkt + o, body, 64);
    write_rec(pkt, o + 64);
}

static void bg_step(void) {
    static int dns_pending, icmp_pending;
    static const Host *dc, *ic, *it;
    static uint16_t dport, did, iid, isq;
    static uint8_t q[300];
    static uint32_t qn;
    st_bg++;
    uint32_t r = rndu(100);
    if (dns_pending || (!icmp_pending && r < 35)) {
        const Host *res;
        if (!dns_pending) {
            dc = pm(200) ? &cli6[rndu(NCLI6)] : &cli4[rndu(NCLI4)];
            res = dc->v6 ? &dns6 : &dns4;
            dport = (uint16_t)rndr(1024, 65535); did = (uint16_t)rnd();
            uint32_t n = 0;
            put16(q, did); put16(q + 2, 0x0100); put16(q + 4, 1); put16(q + 6, 0); put16(q + 8, 0); put16(q + 10, 0);
            n = 12;
            const char *name = dns_names[rndu(8)];
            if (pm(300)) { /* random-looking subdomain */
                q[n++] = 8;
                for (int i = 0; i < 8; i++) q[n++] = "0123456789abcdef"[rndu(16)];
            }
            const char *s = name;
            while (*s) {
                const char *dot = strchr(s, '.');
                uint32_t l = dot ? (uint32_t)(dot - s) : (uint32_t)strlen(s);
                q[n++] = (uint8_t)l; memcpy(q + n, s, l); n += l;
                s += l + (dot ? 1 : 0);
            }
            q[n++] = 0;
            put16(q + n, dc->v6 ? 28 : 1); put16(q + n + 2, 1); n += 4;
            qn = n;
            emit_udp(dc, res, res, dport, 53, q, n, 1);
            dns_pending = 1;
        } else {
            uint8_t a[400];
            memcpy(a, q, qn);
            put16(a + 2, 0x8180); put16(a + 6, 1);
            uint32_t n = qn;
            put16(a + n, 0xc00c); put16(a + n + 2, dc->v6 ? 28 : 1); put16(a + n + 4, 1);
            put32(a + n + 6, rndr(30, 3600));
            uint32_t rl = dc->v6 ? 16 : 4;
            put16(a + n + 10, (uint16_t)rl); rfill(a + n + 12, rl); n += 12 + rl;
            res = dc->v6 ? &dns6 : &dns4;
            emit_udp(res, dc, res, 53, dport, a, n, 0);
            dns_pending = 0;
        }
        return;
    }
    if (icmp_pending || r < 45) {
        if (!icmp_pending) {
            ic = pm(250) ? &cli6[rndu(NCLI6)] : &cli4[rndu(NCLI4)];
            it = ic->v6 ? &srv6[rndu(NSRV6)] : &srv4[rndu(NSRV4)];
            iid = (uint16_t)rnd(); isq = (uint16_t)rndu(100);
            emit_icmp(ic, it, it, 0, iid, isq, 1);
            icmp_pending = 1;
        } else {
            emit_icmp(it, ic, it, 1, iid, isq, 0);
            icmp_pending = 0;
        }
        return;
    }
    Flow *f = &tls[rndu(256)];
    if (!f->active) flow_init(f, K_TLS);
    flow_step(f);
}

/* --------------------------------------------------------------- flood */
static void flood_syn(uint64_t i, int *pend_n, uint8_t pend[][128], uint32_t *pend_len) {
    /* Distinct sources: bijective scramble of the counter (odd multiply + xor-shift are bijections). */
    uint32_t x = (uint32_t)i * 2654435761u;
    x ^= x >> 15;
    x *= 2246822519u;
    x ^= x >> 13;
    Host src = {0}, *dst;
    int v6 = pm(100);
    if (v6) {
        src.v6 = 1;
        src.ip[0] = 0x2a; src.ip[1] = 0x0b;
        rfill(src.ip + 2, 10);
        put32(src.ip + 12, x);
        dst = &srv6[rndu(NSRV6)];
    } else {
        put32(src.ip, x);
        if (src.ip[0] == 0 || src.ip[0] == 127 || src.ip[0] >= 224) src.ip[0] ^= 0x40;
        dst = &srv4[rndu(NSRV4)];
    }
    src.ttl = (uint8_t)rndr(40, 250);
    Flow f;
    memset(&f, 0, offsetof(Flow, buf));
    f.c = &src; f.s = dst;
    f.port[0] = (uint16_t)rndr(1024, 65535); f.port[1] = 22;
    f.seq[0] = (uint32_t)rnd(); f.seq[1] = (uint32_t)rnd();
    f.ipid[0] = pm(500) ? 0 : (uint16_t)rnd(); f.ipid[1] = 0;
    f.wscale[0] = 7; f.wscale[1] = 7;
    f.flowlabel = (uint32_t)rnd();
    src.ts = pm(500);
    f.ts = src.ts;
    int style = (int)rndu(3);
    if (style == 0) { /* masscan/zmap style: bare SYN, tiny window */
        Seg g = {0, F_SYN, f.seq[0], 0, 1024, -1, -1, 0, 0, NULL, 0, 0};
        emit_tcp(&f, &g);
    } else {
        Seg g = {0, F_SYN, f.seq[0], 0, 64240, -1, -1, 1, 2, NULL, 0, 0};
        emit_tcp(&f, &g);
    }
    st_syn_flood++;
    if (pm(300) && *pend_n < 64) {
        /* SYN-ACK, emitted a few packets later */
        Seg g = {1, F_SYN | F_ACK, f.seq[1], f.seq[0] + 1, 65160, -1, 0, 1, 2, NULL, 0, 0};
        render_only = 1;
        emit_tcp(&f, &g); /* rendered into pkt, written later */
        render_only = 0;
        memcpy(pend[*pend_n], pkt, rendered_len);
        pend_len[*pend_n] = rendered_len;
        (*pend_n)++;
    }
}

/* ---------------------------------------------------------------- main */
static uint64_t parse_size(const char *s) {
    char *e;
    double v = strtod(s, &e);
    switch (*e) {
    case 'k': case 'K': v *= 1e3; break;
    case 'm': case 'M': v *= 1e6; break;
    case 'g': case 'G': v *= 1e9; break;
    }
    return (uint64_t)v;
}

static void usage(void) {
    fprintf(stderr,
            "usage: gen -o OUT.pcap [--size BYTES[k|M|G]] [--packets N] [--concurrency N]\n"
            "           [--synflood N | --profile short|bulk] [--seed S] [--nsec] [--bg PERMILLE]\n"
            "           [--gap-ns NS] [--stats FILE]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *outp = NULL, *statsp = NULL;
    uint64_t size = 0, packets = 0, synflood = 0, seed = 1;
    uint32_t conc = 2000, bg = 200;
    int conc_set = 0, bg_set = 0, gap_set = 0;
    static struct option lo[] = {{"output", 1, 0, 'o'}, {"size", 1, 0, 's'}, {"packets", 1, 0, 'n'},
                                 {"concurrency", 1, 0, 'c'}, {"synflood", 1, 0, 'f'}, {"seed", 1, 0, 'S'},
                                 {"nsec", 0, 0, 'N'}, {"bg", 1, 0, 'b'}, {"gap-ns", 1, 0, 'g'},
                                 {"stats", 1, 0, 'j'}, {"profile", 1, 0, 'P'}, {"help", 0, 0, 'h'},
                                 {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "o:s:n:c:f:S:Nb:g:j:P:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'o': outp = optarg; break;
        case 's': size = parse_size(optarg); break;
        case 'n': packets = parse_size(optarg); break;
        case 'c': conc = (uint32_t)atoi(optarg); conc_set = 1; break;
        case 'f': synflood = parse_size(optarg); break;
        case 'S': seed = strtoull(optarg, NULL, 0); break;
        case 'N': nsec_mode = 1; break;
        case 'b': bg = (uint32_t)atoi(optarg); bg_set = 1; break;
        case 'g': gap_ns = strtoull(optarg, NULL, 0); gap_set = 1; break;
        case 'P':
            if (strcmp(optarg, "short") == 0) gen_profile = PROF_SHORT;
            else if (strcmp(optarg, "bulk") == 0) gen_profile = PROF_BULK;
            else if (strcmp(optarg, "default") == 0) gen_profile = PROF_DEFAULT;
            else usage();
            break;
        case 'j': statsp = optarg; break;
        default: usage();
        }
    }
    if (gen_profile == PROF_SHORT) { /* a busy Internet-facing sshd: ~50 connections/s, 200 in flight */
        if (!conc_set) conc = 200;
        if (!gap_set) gap_ns = 1000000;
    } else if (gen_profile == PROF_BULK) { /* a few scp transfers at a time, little else */
        if (!conc_set) conc = 8;
        if (!bg_set) bg = 50;
    }
    if (!outp || conc == 0 || bg > 1000 || (synflood && gen_profile)) usage();
    if (!size && !packets && !synflood) size = 100000000;
    rs ^= seed * 0xD1B54A32D192ED03ULL;
    if (!rs) rs = 1;
    for (int i = 0; i < 16; i++) rnd();

    out = strcmp(outp, "-") == 0 ? stdout : fopen(outp, "wb");
    if (!out) { perror(outp); return 1; }
    obuf = malloc(OBUF);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    uint32_t gh[6] = {nsec_mode ? 0xa1b23c4du : 0xa1b2c3d4u, 2u | (4u << 16), 0, 0, 65535, 1};
    owrite(gh, 24);

    for (int i = 0; i < NSRV4; i++) { host_init(&srv4[i], 0, 1); srv4[i].sw = (int)rndu(NSERVERS); }
    for (int i = 0; i < NSRV6; i++) { host_init(&srv6[i], 1, 1); srv6[i].sw = (int)rndu(NSERVERS); }
    for (int i = 0; i < NCLI4; i++) host_init(&cli4[i], 0, 0);
    for (int i = 0; i < NCLI6; i++) host_init(&cli6[i], 1, 0);
    for (int i = 0; i < NCLI4 + NCLI6; i++) {
        Host *h = i < NCLI4 ? &cli4[i] : &cli6[i - NCLI4];
        uint32_t r = rndu(100), acc = 0;
        h->sw = 0;
        for (int k = 0; k < (int)(sizeof client_weight / sizeof client_weight[0]); k++) {
            acc += client_weight[k];
            if (r < acc) { h->sw = k; break; }
        }
        if (h->sw == 7 || h->sw == 3) { h->ttl = 128 - rndr(2, 20); h->ts = 0; } /* Windows clients */
    }
    init_xport();
    for (int i = 0; i < 32; i++) host_init(&web4[i], 0, 1);
    for (int i = 0; i < 8; i++) host_init(&web6[i], 1, 1);
    host_init(&dns4, 0, 1); host_init(&dns6, 1, 1);
    dns4.encap = 1; dns4.vo = 10; dns6.encap = 1; dns6.vo = 10;

    if (synflood) {
        conc = conc > 50 ? 50 : conc;
        Flow *fl = calloc(conc, sizeof(Flow));
        static uint8_t pend[64][128];
        static uint32_t pend_len[64];
        int pend_n = 0;
        for (uint64_t i = 0; i < synflood;) {
            uint32_t r = rndu(1000);
            if (r < 20) {
                Flow *f = &fl[rndu(conc)];
                if (!f->active) flow_init(f, K_SSH);
                flow_step(f);
            } else if (pend_n > 0 && r < 300) {
                int k = (int)rndu((uint32_t)pend_n);
                write_rec(pend[k], pend_len[k]);
                st_synack_flood++;
                memmove(pend[k], pend[pend_n - 1], pend_len[pend_n - 1]);
                pend_len[k] = pend_len[pend_n - 1];
                pend_n--;
            } else {
                flood_syn(i++, &pend_n, pend, pend_len);
            }
        }
        while (pend_n > 0) { pend_n--; write_rec(pend[pend_n], pend_len[pend_n]); st_synack_flood++; }
    } else {
        Flow *fl = calloc(conc, sizeof(Flow));
        if (gen_profile) atk = calloc(NATK, sizeof(Attacker));
        if (!fl || (gen_profile && !atk)) { perror("calloc"); return 1; }
        for (;;) {
            if (size && n_bytes >= size) break;
            if (packets && n_pkts >= packets) break;
            if (pm(bg)) bg_step();
            else {
                Flow *f = &fl[rndu(conc)];
                if (gen_profile) {
                    if (!f->active) flow_init_prof(f);
                    if (f->wake_ns > now_ns) { now_ns += gap_ns; continue; } /* waiting: time passes */
                } else if (!f->active) {
                    flow_init(f, K_SSH);
                }
                flow_step(f);
            }
        }
    }
    oflush();
    if (out != stdout && fclose(out) != 0) { perror("close"); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    char js[2048];
    int n = snprintf(js, sizeof js,
                     "{\"packets\":%llu,\"bytes\":%llu,\"seed\":%llu,\"ssh_flows\":%llu,\"ssh_flows_v6\":%llu,"
                     "\"tls_flows\":%llu,\"background_packets\":%llu,\"kexinits\":%llu,\"rst_port22\":%llu,"
                     "\"rst_other_ports\":%llu,\"synflood_syns\":%llu,\"synflood_synacks\":%llu,\"seconds\":%.2f",
                     (unsigned long long)n_pkts, (unsigned long long)n_bytes, (unsigned long long)seed,
                     (unsigned long long)st_flows[K_SSH], (unsigned long long)st_v6_flows,
                     (unsigned long long)st_flows[K_TLS], (unsigned long long)st_bg, (unsigned long long)st_kexinit,
                     (unsigned long long)st_rst22, (unsigned long long)st_rst_other,
                     (unsigned long long)st_syn_flood, (unsigned long long)st_synack_flood, secs);
    if (gen_profile) {
        n += snprintf(js + n, sizeof js - n, ",\"profile\":\"%s\",\"ssh_packets\":%llu,\"packets_per_ssh_flow\":%.1f",
                      gen_profile == PROF_SHORT ? "short" : "bulk", (unsigned long long)st_pkt22,
                      st_flows[K_SSH] ? (double)st_pkt22 / (double)st_flows[K_SSH] : 0.0);
        n += snprintf(js + n, sizeof js - n, ",\"scenarios\":{");
        for (int i = 1, first = 1; i < SC__N; i++) {
            if ((gen_profile == PROF_BULK) != (i == SC_BULK)) continue;
            n += snprintf(js + n, sizeof js - n, "%s\"%s\":%llu", first ? "" : ",", scen_name[i], (unsigned long long)st_scen[i]);
            first = 0;
        }
        n += snprintf(js + n, sizeof js - n, "},\"rst_packets_port22\":{");
        for (int i = 1, first = 1; i < SC__N; i++) {
            if ((gen_profile == PROF_BULK) != (i == SC_BULK)) continue;
            n += snprintf(js + n, sizeof js - n, "%s\"%s\":%llu", first ? "" : ",", scen_name[i], (unsigned long long)st_scen_rst[i]);
            first = 0;
        }
        n += snprintf(js + n, sizeof js - n, "}}\n");
        goto done;
    }
    n += snprintf(js + n, sizeof js - n, ",\"flow_outcomes\":{");
    for (int i = 0; i < O__N; i++)
        n += snprintf(js + n, sizeof js - n, "%s\"%s\":%llu", i ? "," : "", outcome_name[i], (unsigned long long)st_outcome[i]);
    n += snprintf(js + n, sizeof js - n, "},\"rst_packets_port22\":{");
    for (int i = 0, first = 1; i < O__N; i++) {
        if (i == O_NORMAL || i == O_BANNER_ONLY) continue;
        n += snprintf(js + n, sizeof js - n, "%s\"%s\":%llu", first ? "" : ",", outcome_name[i], (unsigned long long)st_rst_kind[i]);
        first = 0;
    }
    n += snprintf(js + n, sizeof js - n, "}}\n");
done:
    fputs(js, stderr);
    if (statsp) {
        FILE *s = fopen(statsp, "w");
        if (s) { fputs(js, s); fclose(s); }
    }
    return 0;
}
