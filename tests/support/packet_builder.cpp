// SPDX-License-Identifier: BSD-2-Clause
#include "support/packet_builder.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite::test {

namespace w = dslite::wire;

Ipv4Address v4(std::string_view text) {
    auto a = parse_ipv4(text);
    if (!a) {
        std::fprintf(stderr, "bad IPv4 literal in test: %.*s\n", static_cast<int>(text.size()), text.data());
        std::abort();
    }
    return *a;
}

Ipv6Address v6(std::string_view text) {
    auto a = parse_ipv6(text);
    if (!a) {
        std::fprintf(stderr, "bad IPv6 literal in test: %.*s\n", static_cast<int>(text.size()), text.data());
        std::abort();
    }
    return *a;
}

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

void refresh_ipv4_header_checksum(std::span<std::uint8_t> ipv4) {
    auto header_length = w::ipv4::header_length(ipv4.data());
    w::store16(&ipv4[w::ipv4::checksum], 0);
    w::store16(&ipv4[w::ipv4::checksum], checksum(ipv4.first(header_length)));
}

Bytes ipv4_packet(const Ipv4Header& h, std::uint8_t protocol, std::span<const std::uint8_t> l4) {
    Bytes options = h.options;
    options.resize((options.size() + 3) / 4 * 4, 0);
    const std::size_t header_length = w::ipv4::min_header_size + options.size();
    Bytes p(header_length + l4.size());
    p[0] = static_cast<std::uint8_t>(0x40 | header_length / 4);
    p[w::ipv4::tos] = h.tos;
    w::store16(&p[w::ipv4::total_length], static_cast<std::uint16_t>(p.size()));
    w::store16(&p[w::ipv4::identification], h.identification);
    std::uint16_t flags = h.fragment_offset & w::ipv4::offset_mask;
    if (h.dont_fragment) flags |= w::ipv4::flag_df;
    if (h.more_fragments) flags |= w::ipv4::flag_mf;
    w::store16(&p[w::ipv4::flags_fragment], flags);
    p[w::ipv4::ttl] = h.ttl;
    p[w::ipv4::protocol] = protocol;
    w::store32(&p[w::ipv4::source], h.source.value);
    w::store32(&p[w::ipv4::destination], h.destination.value);
    std::copy(options.begin(), options.end(), p.begin() + w::ipv4::min_header_size);
    std::copy(l4.begin(), l4.end(), p.begin() + static_cast<std::ptrdiff_t>(header_length));
    refresh_ipv4_header_checksum(p);
    return p;
}

namespace {

// TCP/UDP checksum over the IPv4 pseudo header, for a segment not yet in a packet.
std::uint16_t l4_checksum_ipv4(const Ipv4Header& h, std::uint8_t protocol, std::span<const std::uint8_t> l4) {
    std::uint8_t src[4], dst[4];
    w::store32(src, h.source.value);
    w::store32(dst, h.destination.value);
    return checksum(l4, pseudo_header_ipv4(src, dst, protocol, static_cast<std::uint16_t>(l4.size())));
}

Bytes icmp_message(const IcmpMessage& m) {
    Bytes b(w::icmp::header_size + m.body.size());
    b[w::icmp::type] = m.type;
    b[w::icmp::code] = m.code;
    w::store16(&b[w::icmp::identifier], m.identifier);
    w::store16(&b[w::icmp::identifier + 2], m.sequence);
    std::copy(m.body.begin(), m.body.end(), b.begin() + w::icmp::header_size);
    return b;
}

}  // namespace

Bytes ipv4_udp(const Ipv4Header& h, const UdpDatagram& u) {
    Bytes l4(w::udp::header_size + u.payload.size());
    w::store16(&l4[w::l4::source_port], u.source_port);
    w::store16(&l4[w::l4::destination_port], u.destination_port);
    w::store16(&l4[w::udp::length], static_cast<std::uint16_t>(l4.size()));
    std::copy(u.payload.begin(), u.payload.end(), l4.begin() + w::udp::header_size);
    if (!u.zero_checksum) {
        auto c = l4_checksum_ipv4(h, w::proto_udp, l4);
        w::store16(&l4[w::udp::checksum], c == 0 ? 0xffff : c);  // RFC 768: computed zero is sent as ones
    }
    return ipv4_packet(h, w::proto_udp, l4);
}

Bytes ipv4_tcp(const Ipv4Header& h, const TcpSegment& t) {
    Bytes options = t.options;
    options.resize((options.size() + 3) / 4 * 4, 0);
    const std::size_t header_size = w::tcp::min_header_size + options.size();
    Bytes l4(header_size + t.payload.size());
    w::store16(&l4[w::l4::source_port], t.source_port);
    w::store16(&l4[w::l4::destination_port], t.destination_port);
    w::store32(&l4[4], t.seq);
    w::store32(&l4[8], t.ack);
    l4[12] = static_cast<std::uint8_t>((header_size / 4) << 4);
    l4[w::tcp::flags] = t.flags;
    w::store16(&l4[14], t.window);
    std::copy(options.begin(), options.end(), l4.begin() + w::tcp::min_header_size);
    std::copy(t.payload.begin(), t.payload.end(), l4.begin() + static_cast<std::ptrdiff_t>(header_size));
    w::store16(&l4[w::tcp::checksum], l4_checksum_ipv4(h, w::proto_tcp, l4));
    return ipv4_packet(h, w::proto_tcp, l4);
}

Bytes nat_pmp_map_request(std::uint8_t opcode, std::uint16_t internal_port, std::uint16_t wanted_port,
                          std::uint32_t lifetime) {
    Bytes m(12, 0);
    m[1] = opcode;
    wire::store16(m.data() + 4, internal_port);
    wire::store16(m.data() + 6, wanted_port);
    wire::store32(m.data() + 8, lifetime);
    return m;
}

namespace {
void put_mapped(Bytes& m, Ipv4Address a) {
    m.insert(m.end(), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff});
    m.resize(m.size() + 4);
    wire::store32(m.data() + m.size() - 4, a.value);
}
void put16(Bytes& m, std::uint16_t v) {
    m.resize(m.size() + 2);
    wire::store16(m.data() + m.size() - 2, v);
}
}  // namespace

Bytes pcp_request(const PcpMessage& p) {
    Bytes m{p.version, p.opcode, 0, 0, 0, 0, 0, 0};
    wire::store32(m.data() + 4, p.lifetime);
    put_mapped(m, p.client);
    if (p.opcode == 1 || p.opcode == 2) {
        m.insert(m.end(), p.nonce.begin(), p.nonce.end());
        m.insert(m.end(), {p.protocol, 0, 0, 0});
        put16(m, p.internal_port);
        put16(m, p.suggested_port);
        if (p.suggested_address.value == 0)
            m.resize(m.size() + 16);
        else
            put_mapped(m, p.suggested_address);
    }
    if (p.opcode == 2) {
        put16(m, p.remote_port);
        put16(m, 0);
        put_mapped(m, p.remote);
    }
    m.insert(m.end(), p.options.begin(), p.options.end());
    return m;
}

Bytes pcp_option(std::uint8_t code, const Bytes& data) {
    Bytes o{code, 0, 0, 0};
    wire::store16(o.data() + 2, static_cast<std::uint16_t>(data.size()));
    o.insert(o.end(), data.begin(), data.end());
    o.resize((o.size() + 3) & ~std::size_t{3});
    return o;
}

Bytes pcp_filter(std::uint8_t ipv4_prefix_length, std::uint16_t port, Ipv4Address remote) {
    Bytes d{0, static_cast<std::uint8_t>(ipv4_prefix_length == 0 ? 0 : ipv4_prefix_length + 96)};
    put16(d, port);
    put_mapped(d, remote);
    return pcp_option(3, d);
}

Bytes pcp_third_party(Ipv4Address internal) {
    Bytes d;
    put_mapped(d, internal);
    return pcp_option(1, d);
}

Bytes ipv4_icmp(const Ipv4Header& h, const IcmpMessage& m) {
    Bytes l4 = icmp_message(m);
    w::store16(&l4[w::icmp::checksum], checksum(l4));
    return ipv4_packet(h, w::proto_icmp, l4);
}

Bytes ipv6_packet(const Ipv6Header& h, std::uint8_t next_header, std::span<const std::uint8_t> payload) {
    Bytes options;
    if (h.encapsulation_limit) {
        // Next header, length 0 (8 bytes), Tunnel Encapsulation Limit (type 4,
        // length 1), PadN (type 1, length 1) to fill the 8 bytes.
        options = {next_header, 0, 4, 1, *h.encapsulation_limit, 1, 1, 0};
        next_header = w::proto_destination_options;
    }
    Bytes p(w::ipv6::header_size + options.size() + payload.size());
    std::uint32_t first = 6u << 28 | std::uint32_t{h.traffic_class} << 20 | (h.flow_label & 0xfffff);
    w::store32(&p[0], first);
    w::store16(&p[w::ipv6::payload_length], static_cast<std::uint16_t>(options.size() + payload.size()));
    p[w::ipv6::next_header] = next_header;
    p[w::ipv6::hop_limit] = h.hop_limit;
    std::copy(h.source.begin(), h.source.end(), p.begin() + w::ipv6::source);
    std::copy(h.destination.begin(), h.destination.end(), p.begin() + w::ipv6::destination);
    auto at = std::copy(options.begin(), options.end(), p.begin() + w::ipv6::header_size);
    std::copy(payload.begin(), payload.end(), at);
    return p;
}

Bytes softwire(const Ipv6Header& h, std::span<const std::uint8_t> ipv4) { return ipv6_packet(h, w::proto_ipv4, ipv4); }

Bytes ipv6_icmp(const Ipv6Header& h, const IcmpMessage& m) {
    Bytes l4 = icmp_message(m);
    auto sum = pseudo_header_ipv6(h.source.data(), h.destination.data(), w::proto_icmpv6,
                                  static_cast<std::uint32_t>(l4.size()));
    w::store16(&l4[w::icmp::checksum], checksum(l4, sum));
    return ipv6_packet(h, w::proto_icmpv6, l4);
}

Bytes ipv6_fragment(const Ipv6Header& h, std::uint8_t next_header, std::uint32_t identification, std::size_t offset,
                    bool more, std::span<const std::uint8_t> data) {
    Bytes f(8 + data.size());
    f[0] = next_header;
    w::store16(&f[2], static_cast<std::uint16_t>((offset & 0xfff8) | (more ? 1 : 0)));
    w::store32(&f[4], identification);
    std::copy(data.begin(), data.end(), f.begin() + 8);
    Ipv6Header plain = h;
    plain.encapsulation_limit.reset();  // the fragment header comes first here
    return ipv6_packet(plain, w::proto_fragment, f);
}

std::vector<Bytes> ipv6_fragments(const Ipv6Header& h, std::uint8_t next_header, std::span<const std::uint8_t> payload,
                                  std::size_t mtu, std::uint32_t identification) {
    const std::size_t chunk = (mtu - w::ipv6::header_size - 8) / 8 * 8;
    std::vector<Bytes> out;
    for (std::size_t offset = 0; offset < payload.size(); offset += chunk) {
        const std::size_t length = std::min(chunk, payload.size() - offset);
        out.push_back(ipv6_fragment(h, next_header, identification, offset, offset + length < payload.size(),
                                    payload.subspan(offset, length)));
    }
    return out;
}

std::vector<Bytes> ipv4_fragments(std::span<const std::uint8_t> ipv4, std::size_t mtu) {
    const std::size_t header = w::ipv4::header_length(ipv4.data());
    const std::size_t payload = ipv4.size() - header;
    const std::size_t chunk = (mtu - header) / 8 * 8;
    std::vector<Bytes> out;
    for (std::size_t offset = 0; offset < payload; offset += chunk) {
        const std::size_t length = std::min(chunk, payload - offset);
        Bytes f(ipv4.begin(), ipv4.begin() + static_cast<std::ptrdiff_t>(header));
        f.insert(f.end(), ipv4.begin() + static_cast<std::ptrdiff_t>(header + offset),
                 ipv4.begin() + static_cast<std::ptrdiff_t>(header + offset + length));
        w::store16(&f[w::ipv4::total_length], static_cast<std::uint16_t>(f.size()));
        const std::uint16_t df = w::load16(&ipv4[w::ipv4::flags_fragment]) & w::ipv4::flag_df;
        const bool more = offset + length < payload;
        w::store16(&f[w::ipv4::flags_fragment],
                   static_cast<std::uint16_t>(df | (more ? w::ipv4::flag_mf : 0) | (offset / 8)));
        refresh_ipv4_header_checksum(f);
        out.push_back(std::move(f));
    }
    return out;
}

Bytes ethernet_frame(std::span<const std::uint8_t> ip) {
    // Locally administered MACs: the AFTR side and a B4/router side.
    Bytes f = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    const bool is_v6 = !ip.empty() && (ip[0] >> 4) == 6;
    f.push_back(is_v6 ? 0x86 : 0x08);
    f.push_back(is_v6 ? 0xdd : 0x00);
    f.insert(f.end(), ip.begin(), ip.end());
    if (f.size() < 60) f.resize(60, 0);
    return f;
}

}  // namespace dslite::test
