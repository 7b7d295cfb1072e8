// CPcap: the only C header sshrst includes. libpcap >= 1.5 (pcap_create,
// pcap_set_immediate_mode, pcap_open_offline_with_tstamp_precision).
#include <pcap/pcap.h>
