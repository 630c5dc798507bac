// SPDX-License-Identifier: BSD-2-Clause
// Every packet handed to the engine ends in exactly one disposition counter:
// "out_*" (forwarded or answered), "drop_*" (dropped, by reason) or
// "held_*" (a fragment kept for reassembly; its datagram's fate is counted
// on the fragment that completes it). So in_b4 + in_uplink == the sum of the
// dispositions at any time. Packets the engine makes itself (ICMP errors,
// extra fragments) are counted under "sent_*"; other counters are events.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dslite {

// X(name, help)
#define DSLITE_COUNTERS(X)                                                                                \
    X(in_b4_packets, "IPv6 packets received from B4s")                                                    \
    X(in_uplink_packets, "IPv4 packets received from the uplink")                                         \
    X(out_uplink_packets, "B4 packets translated and sent to the uplink")                                 \
    X(out_b4_packets, "uplink IPv4 packets translated and sent to their B4")                              \
    X(out_hairpin_packets, "packets from a B4 delivered to another B4 (hairpin)")                         \
    X(out_uplink_no_nat_packets, "B4 packets from its --no-nat prefix sent to the uplink untranslated")   \
    X(out_b4_no_nat_packets, "uplink packets to a --no-nat prefix sent to its B4 untranslated")           \
    X(out_icmpv6_errors, "ICMPv6 errors about softwire packets used (PTB learned, relayed)")              \
    X(out_aftr_echo_replies, "echo replies from the AFTR itself (192.0.0.1 or AFTR IPv6)")                \
    X(out_port_control_answers, "NAT-PMP/PCP requests to 192.0.0.1:5351 answered (errors included)")      \
    X(sent_icmp_time_exceeded, "ICMPv4 Time Exceeded generated (TTL expired)")                            \
    X(sent_icmp_unreachable, "ICMPv4 Destination Unreachable generated (no port for a flow)")             \
    X(sent_icmp_too_big, "ICMPv4 3/4 generated (DF set and too big for the next link)")                   \
    X(sent_pcp_announces, "unsolicited PCP ANNOUNCEs sent to new softwires after start (--pcp-announce)") \
    X(sent_fragments, "extra fragments made to fit the tunnel or uplink MTU")                             \
    X(drop_b4_truncated, "IPv6 packet shorter than its headers or payload length")                        \
    X(drop_b4_not_ipv6, "packet on the B4 side is not IPv6")                                              \
    X(drop_b4_bad_source, "IPv6 source is unspecified, multicast or the AFTR itself")                     \
    X(drop_b4_not_allowed, "B4 address outside the configured B4 prefixes")                               \
    X(drop_b4_softwire_limit, "new B4 address past its subscriber's softwires, within the move hold")     \
    X(drop_b4_wrong_destination, "IPv6 destination is not the AFTR address")                              \
    X(drop_b4_ext_header, "unsupported IPv6 extension header or option")                                  \
    X(drop_fragment_malformed, "fragment with a bad length or offset (datagram discarded)")               \
    X(drop_fragment_overlap, "overlapping fragment (datagram discarded, RFC 5722)")                       \
    X(drop_fragment_no_slot, "fragment of a new datagram while every reassembly slot is busy")            \
    X(drop_fragment_owner_limit, "fragment of a new datagram past the per-owner slot limit")              \
    X(held_fragments, "fragments kept for reassembly (the last one decides the datagram)")                \
    X(drop_b4_next_header, "IPv6 payload is neither IPv4 nor ICMPv6 echo")                                \
    X(drop_icmpv6, "ICMPv6 to the AFTR that is no echo request or usable error")                          \
    X(drop_port_control_malformed, "NAT-PMP/PCP request too short, too long or with a bad UDP checksum")  \
    X(drop_b4_too_big_df, "from a B4, DF set and too big for the uplink MTU (3/4 sent)")                  \
    X(drop_uplink_too_big_df, "from the uplink, DF set and too big for the tunnel (3/4 sent)")            \
    X(drop_hairpin_too_big_df, "hairpinned, DF set and too big for the other B4's tunnel")                \
    X(drop_inner_truncated, "inner IPv4 shorter than its header or total length")                         \
    X(drop_inner_bad_version, "inner packet is not IPv4")                                                 \
    X(drop_inner_bad_header_length, "inner IPv4 IHL below 5 or past total length")                        \
    X(drop_inner_bad_checksum, "inner IPv4 header checksum wrong")                                        \
    X(drop_inner_bad_source, "inner IPv4 source not private, 192.0.0.0/29 or configured")                 \
    X(drop_inner_bad_destination, "inner IPv4 destination is martian or 192.0.0.0/29")                    \
    X(drop_inner_ttl_expired, "inner TTL expired (answered with Time Exceeded)")                          \
    X(drop_inner_protocol, "inner protocol is not TCP, UDP or ICMP")                                      \
    X(drop_b4_l4_truncated, "from a B4, TCP/UDP/ICMP header truncated")                                   \
    X(drop_b4_icmp_bad_checksum, "from a B4, ICMP checksum wrong")                                        \
    X(drop_b4_icmp_type, "from a B4, ICMP type not translated (echo requests and errors are)")            \
    X(drop_b4_icmp_quote, "from a B4, ICMP error quoting no packet the AFTR delivered")                   \
    X(drop_b4_icmp_no_binding, "from a B4, ICMP error about a packet no binding carried")                 \
    X(drop_b4_icmpv6_quote, "ICMPv6 error on the access side quoting no softwire packet")                 \
    X(drop_b4_icmpv6_no_binding, "ICMPv6 error about a softwire packet no binding carried")               \
    X(drop_uplink_l4_truncated, "from the uplink, TCP/UDP/ICMP header truncated")                         \
    X(drop_uplink_icmp_bad_checksum, "from the uplink, ICMP checksum wrong")                              \
    X(drop_uplink_icmp_type, "from the uplink, ICMP type not translated (echo replies and errors are)")   \
    X(drop_uplink_icmp_quote, "from the uplink, ICMP error quoting no packet a binding sent")             \
    X(drop_uplink_icmp_no_binding, "from the uplink, ICMP error about a packet no binding carried")       \
    X(drop_hairpin_no_binding, "from a B4 to a pool address and port no binding holds")                   \
    X(drop_tcp_not_syn, "TCP without a binding that is not a SYN")                                        \
    X(drop_quota_exhausted, "subscriber at its port quota (answered with 3/1)")                           \
    X(drop_pool_exhausted, "no public address with a free port (answered with 3/1)")                      \
    X(drop_port_blocks_full, "subscriber's port blocks all taken or held, and no more allowed (3/1)")     \
    X(drop_binding_rate_limited, "subscriber over its new-bindings-per-second limit (3/1)")               \
    X(drop_binding_table_full, "binding table at its size limit (answered with 3/1)")                     \
    X(drop_subscriber_table_full, "subscriber table at its size limit (answered with 3/1)")               \
    X(drop_uplink_truncated, "uplink IPv4 shorter than its header or total length")                       \
    X(drop_uplink_not_ipv4, "packet on the uplink is not IPv4")                                           \
    X(drop_uplink_bad_header_length, "uplink IPv4 IHL below 5 or past total length")                      \
    X(drop_uplink_bad_checksum, "uplink IPv4 header checksum wrong")                                      \
    X(drop_uplink_not_pool, "uplink destination is not a pool address")                                   \
    X(drop_uplink_ttl_expired, "uplink TTL expired (answered with Time Exceeded)")                        \
    X(drop_uplink_protocol, "uplink protocol is not TCP, UDP or ICMP")                                    \
    X(drop_uplink_no_binding, "no binding for the public address, port and protocol")                     \
    X(drop_uplink_filtered, "address-dependent filtering refused the remote")                             \
    X(drop_uplink_pcp_filtered, "a PCP mapping's FILTER option refused the remote")                       \
    X(drop_no_headroom, "driver passed a packet without room to prepend headers")                         \
    X(bindings_created, "bindings created")                                                               \
    X(bindings_expired, "bindings removed by their timer")                                                \
    X(subscribers_created, "subscribers (B4 prefixes) given a public address")                            \
    X(subscribers_removed, "subscribers released after their last binding")                               \
    X(softwires_moved, "softwires taken over by a new B4 address of their subscriber (RFC 7785 4)")       \
    X(fragment_datagrams_expired, "datagrams whose fragments never all came (timeout)")                   \
    X(tunnel_mtu_lowered, "ICMPv6 Packet Too Big lowered a B4's tunnel MTU")                              \
    X(mss_clamped, "TCP SYNs whose MSS option was lowered")                                               \
    X(icmp_errors_rate_limited, "ICMP errors not generated because of the rate limit")                    \
    X(port_hold_overflow, "freed ports released before 120 s because the hold queue was full")            \
    X(port_blocks_allocated, "port blocks given to a subscriber (--port-block-size)")                     \
    X(port_blocks_released, "port blocks returned after their last binding's port hold")                  \
    X(events_lost, "binding log events dropped because the event ring was full")

enum class Counter : std::uint16_t {
#define DSLITE_COUNTER_ENUM(name, help) name,
    DSLITE_COUNTERS(DSLITE_COUNTER_ENUM)
#undef DSLITE_COUNTER_ENUM
};

inline constexpr std::size_t kCounterCount = 0
#define DSLITE_COUNTER_ONE(name, help) +1
    DSLITE_COUNTERS(DSLITE_COUNTER_ONE)
#undef DSLITE_COUNTER_ONE
    ;

std::string_view counter_name(Counter c);
std::string_view counter_help(Counter c);
// True for the drop_* counters: a packet ended there without being forwarded.
bool is_drop(Counter c);
// True for the out_*, drop_* and held_* counters (see the invariant above).
bool is_disposition(Counter c);

class Counters {
public:
    void add(Counter c, std::uint64_t n = 1) { values_[static_cast<std::size_t>(c)] += n; }
    std::uint64_t operator[](Counter c) const { return values_[static_cast<std::size_t>(c)]; }
    const std::array<std::uint64_t, kCounterCount>& values() const { return values_; }
    Counters& operator+=(const Counters& other) {
        for (std::size_t i = 0; i < kCounterCount; ++i) values_[i] += other.values_[i];
        return *this;
    }

private:
    std::array<std::uint64_t, kCounterCount> values_{};
};

}  // namespace dslite
