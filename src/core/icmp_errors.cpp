// SPDX-License-Identifier: BSD-2-Clause
// ICMP errors about translated packets (RFC 5508 REQ-3..7): the quoted packet
// is translated back like the packet it quotes, the outer header like a
// packet of the same binding, and every checksum is fixed. An error never
// creates, refreshes or removes a binding (RFC 4787 REQ-12, RFC 5508 REQ-6).
#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

namespace {

struct Quote {
    std::uint8_t* ip;
    std::size_t length;
    Transport t;
};

// The packet an ICMP error quotes: an IPv4 header (options skipped by IHL)
// and the first 8 bytes of its transport header. Errors about errors are
// refused (RFC 1122 3.2.2).
bool parse_quote(std::uint8_t* ip, std::size_t length, const Transport& outer, Quote& q) {
    q.ip = ip + outer.offset + icmp::header_size;
    q.length = length - outer.offset - icmp::header_size;
    if (length < outer.offset + icmp::header_size + ipv4::min_header_size || q.ip[0] >> 4 != 4) return false;
    if (parse_quoted_transport(q.ip, q.length, q.t) != TransportError::none) return false;
    return !(q.t.proto == Protocol::icmp && is_icmp_error(q.t.icmp_type));
}

// An error is only a report: when it would not fit the next link whole, its
// quote is cut (RFC 1812 4.3.2.3 asks no more than 576 bytes anyway).
void fit(Packet& packet, std::size_t mtu) {
    if (packet.size() <= mtu) return;
    packet.resize(mtu);
    std::uint8_t* ip = packet.data();
    const std::uint16_t old_length = load16(ip + ipv4::total_length);
    store16(ip + ipv4::total_length, static_cast<std::uint16_t>(mtu));
    store16(ip + ipv4::checksum,
            checksum_update16(load16(ip + ipv4::checksum), old_length, static_cast<std::uint16_t>(mtu)));
}

// The error's own checksum covers the quote we rewrote: recompute it.
void refresh_icmp_checksum(std::uint8_t* ip, std::size_t length, const Transport& outer) {
    std::uint8_t* msg = ip + outer.offset;
    store16(msg + icmp::checksum, 0);
    store16(msg + icmp::checksum, checksum({msg, length - outer.offset}));
}

}  // namespace

Verdict Engine::Impl::error_from_b4(Packet& packet, const Ipv6Address& b4, const Transport& t, std::uint8_t outer_tc) {
    fit(packet, config_.uplink_mtu);
    std::uint8_t* ip = packet.data();
    Quote q;
    // The host quotes a packet the AFTR delivered to it: the quote's
    // destination is the host, which must also be the error's source.
    if (!parse_quote(ip, packet.size(), t, q) || load32(q.ip + ipv4::destination) != load32(ip + ipv4::source))
        return drop(Counter::drop_b4_icmp_quote);
    const std::uint32_t id = find_binding(b4, load32(q.ip + ipv4::destination), q.t.destination, q.t.proto);
    if (id == BindingTable::npos) return drop(Counter::drop_b4_icmp_no_binding);
    if (ip[ipv4::ttl] <= 1) return drop(Counter::drop_inner_ttl_expired);  // no error about an error
    const Binding& s = tables_.bindings[id];
    set_dscp(ip, outer_tc);
    decrement_ttl(ip);
    rewrite_destination(q.ip, q.length, q.t, s.public_address, s.public_port);
    rewrite_address(ip, ipv4::source, s.public_address);
    refresh_icmp_checksum(ip, packet.size(), t);
    if (pool_.index_of(load32(ip + ipv4::destination)) != Pool::npos && owns_port(q.t.source))
        return error_to_b4(packet, t, true);
    counters_.add(Counter::out_uplink_packets);
    return Verdict::to_uplink;
}

Verdict Engine::Impl::error_to_b4(Packet& packet, const Transport& t, bool hairpin) {
    std::uint8_t* ip = packet.data();
    Quote q;
    // The quote is a packet a binding sent: its source is the public
    // endpoint the error is addressed to.
    if (!parse_quote(ip, packet.size(), t, q) || load32(q.ip + ipv4::source) != load32(ip + ipv4::destination))
        return drop(Counter::drop_uplink_icmp_quote);
    const std::uint32_t id = tables_.bindings.find_public(load32(q.ip + ipv4::source), q.t.source, q.t.proto);
    if (id == BindingTable::npos) return drop(Counter::drop_uplink_icmp_no_binding);
    // Under ADF the error must concern a remote the binding has sent to; the
    // router that reports it may be anywhere on the path.
    if (const auto refused = inbound_refused(id, load32(q.ip + ipv4::destination), q.t.destination))
        return drop(*refused);
    const Binding& s = tables_.bindings[id];
    const std::size_t room = tunnel_mtu_of(s) - ipv6::header_size;
    if (packet.size() > room) {
        fit(packet, room);
        q.length = packet.size() - t.offset - icmp::header_size;
    }
    rewrite_source(q.ip, q.length, q.t, s.inner_address, s.inner_port);
    rewrite_address(ip, ipv4::destination, s.inner_address);
    refresh_icmp_checksum(ip, packet.size(), t);
    if (!encapsulate(packet, config_.aftr_address, b4_of(s), ip[ipv4::tos])) return drop(Counter::drop_no_headroom);
    counters_.add(hairpin ? Counter::out_hairpin_packets : Counter::out_b4_packets);
    return Verdict::to_b4;
}

bool Engine::Impl::icmp_error_allowed() {
    // A token bucket refilled each second: a burst of one second's worth,
    // then the configured rate (RFC 5508 REQ-10).
    const std::uint32_t rate = config_.icmp_errors_per_second;
    if (rate == 0) return true;
    if (now_ != icmp_tokens_second_) {
        icmp_tokens_ = rate;
        icmp_tokens_second_ = now_;
    }
    if (icmp_tokens_ == 0) {
        counters_.add(Counter::icmp_errors_rate_limited);
        return false;
    }
    --icmp_tokens_;
    return true;
}

}  // namespace dslite
