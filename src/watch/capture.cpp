#include "watch/capture.h"

#include <pcap/pcap.h>

#include <memory>

#include "watch/frame.h"

namespace ntpsweep::watch {
namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};

bool ReadCaptureFile(const std::string& path, ClientTable& table, LoopObserver* observer,
                     CaptureCounters* counters, std::string* error,
                     std::vector<std::string>* notices) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, PcapCloser> pcap(
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!pcap) {
    *error = path + ": " + errbuf;
    return false;
  }
  const int dlt = pcap_datalink(pcap.get());
  if (!LinkTypeSupported(dlt)) {
    const char* name = pcap_datalink_val_to_name(dlt);
    *error = path + ": link type " + (name ? name : std::to_string(dlt)) +
             " is not read (Ethernet, Linux cooked SLL/SLL2, raw IP and loopback are)";
    return false;
  }
  uint64_t frames_here = 0;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(pcap.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      notices->push_back(path + ": damaged after " + std::to_string(frames_here) +
                         " frames, the rest is not read: " + pcap_geterr(pcap.get()));
      break;
    }
    ++frames_here;
    ++counters->frames;
    const SysTime when{std::chrono::seconds(header->ts.tv_sec) +
                       std::chrono::nanoseconds(header->ts.tv_usec)};  // nanoseconds (precision)
    UdpFrame frame;
    std::string_view reason;
    switch (DecodeFrame(dlt, {data, header->caplen}, &frame, &reason)) {
      case FrameKind::kOther:
        ++counters->other;
        continue;
      case FrameKind::kFragment:
        ++counters->fragments;
        continue;
      case FrameKind::kMalformed:
        ++counters->damaged_headers;
        continue;
      case FrameKind::kNtp:
        break;
    }
    ++counters->ntp;
    if (!counters->any_time || when < counters->first) counters->first = when;
    if (!counters->any_time || when > counters->last) counters->last = when;
    counters->any_time = true;
    std::span<const uint8_t> payload = frame.payload;
    if (frame.cut_short) {
      // The snap length kept part of it: the 48-byte header is enough to know the client.
      if (payload.size() < 48) {
        table.CountMalformed("cut short by the capture's snap length");
        continue;
      }
      payload = payload.first(48);
    }
    ClientTable::Observation o = table.Observe(when, frame.from, frame.to, payload);
    if (observer && o.new_client) observer->NewClient(*o.client, o.packet, when);
    if (observer && o.limit_reached_now) observer->ClientLimitReached(table.max_clients());
  }
  return true;
}

constexpr CaptureReader kReader = {CaptureReaderStamp(NTPSWEEP_VERSION), ReadCaptureFile};

}  // namespace
}  // namespace ntpsweep::watch

extern "C" const ntpsweep::watch::CaptureReader* ntpsweep_capture_reader() {
  return &ntpsweep::watch::kReader;
}
