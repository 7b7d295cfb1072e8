// CPcap: the only C header sshrst includes for libpcap. libpcap >= 1.5 (pcap_create,
// pcap_set_immediate_mode, pcap_open_offline_with_tstamp_precision).
#include <pcap/pcap.h>
#include <stdint.h>

#if defined(__linux__)
// glibc's fopencookie(3) declares itself only under _GNU_SOURCE, which Swift's Glibc module is
// built without. It gives libpcap (pcap_fopen_offline_with_tstamp_precision) a FILE* whose reads
// come from a decompressor or from standard input after its first bytes were looked at. The
// struct has glibc's cookie_io_functions_t layout: four function pointers (read, write, seek, close);
// seek takes an off64_t*, int64_t here. This shim can go when Swift's Glibc module exports it.
typedef struct {
    ssize_t (*read)(void *cookie, char *buffer, size_t size);
    ssize_t (*write)(void *cookie, const char *buffer, size_t size);
    int (*seek)(void *cookie, int64_t *offset, int whence);
    int (*close)(void *cookie);
} sshrst_cookie_io_functions_t;

FILE *fopencookie(void *cookie, const char *mode, sshrst_cookie_io_functions_t io_funcs);
#endif
