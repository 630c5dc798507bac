// SPDX-License-Identifier: BSD-2-Clause
// Engine configuration as data. The daemon and replay fill it from flags or
// a config file; validate() refuses anything the engine cannot run with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/protocol.hpp"

namespace dslite {

enum class Filtering : std::uint8_t {
    endpoint_independent,  // RFC 4787 REQ-8 default
    address_dependent,
};

enum class PortMapping : std::uint8_t {
    dynamic,        // any free port of the subscriber's address (RFC 6056 random)
    deterministic,  // RFC 7422: a range per subscriber by formula (deterministic.hpp)
};

struct Timeouts {                          // seconds
    std::uint32_t udp = 300;               // RFC 4787 REQ-5
    std::uint32_t tcp_established = 7440;  // RFC 5382 REQ-5
    std::uint32_t tcp_transitory = 240;    // RFC 5382 REQ-5, RFC 7857 2.2
    std::uint32_t icmp = 60;               // RFC 5508 REQ-2
};

struct Quota {  // bindings (ports or ICMP ids) per subscriber and protocol, RFC 6888 REQ-4
    std::uint32_t tcp = 2048;
    std::uint32_t udp = 2048;
    std::uint32_t icmp = 256;
};

// Fragment reassembly (RFC 6333 6.3, RFC 4787 REQ-14), bounded: memory is
// slots x 64 KiB, allocated at start.
struct ReassemblyConfig {
    std::uint32_t slots = 64;     // datagrams in progress at once
    std::uint32_t per_owner = 8;  // per subscriber (from B4s) or remote host (from the uplink)
    std::uint32_t timeout = 10;   // seconds a datagram may take to complete
};

// An operator's port forward (issue 12): the public end is reserved at
// start, never expires, and carries both ways for the inside end behind
// that B4.
struct StaticMapping {
    Protocol protocol = Protocol::tcp;  // tcp or udp; "both" in the option is two of these
    Ipv6Address b4{};
    Ipv4Address inside_address{};
    std::uint16_t inside_port = 0;
    Ipv4Address public_address{};
    std::uint16_t public_port = 0;
    friend bool operator==(const StaticMapping&, const StaticMapping&) = default;
};

// A business subscriber's public prefix routed over its softwire without
// NAT (RFC 6333 11, RFC 6888 REQ-6): from that B4 with a source in the
// prefix, out unchanged; to the prefix from the Internet, to that B4.
struct NoNat {
    Ipv6Address b4{};
    Ipv4Prefix prefix{};
    friend bool operator==(const NoNat&, const NoNat&) = default;
};

struct EngineConfig {
    Ipv6Address aftr_address{};
    std::vector<Ipv4Prefix> pools;

    // This engine's slice of every pool address's port space. Several
    // engines side by side each get a disjoint slice (see split_port_range).
    std::uint16_t port_min = 1024;
    std::uint16_t port_max = 65535;
    std::uint32_t port_hold_seconds = 120;  // RFC 6888 REQ-8
    // Other engines own the pool's ports outside this slice (shares.hpp): a
    // B4's packet to one of them is sent toward the uplink, for the driver to
    // hand to its owner, instead of hairpinning here.
    bool pool_shared = false;
    // With pool_shared: the whole --port-range the engines share, which the
    // deterministic formula (RFC 7422) is over; each engine serves the
    // subscribers whose range lies in its slice.
    std::uint16_t shared_port_min = 0;
    std::uint16_t shared_port_max = 0;

    Quota quota;
    Timeouts timeouts;
    Filtering filtering = Filtering::endpoint_independent;
    PortMapping port_mapping = PortMapping::dynamic;
    // Port blocks (RFC 6888 REQ-12, RFC 8158 4.6.10): 0, or a subscriber's
    // ports come from blocks of this many consecutive ports of its address,
    // held for every protocol, so one log record per block names who had
    // every port in it. Blocks start at port_min; a tail of the range
    // shorter than a block is not used.
    std::uint16_t port_block_size = 0;

    // New bindings per subscriber per second (RFC 6888 REQ-4, RFC 6333 11);
    // 0: no limit. Existing bindings are never touched by it.
    std::uint32_t new_bindings_per_second = 1000;

    std::uint32_t max_bindings = 1u << 18;
    std::uint32_t max_subscribers = 1u << 16;

    // B4s are accepted only from these prefixes; empty accepts any source.
    std::vector<Ipv6Prefix> b4_prefixes;
    // A subscriber (quota, public address) is a B4 prefix of this length, RFC 7785.
    std::uint8_t subscriber_prefix_length = 56;
    // RFC 7785 4: B4 addresses a subscriber may use at once (default 1). A
    // new address beyond that takes over the least recently used softwire,
    // bindings and all, at most once per softwire_move_hold seconds per
    // subscriber; within the hold it is refused.
    std::uint8_t softwires_per_subscriber = 1;
    std::uint32_t softwire_move_hold = 1800;  // RFC 7785 4.3: 30 minutes
    // Inner sources allowed besides RFC 1918 and 192.0.0.0/29 (RFC 6333 section 11).
    std::vector<Ipv4Prefix> extra_inner_prefixes;
    std::vector<StaticMapping> static_mappings;
    std::vector<NoNat> no_nat;

    ReassemblyConfig reassembly;
    // Largest IPv6 packet toward a B4 before the AFTR fragments it (or, for
    // DF=1, answers 3/4), RFC 6333 6.3; learned lower per B4 from ICMPv6 PTB.
    std::uint16_t tunnel_mtu = 1500;
    // Largest IPv4 packet toward the Internet.
    std::uint16_t uplink_mtu = 1500;
    // Lowers the MSS option of TCP SYNs both ways to this (0: off), so TCP
    // never needs fragmentation or PMTUD across the softwire.
    std::uint16_t mss_clamp = 0;

    // Mappings a subscriber's hosts may ask for with NAT-PMP (RFC 6886) or
    // PCP (RFC 6887) at 192.0.0.1:5351, beside its quota (0: the service
    // answers "refused"), and the longest lifetime one may get.
    std::uint32_t pcp_max_mappings = 16;
    std::uint32_t pcp_max_lifetime = 86400;
    // PCP's THIRD_PARTY option (RFC 6887 13.1) from these inner sources only
    // (e.g. 192.0.0.2/32, a B4 that proxies PCP for its hosts, RFC 7648),
    // for other hosts of the same softwire; from any other, UNSUPP_OPTION.
    std::vector<Ipv4Prefix> pcp_third_party;
    // Seconds after start in which each new softwire gets one unsolicited
    // PCP ANNOUNCE (RFC 6887 14.1.3) to 224.0.0.1:5350, so that clients
    // that had mappings before a restart make them again; 0: none.
    std::uint32_t pcp_announce = 0;

    // ICMP errors the engine generates, per second (RFC 5508 REQ-10); 0: no limit.
    std::uint32_t icmp_errors_per_second = 1000;

    // Events (events.hpp) the engine holds for its driver to drain; 0: the
    // engine reports none (the daemon sets it only when it logs bindings).
    std::uint32_t event_ring = 1u << 16;

    // Seeds port choice and the table hash; same seed, same input, same output.
    std::uint64_t seed = 0x6473'6c69'7465'0001;
};

// The largest tunnel or uplink MTU validate() accepts (jumbo frames); a
// fragment the engine makes is never larger.
inline constexpr std::uint16_t kMaxMtu = 9000;
// The most softwires per subscriber validate() accepts.
inline constexpr std::uint8_t kMaxSoftwires = 16;

// Addresses nothing may be sent to across the AFTR, nor routed to without
// NAT: this network, loopback, link-local, 192.0.0.0/29 (RFC 6333 5.7),
// multicast and above.
inline bool is_martian(std::uint32_t a) {
    return (a & 0xff000000) == 0 || (a & 0xff000000) == 0x7f000000 || (a & 0xffff0000) == 0xa9fe0000 ||
           (a & 0xfffffff8) == 0xc0000000 || a >= 0xe0000000;
}

// An IPv6 source that can be a B4: not multicast, unspecified or the AFTR.
inline bool can_be_b4(const EngineConfig& c, const Ipv6Address& a) {
    return a[0] != 0xff && a != Ipv6Address{} && a != c.aftr_address;
}

// RFC 6333 11: softwires only from the configured B4 prefixes (all if none).
inline bool b4_allowed(const EngineConfig& c, const Ipv6Address& b4) {
    for (const Ipv6Prefix& p : c.b4_prefixes)
        if (p.contains(b4)) return true;
    return c.b4_prefixes.empty();
}

// An inner IPv4 source the AFTR takes from a B4: RFC 1918 and 192.0.0.0/29
// (RFC 6333 5.7), then what the operator added (RFC 6333 11).
inline bool inner_source_allowed(const EngineConfig& c, std::uint32_t a) {
    if ((a & 0xff000000) == 0x0a000000 || (a & 0xfff00000) == 0xac100000 || (a & 0xffff0000) == 0xc0a80000 ||
        (a & 0xfffffff8) == 0xc0000000)
        return true;
    for (const Ipv4Prefix& p : c.extra_inner_prefixes)
        if (p.contains(Ipv4Address{a})) return true;
    return false;
}

// Returns "option: what is wrong" for the first problem found, or nothing;
// the checks are those of the option rows (engine_options.hpp).
std::optional<std::string> validate(const EngineConfig& config);

// Splits [min, max] into n disjoint contiguous slices of near-equal size,
// for running n engines side by side: whole units of `unit` ports each from
// min (the last slice takes the tail), fewer slices when there are fewer
// units than n.
std::vector<std::pair<std::uint16_t, std::uint16_t>> split_port_range(std::uint16_t min, std::uint16_t max, unsigned n,
                                                                      std::uint32_t unit = 1);
// What engines side by side split the port range in: a port block, a
// deterministic range (the largest quota), or single ports.
std::uint32_t share_unit(const EngineConfig& config);

}  // namespace dslite
