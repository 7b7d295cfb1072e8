// CPcap: the only C header sshrst includes. libpcap >= 1.5 (pcap_create,
// pcap_set_immediate_mode, pcap_open_offline_with_tstamp_precision).
#include <pcap/pcap.h>

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
