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

// The phases of icmp_errors_bindings, shared with its checks: each kind of
// input is sent in its own time window, one packet per millisecond, and the
// checks find what each input made by the output's timestamp.
namespace icmp_bindings {
inline constexpr double kBindings = 0;                         // B4 A then B: UDP, TCP SYN, echo, same private tuple
inline constexpr double kRouterErrors = 1;                     // Internet router errors about what the AFTR sent
inline constexpr double kReplies = 2;                          // the Internet answers every public port
inline constexpr double kHostErrors = 3;                       // the hosts' errors about those answers
inline constexpr double kHairpin = 4;                          // B's host sends to both public UDP ports
inline constexpr double kHairpinErrors = 5;                    // A's host answers with 3/3
inline constexpr double kLateReplies = 6;                      // after all those errors
inline constexpr double kOptions = 7;                          // errors quoting a header with IP options
inline constexpr double kDrops = 8;                            // errors that must be dropped
inline constexpr double kExpired = 500;                        // errors about the UDP bindings, gone since ~307 s
inline constexpr double kNoRefresh = 1000;                     // B4 A's UDP bindings, an answer each, then only errors:
inline constexpr double kNoRefreshErrors[] = {100, 200, 290};  // seconds after kNoRefresh
inline constexpr double kExpiredReply = 302;                   // after kNoRefresh: past the 300 s UDP timeout
inline constexpr std::uint16_t kPrivatePort = 10000;           // TCP/UDP port behind both B4s
inline constexpr std::uint16_t kEchoId = 0x0777;               // echo identifier behind both B4s
}  // namespace icmp_bindings

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
