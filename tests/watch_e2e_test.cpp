// `ntpsweep watch` end to end: captures written by the test (pcap and pcapng; Ethernet, VLAN,
// Linux cooked SLL2, raw IP; IPv4 and IPv6; decoys and damaged frames), and live listening on
// loopback driven by crafted packets and by real clients (chronyd -Q, ntpdig/sntp). Never any
// traffic off the machine; the watcher stops on --max-packets or a signal, never on a timer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ci_util.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Bytes = std::vector<uint8_t>;
using nlohmann::json;

void Append16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Append32(Bytes& b, uint32_t v) {
  Append16(b, static_cast<uint16_t>(v >> 16));
  Append16(b, static_cast<uint16_t>(v));
}
void AppendLe16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v));
  s.push_back(static_cast<char>(v >> 8));
}
void AppendLe32(std::string& s, uint32_t v) {
  AppendLe16(s, static_cast<uint16_t>(v));
  AppendLe16(s, static_cast<uint16_t>(v >> 16));
}
Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// --- NTP payloads, the shapes real clients send -------------------------------------------
constexpr uint32_t kNtpSeconds2026 = 1796398290u + 2208988800u;  // 2026-12-04T15:31:30Z

Bytes Sntp(uint32_t seconds = kNtpSeconds2026) {
  Bytes b(48, 0);
  b[0] = 0xe3;  // leap 3, v4, client
  b[40] = static_cast<uint8_t>(seconds >> 24);
  b[41] = static_cast<uint8_t>(seconds >> 16);
  b[42] = static_cast<uint8_t>(seconds >> 8);
  b[43] = static_cast<uint8_t>(seconds);
  return b;
}
Bytes Chrony() {
  Bytes b(48, 0);
  b[0] = 0x23;
  b[2] = 6;
  b[3] = 32;
  for (int i = 40; i < 48; ++i) b[i] = static_cast<uint8_t>(i * 37);
  return b;
}
Bytes Ntpd(uint8_t first_byte) {
  Bytes b = Sntp();
  b[0] = first_byte;
  b[1] = 3;
  b[2] = 10;
  b[3] = 0xe9;  // precision -23
  b[12] = 192, b[13] = 0, b[14] = 2, b[15] = 50;
  b[11] = 0x40;  // root dispersion
  return b;
}
Bytes ServerReply() {
  Bytes b = Ntpd(0x24);  // v4 mode 4
  b[1] = 2;
  return b;
}

// --- Frames -------------------------------------------------------------------------------
Bytes Udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes b;
  Append16(b, sport);
  Append16(b, dport);
  Append16(b, static_cast<uint16_t>(8 + payload.size()));
  Append16(b, 0);
  return Cat(b, payload);
}
Bytes Ipv4(const char* src, const char* dst, const Bytes& l4, uint16_t frag = 0,
           uint8_t proto = 17) {
  Bytes b = {0x45, 0};
  Append16(b, static_cast<uint16_t>(20 + l4.size()));
  Append16(b, 1);
  Append16(b, frag);
  b.push_back(64);
  b.push_back(proto);
  Append16(b, 0);
  uint8_t a[4];
  inet_pton(AF_INET, src, a);
  b.insert(b.end(), a, a + 4);
  inet_pton(AF_INET, dst, a);
  b.insert(b.end(), a, a + 4);
  return Cat(b, l4);
}
Bytes Ipv6(const char* src, const char* dst, const Bytes& l4, uint8_t next = 17) {
  Bytes b = {0x60, 0, 0, 0};
  Append16(b, static_cast<uint16_t>(l4.size()));
  b.push_back(next);
  b.push_back(64);
  uint8_t a[16];
  inet_pton(AF_INET6, src, a);
  b.insert(b.end(), a, a + 16);
  inet_pton(AF_INET6, dst, a);
  b.insert(b.end(), a, a + 16);
  return Cat(b, l4);
}
Bytes Ether(uint16_t type, const Bytes& payload, std::vector<uint16_t> vlans = {}) {
  Bytes b = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  for (uint16_t vid : vlans) {
    Append16(b, 0x8100);
    Append16(b, vid);
  }
  Append16(b, type);
  b = Cat(b, payload);
  if (b.size() < 60) b.resize(60, 0);  // Ethernet padding, which is not UDP payload
  return b;
}
Bytes Sll2(uint16_t type, const Bytes& payload) {
  Bytes b;
  Append16(b, type);
  Append16(b, 0);
  Append32(b, 2);  // interface index
  Append16(b, 1);  // ARPHRD_ETHER
  b.push_back(0);  // to us
  b.push_back(6);
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(i < 6 ? 0x02 : 0));
  return Cat(b, payload);
}

struct Frame {
  uint32_t seconds;  // Unix time
  uint32_t micros;
  Bytes bytes;
  uint32_t wire_length = 0;  // > bytes.size(): cut short by the snap length
};

void WritePcap(const std::string& path, uint32_t linktype, const std::vector<Frame>& frames) {
  std::string s;
  AppendLe32(s, 0xa1b2c3d4);
  AppendLe16(s, 2);
  AppendLe16(s, 4);
  AppendLe32(s, 0);
  AppendLe32(s, 0);
  AppendLe32(s, 65535);
  AppendLe32(s, linktype);
  for (const Frame& f : frames) {
    AppendLe32(s, f.seconds);
    AppendLe32(s, f.micros);
    AppendLe32(s, static_cast<uint32_t>(f.bytes.size()));
    AppendLe32(s, std::max<uint32_t>(f.wire_length, static_cast<uint32_t>(f.bytes.size())));
    s.append(f.bytes.begin(), f.bytes.end());
  }
  WriteWholeFile(path, s);
}

void WritePcapng(const std::string& path, uint16_t linktype, const std::vector<Frame>& frames) {
  std::string s;
  // Section header block.
  AppendLe32(s, 0x0a0d0d0a);
  AppendLe32(s, 28);
  AppendLe32(s, 0x1a2b3c4d);
  AppendLe16(s, 1);
  AppendLe16(s, 0);
  AppendLe32(s, 0xffffffff);
  AppendLe32(s, 0xffffffff);
  AppendLe32(s, 28);
  // Interface description block (microsecond timestamps by default).
  AppendLe32(s, 1);
  AppendLe32(s, 20);
  AppendLe16(s, linktype);
  AppendLe16(s, 0);
  AppendLe32(s, 65535);
  AppendLe32(s, 20);
  for (const Frame& f : frames) {
    size_t padded = (f.bytes.size() + 3) / 4 * 4;
    uint32_t len = static_cast<uint32_t>(32 + padded);
    uint64_t ts = uint64_t{f.seconds} * 1000000 + f.micros;
    AppendLe32(s, 6);
    AppendLe32(s, len);
    AppendLe32(s, 0);
    AppendLe32(s, static_cast<uint32_t>(ts >> 32));
    AppendLe32(s, static_cast<uint32_t>(ts));
    AppendLe32(s, static_cast<uint32_t>(f.bytes.size()));
    AppendLe32(s, std::max<uint32_t>(f.wire_length, static_cast<uint32_t>(f.bytes.size())));
    s.append(f.bytes.begin(), f.bytes.end());
    s.append(padded - f.bytes.size(), '\0');
    AppendLe32(s, len);
  }
  WriteWholeFile(path, s);
}

constexpr uint32_t kT = 1796398290;  // 2026-12-04T15:31:30Z

const json* ClientNamed(const json& report, const std::string& address) {
  for (const json& c : report["clients"])
    if (c["address"] == address) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("watch e2e: captures name the clients, not the server, and count every decoy",
          "[watch][e2e]") {
  TempDir dir;
  std::string payload_http = "GET / HTTP/1.1\r\nHost: old-ntp\r\n\r\n";
  Bytes http(payload_http.begin(), payload_http.end());
  Bytes cut = Ether(0x0800, Ipv4("198.51.100.9", "192.0.2.1", Udp(40001, 123, Sntp())));
  cut.resize(14 + 20 + 8 + 20);  // snap length kept 20 bytes of the NTP payload
  Bytes bad_ihl = Ether(0x0800, Ipv4("198.51.100.10", "192.0.2.1", Udp(40001, 123, Sntp())));
  bad_ihl[14] = 0x43;  // header length 12 bytes
  WritePcap(
      dir / "ether.pcap", 1,
      {
          {kT, 0, Ether(0x0800, Ipv4("10.0.0.7", "192.0.2.1", Udp(45000, 123, Chrony())))},
          {kT, 1500, Ether(0x0800, Ipv4("192.0.2.1", "10.0.0.7", Udp(123, 45000, ServerReply())))},
          // IPv6 in two stacked VLAN tags, an ntpd peer on port 123 in symmetric mode
          {kT + 5, 0,
           Ether(0x86dd, Ipv6("2001:db8::20", "2001:db8::1", Udp(123, 123, Ntpd(0x21))), {10, 20})},
          // decoys on port 123 and elsewhere
          {kT + 6, 0, Ether(0x0800, Ipv4("203.0.113.5", "192.0.2.1", Udp(51000, 123, http)))},
          {kT + 6, 1, Ether(0x0800, Ipv4("203.0.113.6", "192.0.2.1", Udp(51000, 53, Sntp())))},
          {kT + 6, 2, Ether(0x0800, Ipv4("203.0.113.7", "192.0.2.1", Sntp(), 0, 6))},
          {kT + 6, 3, Ether(0x0806, Bytes(28, 1))},
          {kT + 7, 0, cut, static_cast<uint32_t>(14 + 20 + 8 + 48)},
          {kT + 7, 1, bad_ihl},
          {kT + 7, 2, Ether(0x0800, Ipv4("203.0.113.8", "192.0.2.1", Udp(1, 123, Sntp()), 0x2000))},
          {kT + 7, 3, Bytes(9, 0)},  // shorter than an Ethernet header
      });
  WritePcapng(
      dir / "sll2.pcapng", 276,
      {
          {kT + 60, 250000,
           Sll2(0x0800, Ipv4("198.51.100.7", "192.0.2.1", Udp(50123, 123, Sntp())))},
          {kT + 120, 0, Sll2(0x0800, Ipv4("198.51.100.7", "192.0.2.1", Udp(50124, 123, Sntp())))},
          {kT + 121, 0,
           Sll2(0x86dd, Ipv6("2001:db8::30", "2001:db8::1",
                             Udp(40000, 123, Bytes{0x26, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})))},
      });
  WritePcap(
      dir / "raw.pcap", 101,
      {{kT + 200, 0, Ipv4("10.0.0.8", "192.0.2.1", Udp(33000, 123, Ntpd(0x1b)))}});  // v3 client

  RunResult r = RunNtpsweep({"watch", "--pcap", dir / "ether.pcap", dir / "sll2.pcapng",
                             dir / "raw.pcap", "--format", "json", "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  json report = json::parse(r.out);
  CHECK(report["source"] == "pcap");
  CHECK(report["stopped_by"] == "end-of-capture");
  CHECK(report["start"] == "2026-12-04T15:31:30.000000Z");
  CHECK(report["end"] == "2026-12-04T15:34:50.000000Z");
  std::vector<std::string> addresses;
  for (const json& c : report["clients"]) addresses.push_back(c["address"]);
  CHECK(addresses == std::vector<std::string>{"10.0.0.7", "10.0.0.8", "198.51.100.7",
                                              "2001:db8::20", "2001:db8::30"});
  const json& chrony = *ClientNamed(report, "10.0.0.7");
  CHECK(chrony["implementation"] == "chrony");
  CHECK(chrony["ports"] == json::array({45000}));
  CHECK(chrony["to"] == json::array({"192.0.2.1"}));
  CHECK(chrony["last_request"]["poll"] == 6);
  CHECK(chrony["last_request"]["precision"] == 32);
  const json& sntp = *ClientNamed(report, "198.51.100.7");
  CHECK(sntp["requests"] == 2);
  CHECK(sntp["first_seen"] == "2026-12-04T15:32:30.250000Z");
  CHECK(sntp["last_seen"] == "2026-12-04T15:33:30.000000Z");
  CHECK(sntp["ports"] == json::array({50123, 50124}));
  CHECK(sntp["implementation"] == "sntp");
  CHECK(sntp["last_request"]["leap"] == 3);
  CHECK(sntp["last_request"]["transmit_time"] == "2026-12-04T15:31:30.000000Z");
  const json& peer = *ClientNamed(report, "2001:db8::20");
  CHECK(peer["modes"] == json::array({1}));
  CHECK(peer["implementation"] == "ntpd-like");
  CHECK(peer["last_request"]["reference_id"] == "192.0.2.50");
  CHECK((*ClientNamed(report, "2001:db8::30"))["implementation"] == "ntpq");
  CHECK((*ClientNamed(report, "10.0.0.8"))["versions"] == json::array({3}));

  CHECK(report["packets"]["requests"] == 6);
  CHECK(report["packets"]["replies"] == 1);
  CHECK(report["packets"]["malformed"] == 2);
  CHECK(report["malformed"]["version 0"] == 1);  // the HTTP decoy on port 123
  CHECK(report["malformed"]["cut short by the capture's snap length"] == 1);
  CHECK(report["frames"]["frames"] == 15);
  CHECK(report["frames"]["other"] == 3);  // DNS port, TCP, ARP
  CHECK(report["frames"]["fragments"] == 1);
  CHECK(report["frames"]["damaged_headers"] == 2);

  // The text summary says the same, and --server narrows it to one address of the server.
  RunResult text = RunNtpsweep({"watch", "--pcap", dir / "ether.pcap", "-q"});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("ntpsweep watch: 2 clients, 2 requests") != std::string::npos);
  CHECK(text.out.find("implementation: chrony") != std::string::npos);
  CHECK(text.out.find("malformed: version 0: 1") != std::string::npos);
  RunResult only = RunNtpsweep({"watch", "--pcap", dir / "sll2.pcapng", dir / "raw.pcap",
                                "--server", "2001:db8::1", "--format", "json", "-q"});
  json narrowed = json::parse(only.out);
  REQUIRE(narrowed["clients"].size() == 1);
  CHECK(narrowed["clients"][0]["address"] == "2001:db8::30");
  CHECK(narrowed["packets"]["other_destination"] == 3);
}

TEST_CASE("watch e2e: unreadable captures are named, the others still read", "[watch][e2e]") {
  TempDir dir;
  WriteWholeFile(dir / "junk.pcap", "not a capture at all, just text\n");
  WritePcap(dir / "good.pcap", 101,
            {{kT, 0, Ipv4("10.0.0.8", "192.0.2.1", Udp(33000, 123, Sntp()))}});
  WritePcap(dir / "token-ring.pcap", 6, {{kT, 0, Bytes(40, 0)}});
  std::string truncated = ReadWholeFile(dir / "good.pcap");
  WritePcap(dir / "tail.pcap", 101,
            {{kT, 0, Ipv4("10.0.0.9", "192.0.2.1", Udp(33000, 123, Sntp()))},
             {kT + 1, 0, Ipv4("10.0.0.9", "192.0.2.1", Udp(33000, 123, Sntp()))}});
  std::string tail = ReadWholeFile(dir / "tail.pcap");
  WriteWholeFile(dir / "tail.pcap", tail.substr(0, tail.size() - 30));
  RunResult r = RunNtpsweep({"watch", "--pcap", dir / "junk.pcap", dir / "good.pcap",
                             dir / "token-ring.pcap", dir / "tail.pcap", "--format", "json", "-q"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("junk.pcap") != std::string::npos);
  CHECK(r.err.find("token-ring.pcap: link type") != std::string::npos);
  json report = json::parse(r.out);
  CHECK(report["clients"].size() == 2);
  bool damaged_noted = false;
  for (const json& n : report["notices"])
    damaged_noted |=
        n.get<std::string>().find("tail.pcap: damaged after 1 frames") != std::string::npos;
  CHECK(damaged_noted);
  CHECK(RunNtpsweep({"watch", "--pcap", dir / "good.pcap", "--kod", "deny"}).exit_code == 2);
  CHECK(RunNtpsweep({"watch", "--listen", "not-an-address"}).exit_code == 2);
}

namespace {

// A watcher running in the background: its stderr is read line by line as it writes, so the
// test knows the port it bound ("listening on 127.0.0.1:PORT") before sending anything.
class Watcher {
 public:
  explicit Watcher(const std::vector<std::string>& args) : out_path_(dir_ / "stdout") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::vector<std::string> argv_store = {kBinary, "watch"};
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : argv_store) argv.push_back(a.data());
      argv.push_back(nullptr);
      int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, 1);
      dup2(fds[1], 2);
      close(fds[0]);
      alarm(kHangGuardSeconds);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_ = fdopen(fds[0], "r");
  }
  ~Watcher() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_) fclose(err_);
  }
  // The next stderr line (empty at the end).
  std::string Line() {
    char buf[4096];
    if (!fgets(buf, sizeof buf, err_)) return "";
    stderr_text_ += buf;
    return buf;
  }
  // Reads stderr until "listening on ADDR:PORT"; returns the port.
  uint16_t ListeningPort() {
    for (std::string line = Line(); !line.empty(); line = Line()) {
      auto at = line.find("listening on ");
      if (at != std::string::npos)
        return static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    }
    FAIL("the watcher never listened: " << stderr_text_);
    return 0;
  }
  void Signal(int sig) { kill(pid_, sig); }
  int Wait() {
    while (!Line().empty()) {
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string Out() const { return ReadWholeFile(out_path_); }
  const std::string& Err() const { return stderr_text_; }
  pid_t pid() const { return pid_; }

 private:
  TempDir dir_;
  std::string out_path_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  FILE* err_ = nullptr;
  std::string stderr_text_;
};

// A UDP socket on loopback that sends crafted packets and reads replies (a 60 s receive timeout
// guards against a hang; no assertion depends on it).
class UdpClient {
 public:
  explicit UdpClient(bool v6 = false) : v6_(v6) {
    fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    timeval tv{60, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~UdpClient() { close(fd_); }
  void Send(uint16_t port, const Bytes& b) {
    sockaddr_storage ss{};
    socklen_t len;
    if (v6_) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(port);
      s6->sin6_addr = in6addr_loopback;
      len = sizeof *s6;
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      s4->sin_family = AF_INET;
      s4->sin_port = htons(port);
      s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *s4;
    }
    REQUIRE(sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==
            static_cast<ssize_t>(b.size()));
  }
  Bytes Receive() {
    Bytes b(2048);
    ssize_t n = recv(fd_, b.data(), b.size(), 0);
    b.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return b;
  }
  uint16_t Port() const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    return ntohs(v6_ ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }

 private:
  bool v6_;
  int fd_;
};

}  // namespace

TEST_CASE("watch e2e: the capture reader is a module found beside the binary", "[watch][e2e]") {
  TempDir dir;
  WritePcap(dir / "good.pcap", 101,
            {{kT, 0, Ipv4("10.0.0.8", "192.0.2.1", Udp(33000, 123, Sntp()))}});
  // The binary alone, as if its module were not installed: the capture is an input error that
  // names where the module was looked for.
  std::filesystem::create_directories(dir / "bin");
  std::filesystem::copy_file(kBinary, dir / "bin/ntpsweep");
  RunResult r = RunCommand(
      {dir / "bin/ntpsweep", "watch", "--pcap", dir / "good.pcap", "--format", "json", "-q"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(dir / "good.pcap: captures cannot be read, the capture reader is missing") !=
        std::string::npos);
  CHECK(r.err.find(dir / "bin/ntpsweep-pcap.so") != std::string::npos);
  CHECK(json::parse(r.out)["clients"].empty());
  // Beside it, as in the build tree: the capture is read.
  std::filesystem::copy_file(std::filesystem::path(kBinary).parent_path() / "ntpsweep-pcap.so",
                             dir / "bin/ntpsweep-pcap.so");
  r = RunCommand(
      {dir / "bin/ntpsweep", "watch", "--pcap", dir / "good.pcap", "--format", "json", "-q"});
  CHECK(r.exit_code == 1);  // clients seen
  json report = json::parse(r.out);
  REQUIRE(report["clients"].size() == 1);
  CHECK(report["clients"][0]["address"] == "10.0.0.8");
}

TEST_CASE("watch e2e: crafted packets on loopback, and the tripwire answers nothing",
          "[watch][e2e]") {
  TempDir dir;
  Watcher w({"--listen", "127.0.0.1:0", "--max-packets", "9", "--format", "json", "--log",
             dir / "clients.jsonl"});
  uint16_t port = w.ListeningPort();
  UdpClient a, b;
  Bytes oversized = Cat(Sntp(), Bytes(1400, 0x5a));
  for (const Bytes& p : {Bytes{}, Bytes{0x23}, Bytes(47, 0x23), Bytes(48, 0xff), Sntp(),
                         Bytes{0x26, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, oversized})
    a.Send(port, p);
  b.Send(port, Chrony());
  b.Send(port, ServerReply());
  REQUIRE(w.Wait() == 1);
  json report = json::parse(w.Out());
  INFO(w.Out());
  CHECK(report["stopped_by"] == "max-packets");
  CHECK(report["packets"]["datagrams"] == 9);
  CHECK(report["packets"]["replies"] == 1);
  CHECK(report["packets"]["kod_sent"] == 0);
  CHECK(report["malformed"]["empty datagram"] == 1);
  CHECK(report["malformed"]["shorter than the 48-byte header"] == 2);
  CHECK(report["malformed"]["version 6 or 7"] == 1);
  REQUIRE(report["clients"].size() == 1);  // both sockets are 127.0.0.1: one client address
  const json& c = report["clients"][0];
  CHECK(c["address"] == "127.0.0.1");
  CHECK(c["requests"] == 4);
  CHECK(c["ports"] == json::array({a.Port(), b.Port()}));
  CHECK(c["modes"] == json::array({3, 6}));
  CHECK(c["implementations"]["sntp"] == 2);  // the oversized one is SNTP-shaped too
  CHECK(c["implementations"]["chrony"] == 1);
  CHECK(c["implementations"]["ntpq"] == 1);
  std::string log = ReadWholeFile(dir / "clients.jsonl");
  REQUIRE(std::count(log.begin(), log.end(), '\n') == 1);
  json first = json::parse(log.substr(0, log.find('\n')));
  CHECK(first["event"] == "new-client");
  CHECK(first["port"] == a.Port());
  CHECK(w.Err().find("new client 127.0.0.1") != std::string::npos);
}

TEST_CASE("watch e2e: --kod deny answers on IPv4 and IPv6, and SIGTERM ends with a summary",
          "[watch][e2e]") {
  bool have_v6 = Sh("test -e /proc/net/if_inet6 && grep -q '^0*1 ' /proc/net/if_inet6").status == 0;
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--kod", "deny"};
  if (have_v6) args.insert(args.end(), {"--listen", "[::1]:0"});
  Watcher w(args);
  uint16_t port4 = w.ListeningPort();
  UdpClient c4;
  const Bytes request = Sntp();
  c4.Send(port4, request);
  Bytes kod = c4.Receive();
  REQUIRE(kod.size() == 48);
  CHECK(kod[0] == 0xe4);  // leap 3, v4, server
  CHECK(kod[1] == 0);     // stratum 0: a kiss
  CHECK(std::string(kod.begin() + 12, kod.begin() + 16) == "DENY");
  CHECK(Bytes(kod.begin() + 24, kod.begin() + 32) == Bytes(request.begin() + 40, request.end()));
  if (have_v6) {
    uint16_t port6 = w.ListeningPort();
    UdpClient c6(true);
    c6.Send(port6, Ntpd(0x19));  // v3 symmetric active
    Bytes kod6 = c6.Receive();
    REQUIRE(kod6.size() == 48);
    CHECK(kod6[0] == (0xc0 | 3 << 3 | 2));
  }
  w.Signal(SIGTERM);  // both replies arrived: the watcher has recorded both requests
  REQUIRE(w.Wait() == 1);
  std::string out = w.Out();
  CHECK(out.find("stopped by signal") != std::string::npos);
  CHECK(out.find("127.0.0.1  1 request") != std::string::npos);
  CHECK(out.find("Kiss-o'-Death sent 1") != std::string::npos);
  if (have_v6) CHECK(out.find("::1  1 request") != std::string::npos);
}

TEST_CASE("watch e2e: a real chronyd -Q on loopback is recorded as chrony", "[watch][e2e][real]") {
  if (Sh("command -v chronyd").status != 0) FAIL("chronyd not installed (scripts/install-deps.sh)");
  TempDir dir;
  Watcher w({"--listen", "127.0.0.1:0", "--max-packets", "1", "--format", "json"});
  uint16_t port = w.ListeningPort();
  // -Q: measure and print the offset, never set the clock; -U -u self: no root needed.
  const passwd* me = getpwuid(geteuid());
  REQUIRE(me);
  std::string chrony_log = dir / "chronyd.log";
  Shell started =
      Sh("chronyd -Q -U -u " + std::string(me->pw_name) + " -f /dev/null -L 0 -l " +
         Quote(chrony_log) + " -t 100 " +
         Quote("server 127.0.0.1 port " + std::to_string(port) + " iburst") + " " +
         Quote("pidfile " + dir / "chronyd.pid") + " </dev/null >/dev/null 2>&1 & echo $!");
  pid_t chronyd = static_cast<pid_t>(std::stoi(started.output));
  int rc = w.Wait();
  kill(chronyd, SIGTERM);
  INFO(w.Err());
  REQUIRE(rc == 1);
  json report = json::parse(w.Out());
  REQUIRE(report["clients"].size() == 1);
  const json& c = report["clients"][0];
  CHECK(c["address"] == "127.0.0.1");
  CHECK(c["implementation"] == "chrony");
  CHECK(c["versions"] == json::array({4}));
  CHECK(c["modes"] == json::array({3}));
  REQUIRE(c["ports"].size() == 1);
  CHECK(c["ports"][0].get<int>() > 0);
  CHECK(c["ports"][0].get<int>() != port);
  CHECK(c["last_request"]["precision"] == 32);
  CHECK(c["last_request"]["transmit_time"].is_null());  // chrony's random transmit timestamp
}

TEST_CASE("watch e2e: real ntpdig/sntp sees the Kiss-o'-Death (in a private network namespace)",
          "[watch][e2e][real]") {
  // ntpdig always asks port 123: the test runs it and the watcher in a new user and network
  // namespace (unshare -rn) whose loopback is private, so binding 123 needs no privilege and
  // touches nothing outside.
  if (Sh("command -v ntpdig").status != 0)
    FAIL("ntpdig not installed (sntp in scripts/install-deps.sh)");
  if (Sh("unshare -rn true").status != 0) {
    std::cout << "SKIPPED: unshare -rn is not permitted here (no user namespaces)" << std::endl;
    WARN("SKIPPED: unshare -rn is not permitted here");
    return;
  }
  TempDir dir;
  std::string script =
      "set -e\n"
      "ip link set lo up\n"
      // The watcher's stderr on fd 3: reading its first line waits until it listens.
      "exec 3< <(" +
      Quote(kBinary) +
      " watch --listen 127.0.0.1:123 --max-packets 1 --kod deny --format json -o " +
      Quote(dir / "watch.json") +
      " 2>&1)\n"
      "read -r line <&3; echo \"$line\" > " +
      Quote(dir / "listening") +
      "\n"
      "ntpdig -t 20 127.0.0.1 > " +
      Quote(dir / "ntpdig.out") +
      " 2>&1 || true\n"
      "cat <&3 > " +
      Quote(dir / "watch.err") +
      "\n"
      "wait\n";
  WriteWholeFile(dir / "run.sh", script);
  Shell r = Sh("unshare -rn bash " + Quote(dir / "run.sh"));
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(ReadWholeFile(dir / "listening").find("listening on 127.0.0.1:123") != std::string::npos);
  std::string dig = ReadWholeFile(dir / "ntpdig.out");
  INFO(dig);
  CHECK(dig.find("stratum 0, probable KOD packet") != std::string::npos);
  json report = json::parse(ReadWholeFile(dir / "watch.json"));
  REQUIRE(report["clients"].size() == 1);
  const json& c = report["clients"][0];
  CHECK(c["implementation"] == "sntp");
  CHECK(c["versions"] == json::array({4}));
  CHECK(c["modes"] == json::array({3}));
  CHECK(c["last_request"]["leap"] == 3);
  CHECK(c["kod_sent"] == 1);
  CHECK(c["ports"][0].get<int>() != 123);
}

namespace {

// The clients of tests/watch_correlate_test.cpp's fixture map, in a capture: one explained, one
// reached by an IPv4-mapped IPv6 source, one in a repository with only a comment, one decoy
// repository that is a prefix of an explained one, one not in the map.
std::string WriteCorrelationCapture(const TempDir& dir) {
  std::string path = dir / "clients.pcap";
  WritePcap(path, 101,
            {{kT, 0, Ipv4("10.0.1.11", "192.0.2.1", Udp(40001, 123, Chrony()))},
             {kT + 1, 0, Ipv6("::ffff:10.0.1.12", "::ffff:192.0.2.1", Udp(40002, 123, Sntp()))},
             {kT + 2, 0, Ipv6("2001:db8:0:b::1", "2001:db8::123", Udp(40003, 123, Sntp()))},
             {kT + 3, 0, Ipv4("10.0.1.30", "192.0.2.1", Udp(40004, 123, Ntpd(0x23)))},
             {kT + 4, 0, Ipv4("192.0.2.77", "192.0.2.1", Udp(40005, 123, Sntp()))},
             {kT + 5, 0, Ipv4("192.0.2.1", "10.0.1.11", Udp(123, 40001, ServerReply()))}});
  return path;
}

}  // namespace

TEST_CASE("watch e2e: --inventory and --hosts-map mark each client explained or unexplained",
          "[watch][e2e][correlate]") {
  TempDir dir;
  const std::string capture = WriteCorrelationCapture(dir);
  const std::string fixtures = kSourceDir + "/fixtures/watch";
  const std::vector<std::string> correlate = {"--inventory", fixtures + "/scan-report.json",
                                              "--hosts-map", fixtures + "/hosts-map.csv"};
  RunResult r = RunNtpsweep(
      Join({"watch", "--pcap", capture, "--format", "jsonl", "-q", "--summary", dir / "summary.md"},
           correlate));
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  // Bad map lines and report entries are notices naming the place; the run goes on.
  CHECK(r.err.find("hosts-map.csv:10: '10.0.9.300' is not an IPv4 or IPv6 address") !=
        std::string::npos);
  CHECK(r.err.find("scan-report.json: findings[6]: no location") != std::string::npos);
  std::vector<json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 6);
  std::map<std::string, json> by_address;
  for (size_t i = 0; i + 1 < lines.size(); ++i) by_address[lines[i]["address"]] = lines[i];
  CHECK(by_address["10.0.1.11"]["static"]["explained"] == true);
  CHECK(by_address["10.0.1.11"]["static"]["findings"][0]["location"] ==
        "repos/app-a/etc/chrony.conf");
  CHECK(by_address["10.0.1.12"]["host"] == "APP-A-02.corp.example.com");
  CHECK(by_address["10.0.1.12"]["static"]["explained"] == true);
  CHECK(by_address["2001:db8:0:b::1"]["static"]["explained"] == false);
  CHECK(by_address["10.0.1.30"]["static"]["explained"] == false);
  CHECK(by_address["192.0.2.77"]["host"].is_null());
  CHECK(by_address["192.0.2.77"]["static"]["reason"].get<std::string>().rfind(
            "not in the hosts map", 0) == 0);
  CHECK(lines.back()["record"] == "summary");
  CHECK(lines.back()["correlation"]["explained"] == 2);
  CHECK(lines.back()["correlation"]["unexplained"] == 3);
  const std::string md = ReadWholeFile(dir / "summary.md");
  CHECK(md.find("# ntpsweep watch: 5 clients still ask the old server") == 0);
  CHECK(md.find("**3 unexplained**, 2 explained") != std::string::npos);
  CHECK(md.find("## Unexplained: go and look") != std::string::npos);

  RunResult csv =
      RunNtpsweep(Join({"watch", "--pcap", capture, "--format", "csv", "-q"}, correlate));
  REQUIRE(csv.exit_code == 1);
  CHECK(csv.out.rfind("address,host,first_seen,", 0) == 0);
  CHECK(csv.out.find("\r\n10.0.1.11,app-a-01,2026-12-04T15:31:30.000000Z,") != std::string::npos);
  CHECK(csv.out.find(",unexplained,not in the hosts map") != std::string::npos);

  // A report made inside one repository has paths relative to it: LABEL= says which one.
  WriteWholeFile(dir / "app-a.json", R"({"findings": [{"rule": "chrony-source",
      "activity": "active", "location": "etc/chrony.conf", "chain": ["etc/chrony.conf"],
      "line": 2}]})");
  RunResult labelled = RunNtpsweep({"watch", "--pcap", capture, "--format", "csv", "-q",
                                    "--inventory", "repos/app-a=" + (dir / "app-a.json"),
                                    "--hosts-map", fixtures + "/hosts-map.csv"});
  REQUIRE(labelled.exit_code == 1);
  CHECK(labelled.out.find("\r\n10.0.1.12,APP-A-02.corp.example.com,") != std::string::npos);
  CHECK(labelled.out.find(",explained,\"etc/chrony.conf:2 (rule chrony-source, repository "
                          "repos/app-a)\"\r\n") != std::string::npos);
  CHECK(labelled.out.find("\r\n10.0.1.30,app-01,") != std::string::npos);
  size_t explained = 0;
  for (size_t at = 0; (at = labelled.out.find(",explained,", at)) != std::string::npos; ++at)
    ++explained;
  CHECK(explained == 2);

  // A hosts map alone names the clients, without a verdict.
  RunResult named = RunNtpsweep(
      {"watch", "--pcap", capture, "--format", "json", "-q", "--hosts-map", fixtures + "/hosts"});
  REQUIRE(named.exit_code == 1);
  json report = json::parse(named.out);
  CHECK(report["clients"][0].contains("host"));
  CHECK_FALSE(report["clients"][0].contains("static"));
  CHECK_FALSE(report.contains("correlation"));
}

TEST_CASE("watch e2e: an unreadable or malformed report or map stops watch before it starts",
          "[watch][e2e][correlate]") {
  TempDir dir;
  const std::string capture = WriteCorrelationCapture(dir);
  const std::string map = kSourceDir + "/fixtures/watch/hosts-map.csv";
  WriteWholeFile(dir / "broken.json", "{\n  \"findings\": [\n    {\"rule\": \"x\",,}\n");
  RunResult missing = RunNtpsweep(
      {"watch", "--pcap", capture, "--inventory", dir / "missing.json", "--hosts-map", map});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("missing.json: cannot read the report") != std::string::npos);
  CHECK(missing.out.empty());
  RunResult broken = RunNtpsweep(
      {"watch", "--pcap", capture, "--inventory", dir / "broken.json", "--hosts-map", map});
  CHECK(broken.exit_code == 2);
  CHECK(broken.err.find("broken.json:3:18: not a JSON report") != std::string::npos);
  WriteWholeFile(dir / "owners.txt", "web1 belongs to the shop team\n");
  RunResult bad_map = RunNtpsweep({"watch", "--pcap", capture, "--inventory",
                                   kSourceDir + "/fixtures/watch/scan-report.json", "--hosts-map",
                                   dir / "owners.txt"});
  CHECK(bad_map.exit_code == 2);
  CHECK(bad_map.err.find("owners.txt:1: neither a CSV header") != std::string::npos);
  RunResult no_map = RunNtpsweep(
      {"watch", "--pcap", capture, "--inventory", kSourceDir + "/fixtures/watch/scan-report.json"});
  CHECK(no_map.exit_code == 2);
  CHECK(no_map.err.find("--inventory needs --hosts-map") != std::string::npos);
}

TEST_CASE("watch e2e: the live table is drawn only when stdout is a terminal",
          "[watch][e2e][live]") {
  RunOptions tty;
  tty.stdout_is_tty = true;
  tty.env["TERM"] = "xterm";
  // --duration ends it without a client; the table is drawn once at the start, then erased.
  RunResult live = RunNtpsweep({"watch", "--listen", "127.0.0.1:0", "--duration", "0.01"}, tty);
  REQUIRE(live.exit_code == 0);
  CHECK(live.out.find("\033[Jntpsweep watch: 0 clients, 0 requests (Ctrl-C stops)") !=
        std::string::npos);
  CHECK(live.out.find("\033[2A\033[J") != std::string::npos);  // erased before the summary
  CHECK(live.out.find("stopped by duration") != std::string::npos);
  tty.env["TERM"] = "dumb";
  RunResult dumb = RunNtpsweep({"watch", "--listen", "127.0.0.1:0", "--duration", "0.01"}, tty);
  CHECK(dumb.out.find('\033') == std::string::npos);
  RunResult piped = RunNtpsweep({"watch", "--listen", "127.0.0.1:0", "--duration", "0.01"});
  REQUIRE(piped.exit_code == 0);
  CHECK(piped.out.find('\033') == std::string::npos);
  CHECK(piped.out.find("stopped by duration") != std::string::npos);
}
