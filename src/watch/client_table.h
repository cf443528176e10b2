// One record per client address, from (time, sender, receiver, bytes). Pure: no sockets, no
// clock; the listener and the capture reader feed it the same way, and tests feed it directly.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "watch/clock.h"
#include "watch/endpoint.h"
#include "watch/ntp_packet.h"

namespace ntpsweep::watch {

struct ClientRecord {
  Endpoint address;  // port: the last one seen
  SysTime first_seen{};
  SysTime last_seen{};
  uint64_t requests = 0;
  uint8_t modes = 0;            // bit per mode seen
  uint8_t versions = 0;         // bit per version seen
  std::vector<uint16_t> ports;  // distinct source ports, first kMaxPorts
  bool more_ports = false;
  std::vector<Endpoint> to;  // distinct local addresses it asked, first kMaxPorts
  std::map<std::string, uint64_t, std::less<>> implementations;  // guess id -> requests
  std::string basis;  // of the latest request whose guess is the record's implementation
  bool nts = false;
  uint64_t kod_sent = 0;
  NtpPacket last;  // the latest request
  SysTime last_received{};

  static constexpr size_t kMaxPorts = 16;
  // The guess with the most requests (ties: alphabetical).
  std::string_view Implementation() const;
};

struct TableCounters {
  uint64_t datagrams = 0;
  uint64_t requests = 0;  // from clients, tracked or not
  uint64_t replies = 0;   // server replies and broadcasts (in captures)
  uint64_t malformed = 0;
  uint64_t other_destination = 0;  // requests to an address outside --server
  uint64_t untracked = 0;          // requests from new addresses once the table was full
  uint64_t kod_sent = 0;
  uint64_t kod_failed = 0;
};

class ClientTable {
 public:
  // `max_clients`: addresses tracked at most; requests from further addresses are counted only.
  // `servers`: when not empty, only requests sent to one of these addresses count.
  explicit ClientTable(size_t max_clients, std::vector<Endpoint> servers = {});

  struct Observation {
    NtpPacket packet;
    bool request = false;            // a client's request that counts (passed --server)
    ClientRecord* client = nullptr;  // the record the request went to (null: not a tracked request)
    bool new_client = false;
    bool limit_reached_now = false;  // this request was the first one the limit turned away
  };
  Observation Observe(SysTime when, const Endpoint& from, const Endpoint& to,
                      std::span<const uint8_t> bytes);
  // A note that a malformed datagram never reached NTP decoding (e.g. cut short by a capture).
  void CountMalformed(std::string_view reason);
  void CountKod(ClientRecord* client, bool sent);

  const TableCounters& counters() const { return counters_; }
  const std::map<std::string, uint64_t, std::less<>>& malformed_reasons() const {
    return malformed_reasons_;
  }
  // In address order.
  std::vector<const ClientRecord*> Clients() const;
  size_t size() const { return clients_.size(); }
  size_t max_clients() const { return max_clients_; }
  bool limit_reached() const { return counters_.untracked > 0; }

 private:
  size_t max_clients_;
  std::vector<Endpoint> servers_;
  std::map<std::array<uint8_t, 17>, ClientRecord> clients_;
  TableCounters counters_;
  std::map<std::string, uint64_t, std::less<>> malformed_reasons_;
};

}  // namespace ntpsweep::watch
