#include "watch/client_table.h"

#include <algorithm>

#include "watch/implementation.h"

namespace ntpsweep::watch {

std::string_view ClientRecord::Implementation() const {
  std::string_view best = "unknown";
  uint64_t most = 0;
  for (const auto& [id, n] : implementations)
    if (n > most) {
      best = id;
      most = n;
    }
  return best;
}

ClientTable::ClientTable(size_t max_clients, std::vector<Endpoint> servers)
    : max_clients_(max_clients), servers_(std::move(servers)) {}

void ClientTable::CountMalformed(std::string_view reason) {
  ++counters_.datagrams;
  ++counters_.malformed;
  auto it = malformed_reasons_.find(reason);
  if (it == malformed_reasons_.end()) it = malformed_reasons_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void ClientTable::CountKod(ClientRecord* client, bool sent) {
  if (!sent) {
    ++counters_.kod_failed;
    return;
  }
  ++counters_.kod_sent;
  if (client) ++client->kod_sent;
}

ClientTable::Observation ClientTable::Observe(SysTime when, const Endpoint& from_raw,
                                              const Endpoint& to_raw,
                                              std::span<const uint8_t> bytes) {
  Observation o;
  const Endpoint from = from_raw.Unmapped();
  const Endpoint to = to_raw.Unmapped();
  o.packet = DecodeNtp(bytes, from.port);
  const NtpPacket& p = o.packet;
  if (p.kind == PacketKind::kMalformed) {
    CountMalformed(p.problem);
    return o;
  }
  ++counters_.datagrams;
  if (p.kind == PacketKind::kReply) {
    ++counters_.replies;
    return o;
  }
  if (!servers_.empty() && std::none_of(servers_.begin(), servers_.end(),
                                        [&](const Endpoint& s) { return s.SameAddress(to); })) {
    ++counters_.other_destination;
    return o;
  }
  ++counters_.requests;
  o.request = true;
  auto key = from.Key();
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    if (clients_.size() >= max_clients_) {
      o.limit_reached_now = counters_.untracked == 0;
      ++counters_.untracked;
      return o;
    }
    it = clients_.emplace(key, ClientRecord{}).first;
    it->second.address = from;
    it->second.first_seen = when;
    o.new_client = true;
  }
  ClientRecord& c = it->second;
  c.address.port = from.port;
  c.last_seen = std::max(c.last_seen, when);
  c.first_seen = std::min(c.first_seen, when);
  ++c.requests;
  c.modes |= static_cast<uint8_t>(1u << p.mode);
  c.versions |= static_cast<uint8_t>(1u << p.version);
  if (std::find(c.ports.begin(), c.ports.end(), from.port) == c.ports.end()) {
    if (c.ports.size() < ClientRecord::kMaxPorts)
      c.ports.push_back(from.port);
    else
      c.more_ports = true;
  }
  if (c.to.size() < ClientRecord::kMaxPorts &&
      std::none_of(c.to.begin(), c.to.end(), [&](const Endpoint& e) { return e.SameAddress(to); }))
    c.to.push_back(to);
  ImplementationGuess guess = GuessImplementation(p, when);
  auto impl = c.implementations.find(guess.id);
  if (impl == c.implementations.end())
    impl = c.implementations.emplace(std::string(guess.id), 0).first;
  ++impl->second;
  if (c.Implementation() == guess.id) c.basis = std::move(guess.basis);
  c.nts = c.nts || p.nts;
  c.last = p;
  c.last_received = when;
  o.client = &c;
  return o;
}

std::vector<const ClientRecord*> ClientTable::Clients() const {
  std::vector<const ClientRecord*> out;
  out.reserve(clients_.size());
  for (const auto& [key, c] : clients_) out.push_back(&c);
  return out;
}

}  // namespace ntpsweep::watch
