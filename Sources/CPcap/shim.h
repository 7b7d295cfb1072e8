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

#ifdef __linux__
// Keeping the capture capabilities across the switch to an unprivileged user
// (`sshrst capture --reopen` run as root): a capture reopened after its
// interface came back needs CAP_NET_RAW again. prctl(2) is variadic and
// capset(2) has no libc wrapper, so neither is callable from Swift directly;
// these two shims exist for that alone.
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// prctl(PR_SET_KEEPCAPS, 1): the permitted set survives setuid() to non-root.
static inline int sshrst_keep_capabilities(void) { return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0); }

/// capset(2): CAP_NET_RAW and CAP_NET_ADMIN only, permitted and effective
/// (everything else, and the inheritable set, cleared).
static inline int sshrst_limit_to_capture_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    data[0].permitted = (1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN);
    data[0].effective = data[0].permitted;
    return (int)syscall(SYS_capset, &header, data);
}
#endif

// A prefetch hint (no fault, no effect on results): the classic-pcap reader asks for the record after next
// while the current one is analysed, so a mapped file's headers are in the cache when their turn comes.
// Swift has no prefetch of its own.
static inline void sshrst_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
