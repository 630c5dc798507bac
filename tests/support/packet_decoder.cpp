// SPDX-License-Identifier: BSD-2-Clause
#include "support/packet_decoder.hpp"

#include <algorithm>
#include <cstdio>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite::test {

namespace w = dslite::wire;

namespace {

using Span = std::span<const std::uint8_t>;

// Recomputes a checksum with its field treated as zero; true if it matches.
// The bytes before the field and after it are summed in place (the field is
// at an even offset in every header), without a copy: the fuzz harness asks
// this twice for every input.
bool checksum_matches(Span data, std::size_t field, std::uint32_t initial, bool udp) {
    const std::uint16_t stored = w::load16(&data[field]);
    const std::uint32_t sum = checksum_partial(data.subspan(field + 2), checksum_partial(data.first(field), initial));
    std::uint16_t computed = static_cast<std::uint16_t>(~checksum_fold(sum));
    if (udp && computed == 0) computed = 0xffff;
    return computed == stored;
}

// How decode_l4 treats the transport checksum: outside quotes a wrong one is
// a problem; inside a quote that holds the whole packet it is only computed
// (checksum_ok), since the AFTR need not check it (RFC 5508 REQ-3) but should
// keep it right; a quote cut short cannot be summed at all.
enum class Checksum { report, compute, skip };

// `l4` is what arrived after the IP header, already cut to the IP length.
// `pseudo` is the pseudo header sum.
L4Info decode_l4(std::uint8_t protocol, Span l4, std::uint32_t pseudo, bool icmpv6, Checksum mode,
                 std::vector<std::string>& problems, const std::string& where) {
    L4Info info;
    info.protocol = protocol;
    const bool check_checksum = mode == Checksum::report;
    info.checksum_checked = mode != Checksum::skip;
    auto fail = [&](const std::string& what) {
        if (check_checksum) problems.push_back(where + ": " + what);
    };
    if (protocol == w::proto_udp) {
        info.complete = l4.size() >= w::udp::header_size;
        if (!info.complete) {
            info.checksum_checked = false;
            fail("UDP header truncated");
            if (l4.size() >= 4) {
                info.source_port = w::load16(&l4[0]);
                info.destination_port = w::load16(&l4[2]);
            }
            return info;
        }
        info.source_port = w::load16(&l4[w::l4::source_port]);
        info.destination_port = w::load16(&l4[w::l4::destination_port]);
        info.checksum = w::load16(&l4[w::udp::checksum]);
        info.payload.assign(l4.begin() + w::udp::header_size, l4.end());
        if (mode == Checksum::skip) return info;
        if (w::load16(&l4[w::udp::length]) != l4.size()) fail("UDP length disagrees with IP length");
        info.checksum_ok = info.checksum == 0 || checksum_matches(l4, w::udp::checksum, pseudo, true);
        if (!info.checksum_ok) fail("UDP checksum wrong");
    } else if (protocol == w::proto_tcp) {
        if (l4.size() >= 4) {
            info.source_port = w::load16(&l4[0]);
            info.destination_port = w::load16(&l4[2]);
        }
        if (l4.size() >= 8) info.seq = w::load32(&l4[4]);
        std::size_t offset = l4.size() >= 13 ? (l4[12] >> 4) * 4u : 0;
        info.complete =
            l4.size() >= w::tcp::min_header_size && offset >= w::tcp::min_header_size && offset <= l4.size();
        if (!info.complete) {
            info.checksum_checked = false;
            fail("TCP header truncated");
            return info;
        }
        info.ack = w::load32(&l4[8]);
        info.tcp_flags = l4[w::tcp::flags];
        for (std::size_t i = w::tcp::min_header_size; i < offset;) {
            if (l4[i] == 0) break;  // End of Option List
            if (l4[i] == 1) {       // No-Operation
                ++i;
                continue;
            }
            if (i + 1 >= offset || l4[i + 1] < 2 || i + l4[i + 1] > offset) {
                fail("TCP option overruns the header");
                break;
            }
            if (l4[i] == 2 && l4[i + 1] == 4) info.tcp_mss = w::load16(&l4[i + 2]);
            i += l4[i + 1];
        }
        info.checksum = w::load16(&l4[w::tcp::checksum]);
        info.payload.assign(l4.begin() + static_cast<std::ptrdiff_t>(offset), l4.end());
        if (mode == Checksum::skip) return info;
        info.checksum_ok = checksum_matches(l4, w::tcp::checksum, pseudo, false);
        if (!info.checksum_ok) fail("TCP checksum wrong");
    } else if (protocol == w::proto_icmp || protocol == w::proto_icmpv6) {
        info.complete = l4.size() >= w::icmp::header_size;
        if (l4.size() >= 2) {
            info.icmp_type = l4[w::icmp::type];
            info.icmp_code = l4[w::icmp::code];
        }
        if (!info.complete) {
            info.checksum_checked = false;
            fail("ICMP header truncated");
            return info;
        }
        info.checksum = w::load16(&l4[w::icmp::checksum]);
        info.icmp_identifier = w::load16(&l4[w::icmp::identifier]);
        info.icmp_sequence = w::load16(&l4[w::icmp::identifier + 2]);
        info.payload.assign(l4.begin() + w::icmp::header_size, l4.end());
        if (mode == Checksum::skip) return info;
        info.checksum_ok = checksum_matches(l4, w::icmp::checksum, icmpv6 ? pseudo : 0, false);
        if (!info.checksum_ok) fail(icmpv6 ? "ICMPv6 checksum wrong" : "ICMP checksum wrong");
    }
    return info;
}

bool is_icmpv4_error(std::uint8_t type) {
    return type == w::icmp::destination_unreachable || type == w::icmp::time_exceeded ||
           type == w::icmp::parameter_problem;
}

// `quoted` packets (inside ICMP errors) may be cut anywhere after the IP header.
Ipv4Info decode_ipv4(Span p, bool quoted, std::vector<std::string>& problems, const std::string& where) {
    Ipv4Info info;
    info.captured = p.size();
    info.bytes.assign(p.begin(), p.end());
    auto fail = [&](const std::string& what) { problems.push_back(where + ": " + what); };
    if (p.size() < w::ipv4::min_header_size) {
        fail("IPv4 header truncated");
        return info;
    }
    info.version = p[0] >> 4;
    info.header_length = static_cast<std::uint8_t>(w::ipv4::header_length(p.data()));
    info.tos = p[w::ipv4::tos];
    info.total_length = w::load16(&p[w::ipv4::total_length]);
    info.identification = w::load16(&p[w::ipv4::identification]);
    info.flags_fragment = w::load16(&p[w::ipv4::flags_fragment]);
    info.ttl = p[w::ipv4::ttl];
    info.protocol = p[w::ipv4::protocol];
    info.header_checksum = w::load16(&p[w::ipv4::checksum]);
    info.source.value = w::load32(&p[w::ipv4::source]);
    info.destination.value = w::load32(&p[w::ipv4::destination]);
    if (info.version != 4) fail("IPv4 version is " + std::to_string(info.version));
    if (info.header_length < w::ipv4::min_header_size || info.header_length > p.size()) {
        fail("IPv4 IHL out of range");
        return info;
    }
    info.header_checksum_ok = checksum_matches(p.first(info.header_length), w::ipv4::checksum, 0, false);
    if (!info.header_checksum_ok) fail("IPv4 header checksum wrong");

    std::size_t end = p.size();
    Checksum mode = Checksum::report;
    if (quoted) {
        end = std::min<std::size_t>(end, info.total_length);
        mode = p.size() >= info.total_length ? Checksum::compute : Checksum::skip;
    } else if (info.total_length != p.size()) {
        fail("IPv4 total length " + std::to_string(info.total_length) + " but " + std::to_string(p.size()) + " bytes");
        end = std::min<std::size_t>(end, info.total_length);
    }
    if (end < info.header_length) return info;
    if ((info.flags_fragment & (w::ipv4::offset_mask | w::ipv4::flag_mf)) != 0) return info;  // no L4 in fragments

    Span l4 = p.subspan(info.header_length, end - info.header_length);
    auto pseudo = pseudo_header_ipv4(&p[w::ipv4::source], &p[w::ipv4::destination], info.protocol,
                                     static_cast<std::uint16_t>(l4.size()));
    info.l4 = decode_l4(info.protocol, l4, pseudo, false, mode, problems, where);
    if (!quoted && info.protocol == w::proto_icmp && info.l4.complete && is_icmpv4_error(info.l4.icmp_type)) {
        info.quoted.push_back(decode_ipv4(l4.subspan(w::icmp::header_size), true, problems, where + " quote"));
    }
    return info;
}

}  // namespace

std::optional<bool> l4_checksum_verdict(Span p) {
    if (p.empty()) return std::nullopt;
    Span ip = p;
    if ((p[0] >> 4) == 6) {
        // The walk decode() makes to the inner IPv4: Destination Options,
        // then a first (and only) fragment, then IPv4.
        if (p.size() < w::ipv6::header_size) return std::nullopt;
        Span rest = p.subspan(w::ipv6::header_size, std::min<std::size_t>(w::load16(&p[w::ipv6::payload_length]),
                                                                          p.size() - w::ipv6::header_size));
        std::uint8_t next = p[w::ipv6::next_header];
        if (next == w::proto_destination_options) {
            if (rest.size() < 8 || rest.size() < (rest[1] + 1u) * 8) return std::nullopt;
            next = rest[0];
            rest = rest.subspan((rest[1] + 1u) * 8);
        }
        if (next == w::proto_fragment) {
            if (rest.size() < 8) return std::nullopt;
            const std::uint16_t offset_flags = w::load16(&rest[2]);
            if ((offset_flags & 0xfff8) != 0 || (offset_flags & 1) != 0) return std::nullopt;
            next = rest[0];
            rest = rest.subspan(8);
        }
        if (next != w::proto_ipv4) return std::nullopt;
        ip = rest;
    } else if ((p[0] >> 4) != 4) {
        return std::nullopt;
    }
    // decode_ipv4, outside a quote (its version check only reports).
    if (ip.size() < w::ipv4::min_header_size) return std::nullopt;
    const std::size_t header = w::ipv4::header_length(ip.data());
    if (header < w::ipv4::min_header_size || header > ip.size()) return std::nullopt;
    if (!checksum_matches(ip.first(header), w::ipv4::checksum, 0, false)) return std::nullopt;
    if (w::load16(&ip[w::ipv4::total_length]) != ip.size()) return std::nullopt;
    if ((w::load16(&ip[w::ipv4::flags_fragment]) & (w::ipv4::offset_mask | w::ipv4::flag_mf)) != 0) return std::nullopt;
    const Span l4 = ip.subspan(header);
    const std::uint8_t protocol = ip[w::ipv4::protocol];
    const auto pseudo = pseudo_header_ipv4(&ip[w::ipv4::source], &ip[w::ipv4::destination], protocol,
                                           static_cast<std::uint16_t>(l4.size()));
    // decode_l4: the same completeness, the same sums.
    if (protocol == w::proto_udp) {
        if (l4.size() < w::udp::header_size) return std::nullopt;
        return w::load16(&l4[w::udp::checksum]) == 0 || checksum_matches(l4, w::udp::checksum, pseudo, true);
    }
    if (protocol == w::proto_tcp) {
        const std::size_t offset = l4.size() >= 13 ? (l4[12] >> 4) * 4u : 0;
        if (l4.size() < w::tcp::min_header_size || offset < w::tcp::min_header_size || offset > l4.size())
            return std::nullopt;
        return checksum_matches(l4, w::tcp::checksum, pseudo, false);
    }
    if (protocol == w::proto_icmp || protocol == w::proto_icmpv6) {
        if (l4.size() < w::icmp::header_size) return std::nullopt;
        return checksum_matches(l4, w::icmp::checksum, 0, false);
    }
    return std::nullopt;
}

Decoded decode(Span p) {
    Decoded d;
    auto fail = [&](const std::string& what) { d.problems.push_back(what); };
    if (p.empty()) {
        fail("empty packet");
        return d;
    }
    if ((p[0] >> 4) == 4) {
        d.ipv4 = decode_ipv4(p, false, d.problems, "IPv4");
        return d;
    }
    if ((p[0] >> 4) != 6) {
        fail("neither IPv4 nor IPv6");
        return d;
    }
    if (p.size() < w::ipv6::header_size) {
        fail("IPv6 header truncated");
        return d;
    }
    Ipv6Info& v6 = d.ipv6.emplace();
    v6.bytes.assign(p.begin(), p.end());
    const std::uint32_t first = w::load32(&p[0]);
    v6.traffic_class = static_cast<std::uint8_t>(first >> 20);
    v6.flow_label = first & 0xfffff;
    v6.payload_length = w::load16(&p[w::ipv6::payload_length]);
    v6.next_header = p[w::ipv6::next_header];
    v6.hop_limit = p[w::ipv6::hop_limit];
    std::copy_n(&p[w::ipv6::source], 16, v6.source.begin());
    std::copy_n(&p[w::ipv6::destination], 16, v6.destination.begin());
    if (w::ipv6::header_size + v6.payload_length != p.size()) {
        fail("IPv6 payload length " + std::to_string(v6.payload_length) + " but " +
             std::to_string(p.size() - w::ipv6::header_size) + " bytes follow");
    }
    Span rest =
        p.subspan(w::ipv6::header_size, std::min<std::size_t>(v6.payload_length, p.size() - w::ipv6::header_size));
    std::uint8_t next = v6.next_header;
    if (next == w::proto_destination_options) {
        if (rest.size() < 8 || rest.size() < (rest[1] + 1u) * 8) {
            fail("Destination Options truncated");
            return d;
        }
        const std::size_t length = (rest[1] + 1u) * 8;
        for (std::size_t i = 2; i < length;) {
            if (rest[i] == 0) {  // Pad1
                ++i;
                continue;
            }
            if (i + 2 > length || i + 2 + rest[i + 1] > length) {
                fail("Destination option overruns its header");
                break;
            }
            if (rest[i] == 4 && rest[i + 1] == 1) v6.encapsulation_limit = rest[i + 2];
            i += 2 + rest[i + 1];
        }
        next = rest[0];
        rest = rest.subspan(length);
    }
    if (next == w::proto_fragment) {
        if (rest.size() < 8) {
            fail("Fragment header truncated");
            return d;
        }
        Ipv6Fragment& f = v6.fragment.emplace();
        f.next_header = rest[0];
        const std::uint16_t offset_flags = w::load16(&rest[2]);
        f.offset = offset_flags & 0xfff8;
        f.more = (offset_flags & 1) != 0;
        f.identification = w::load32(&rest[4]);
        if (rest[1] != 0 || (offset_flags & 6) != 0) fail("Fragment header reserved bits set");
        next = f.next_header;
        rest = rest.subspan(8);
        if (f.offset != 0 || f.more) {
            if (f.more && rest.size() % 8 != 0) fail("non-last IPv6 fragment not a multiple of 8 bytes");
            if (rest.empty()) fail("empty IPv6 fragment");
            v6.upper_protocol = next;
            v6.fragment_data.assign(rest.begin(), rest.end());
            return d;
        }
    }
    v6.upper_protocol = next;
    if (next == w::proto_ipv4) {
        v6.inner = decode_ipv4(rest, false, d.problems, "inner IPv4");
    } else if (next == w::proto_icmpv6) {
        auto pseudo = pseudo_header_ipv6(&p[w::ipv6::source], &p[w::ipv6::destination], w::proto_icmpv6,
                                         static_cast<std::uint32_t>(rest.size()));
        v6.icmpv6 = decode_l4(next, rest, pseudo, true, Checksum::report, d.problems, "ICMPv6");
    } else {
        fail("IPv6 next header " + std::to_string(next) + " is neither IPv4 nor ICMPv6");
    }
    return d;
}

namespace {

// Orders the pieces by offset and checks they tile [0, end) exactly once,
// with only the last one saying no more fragments follow.
struct Piece {
    std::size_t offset;
    bool more;
    std::span<const std::uint8_t> data;
};

bool tile(std::vector<Piece>& pieces, std::string& problem) {
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.offset < b.offset; });
    std::size_t next = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const Piece& piece = pieces[i];
        const bool last = i + 1 == pieces.size();
        if (piece.offset < next) {
            problem = "fragments overlap at offset " + std::to_string(piece.offset);
            return false;
        }
        if (piece.offset > next) {
            problem = "gap before offset " + std::to_string(piece.offset);
            return false;
        }
        if (piece.more == last) {
            problem = last ? "last fragment says more follow" : "a fragment before the end says no more follow";
            return false;
        }
        if (!last && piece.data.size() % 8 != 0) {
            problem = "fragment at offset " + std::to_string(piece.offset) + " is not a multiple of 8 bytes";
            return false;
        }
        next += piece.data.size();
    }
    return true;
}

}  // namespace

std::optional<Bytes> join_ipv4_fragments(const std::vector<Bytes>& fragments, std::string& problem) {
    if (fragments.empty()) {
        problem = "no fragments";
        return std::nullopt;
    }
    std::vector<Piece> pieces;
    const Bytes* first = nullptr;
    for (const auto& f : fragments) {
        if (f.size() < w::ipv4::min_header_size || (f[0] >> 4) != 4) {
            problem = "not an IPv4 fragment";
            return std::nullopt;
        }
        const std::size_t header = w::ipv4::header_length(f.data());
        const std::uint16_t flags = w::load16(&f[w::ipv4::flags_fragment]);
        if (header < w::ipv4::min_header_size || header > f.size() ||
            w::load16(&f[w::ipv4::total_length]) != f.size()) {
            problem = "IPv4 fragment with bad lengths";
            return std::nullopt;
        }
        // RFC 791: a datagram is identified by source, destination, protocol and identification.
        const auto& a = fragments.front();
        if (!std::equal(&f[w::ipv4::source], &f[w::ipv4::source] + 8, &a[w::ipv4::source]) ||
            f[w::ipv4::protocol] != a[w::ipv4::protocol] ||
            w::load16(&f[w::ipv4::identification]) != w::load16(&a[w::ipv4::identification])) {
            problem = "fragments of different datagrams";
            return std::nullopt;
        }
        const std::size_t offset = (flags & w::ipv4::offset_mask) * 8u;
        if (offset == 0) first = &f;
        pieces.push_back({offset, (flags & w::ipv4::flag_mf) != 0, std::span(f).subspan(header)});
    }
    if (!tile(pieces, problem)) return std::nullopt;
    const std::size_t header = w::ipv4::header_length(first->data());
    Bytes whole(first->begin(), first->begin() + static_cast<std::ptrdiff_t>(header));
    for (const auto& piece : pieces) whole.insert(whole.end(), piece.data.begin(), piece.data.end());
    if (whole.size() > 0xffff) {
        problem = "reassembled datagram longer than 65535 bytes";
        return std::nullopt;
    }
    w::store16(&whole[w::ipv4::total_length], static_cast<std::uint16_t>(whole.size()));
    w::store16(&whole[w::ipv4::flags_fragment], w::load16(&whole[w::ipv4::flags_fragment]) & w::ipv4::flag_df);
    refresh_ipv4_header_checksum(whole);
    return whole;
}

std::optional<Bytes> join_ipv6_fragments(const std::vector<Bytes>& fragments, std::string& problem) {
    if (fragments.empty()) {
        problem = "no fragments";
        return std::nullopt;
    }
    std::vector<Piece> pieces;
    const Bytes* first = nullptr;
    const std::size_t data_at = w::ipv6::header_size + 8;
    for (const auto& f : fragments) {
        if (f.size() < data_at || (f[0] >> 4) != 6 || f[w::ipv6::next_header] != w::proto_fragment ||
            w::ipv6::header_size + w::load16(&f[w::ipv6::payload_length]) != f.size()) {
            problem = "not an IPv6 packet with a Fragment header after the fixed header";
            return std::nullopt;
        }
        // RFC 8200 4.5: a datagram is identified by source, destination and identification.
        const auto& a = fragments.front();
        if (!std::equal(&f[w::ipv6::source], &f[w::ipv6::source] + 32, &a[w::ipv6::source]) ||
            w::load32(&f[w::ipv6::header_size + 4]) != w::load32(&a[w::ipv6::header_size + 4]) ||
            f[w::ipv6::header_size] != a[w::ipv6::header_size]) {
            problem = "fragments of different datagrams";
            return std::nullopt;
        }
        const std::uint16_t offset_flags = w::load16(&f[w::ipv6::header_size + 2]);
        if ((offset_flags & 0xfff8) == 0) first = &f;
        pieces.push_back({std::size_t{offset_flags & 0xfff8u}, (offset_flags & 1) != 0, std::span(f).subspan(data_at)});
    }
    if (!tile(pieces, problem)) return std::nullopt;
    Bytes whole(first->begin(), first->begin() + w::ipv6::header_size);
    whole[w::ipv6::next_header] = (*first)[w::ipv6::header_size];
    for (const auto& piece : pieces) whole.insert(whole.end(), piece.data.begin(), piece.data.end());
    if (whole.size() - w::ipv6::header_size > 0xffff) {
        problem = "reassembled payload longer than 65535 bytes";
        return std::nullopt;
    }
    w::store16(&whole[w::ipv6::payload_length], static_cast<std::uint16_t>(whole.size() - w::ipv6::header_size));
    return whole;
}

namespace {

std::string hex(unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "0x%02x", v);
    return b;
}

std::string describe_l4(const L4Info& l4) {
    std::string s;
    if (l4.protocol == w::proto_udp) {
        s = "UDP " + std::to_string(l4.source_port) + " > " + std::to_string(l4.destination_port) + " cksum " +
            hex(l4.checksum);
    } else if (l4.protocol == w::proto_tcp) {
        s = "TCP " + std::to_string(l4.source_port) + " > " + std::to_string(l4.destination_port) + " flags " +
            hex(l4.tcp_flags);
    } else if (l4.protocol == w::proto_icmp || l4.protocol == w::proto_icmpv6) {
        s = std::string(l4.protocol == w::proto_icmp ? "ICMP " : "ICMPv6 ") + std::to_string(l4.icmp_type) + "/" +
            std::to_string(l4.icmp_code) + " id " + std::to_string(l4.icmp_identifier) + " seq " +
            std::to_string(l4.icmp_sequence);
    } else {
        return "proto " + std::to_string(l4.protocol);
    }
    std::string text;
    for (auto c : l4.payload) text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return s + " '" + text + "'";
}

}  // namespace

std::string describe(const Ipv4Info& p) {
    std::string s = "IPv4 " + to_string(p.source) + " > " + to_string(p.destination) + " ttl " + std::to_string(p.ttl) +
                    " tos " + hex(p.tos) + " len " + std::to_string(p.total_length);
    if (p.flags_fragment & w::ipv4::flag_df) s += " DF";
    if (p.flags_fragment & (w::ipv4::offset_mask | w::ipv4::flag_mf)) {
        s += " frag id " + std::to_string(p.identification) + " off " +
             std::to_string((p.flags_fragment & w::ipv4::offset_mask) * 8) +
             (p.flags_fragment & w::ipv4::flag_mf ? " MF" : "");
    }
    s += " | " + describe_l4(p.l4);
    for (const auto& q : p.quoted) s += " [quoting " + describe(q) + "]";
    return s;
}

std::string describe(const Decoded& d) {
    std::string s;
    if (d.ipv6) {
        const auto& v6 = *d.ipv6;
        s = "IPv6 " + to_string(v6.source) + " > " + to_string(v6.destination) + " hl " + std::to_string(v6.hop_limit) +
            " tc " + hex(v6.traffic_class) + " fl " + std::to_string(v6.flow_label);
        if (v6.encapsulation_limit) s += " tel " + std::to_string(*v6.encapsulation_limit);
        if (v6.fragment) {
            s += " frag id " + std::to_string(v6.fragment->identification) + " off " +
                 std::to_string(v6.fragment->offset) + (v6.fragment->more ? " MF" : "") + " len " +
                 std::to_string(v6.fragment_data.size());
        }
        if (v6.inner) s += " | " + describe(*v6.inner);
        if (v6.icmpv6) s += " | " + describe_l4(*v6.icmpv6);
    } else if (d.ipv4) {
        s = describe(*d.ipv4);
    }
    for (const auto& problem : d.problems) s += " !! " + problem;
    return s;
}

}  // namespace dslite::test
