// CZstd: libzstd (Debian libzstd-dev) for zstd-compressed captures (.pcap.zst).
#include <zstd.h>
