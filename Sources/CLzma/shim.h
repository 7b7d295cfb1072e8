// CLzma: liblzma (Debian liblzma-dev) for xz-compressed captures (.pcap.xz).
#include <lzma.h>

// LZMA_CONCATENATED is a UINT32_C() macro, which Swift does not import: decode
// every concatenated .xz stream (`cat a.xz b.xz`), as xz -d does.
static const uint32_t sshrst_lzma_concatenated = LZMA_CONCATENATED;
