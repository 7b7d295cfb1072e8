// CZlib: zlib (Debian zlib1g-dev) for gzip-compressed captures (.pcap.gz, tcpdump -z gzip).
#include <zlib.h>
