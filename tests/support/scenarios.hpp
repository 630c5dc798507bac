// The replay scenarios: for each, the replay flags and the input capture.
// dslite-capgen writes them to captures/<name>/; the replay tests regenerate
// them in memory to prove the committed inputs still match this code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dslite/address.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_file.hpp"

namespace dslite::test {

// Addresses every scenario uses (documentation ranges; hosts private).
namespace net {
extern const Ipv6Address aftr;     // 2001:db8:0:1::1
extern const Ipv6Address b4_a;     // 2001:db8:a::2, subscriber 2001:db8:a::/56
extern const Ipv6Address b4_a2;    // 2001:db8:a:1::2, same /56 as b4_a
extern const Ipv6Address b4_b;     // 2001:db8:b::2, another subscriber
extern const Ipv4Address aftr_v4;  // 192.0.0.1
extern const Ipv4Address host;     // 10.0.0.1, behind every B4
extern const Ipv4Address host2;    // 10.0.0.2
extern const Ipv4Address pool;     // 198.51.100.1, the single-address pool
extern const Ipv4Address server1;  // 203.0.113.10
extern const Ipv4Address server2;  // 203.0.113.20
extern const Ipv6Address router;   // 2001:db8:ffff::1, on the IPv6 path to the B4s
}  // namespace net

// A payload of `size` bytes that starts with `tag` (so outputs can be found
// by their tag) and goes on with a position-dependent pattern, so a lost,
// doubled or misplaced 8-byte block changes it.
Bytes tagged_payload(std::string_view tag, std::size_t size);

// The payload and MSS values of the MTU scenarios, shared with the checks.
namespace mtu {
inline constexpr std::size_t kInnerDatagram = 8000;  // fragments_inner: IPv4 total length
inline constexpr std::size_t kHostFragment = 1460;   // the host's IPv4 fragments (1500 - 40)
inline constexpr std::size_t kServerFragment = 1500;
inline constexpr std::uint16_t kMssClamp = 1360;
}  // namespace mtu

// Capture timestamps start here; only differences matter to the engine.
inline constexpr std::int64_t kEpochMicros = std::int64_t{1'700'000'000} * 1'000'000;
std::int64_t at(double seconds);  // kEpochMicros + seconds

struct Scenario {
    std::string name;
    std::string summary;
    std::vector<std::string> flags;  // engine flags for dslite-aftr --replay
    Capture input;
};

std::vector<Scenario> all_scenarios();

// Flags joined by single spaces, as in captures/<name>/flags.
std::string flags_line(const std::vector<std::string>& flags);

// Writes <dir>/<name>/in.pcap and <dir>/<name>/flags.
bool write_scenario(const std::string& dir, const Scenario& scenario, std::string& error);

}  // namespace dslite::test
