// SPDX-License-Identifier: BSD-2-Clause
// PCP (RFC 6887) at 192.0.0.1:5351 from the hosts behind the B4s, beside
// NAT-PMP (port_control.cpp) on the same port. The softwire says who asks:
// the internal address is the request's inner source (or, for the sources
// --pcp-third-party names, another host of the same softwire), so one
// subscriber can never reach another's bindings. MAP makes a binding
// requested, as NAT-PMP does, with its nonce and at most one FILTER; PEER
// makes or refreshes a binding as an outbound packet would; ANNOUNCE answers
// the epoch. Every request gets an answer or a counted drop; an error
// changes nothing (RFC 6887 7.3).
#include <algorithm>
#include <array>
#include <cstring>

#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

namespace {

// RFC 6887 7.4.
enum Result : std::uint8_t {
    success = 0,
    unsupp_version = 1,
    not_authorized = 2,
    malformed_request = 3,
    unsupp_opcode = 4,
    unsupp_option = 5,
    malformed_option = 6,
    network_failure = 7,
    no_resources = 8,
    unsupp_protocol = 9,
    user_ex_quota = 10,
    cannot_provide_external = 11,
    address_mismatch = 12,
    excessive_remote_peers = 13,
};

constexpr std::uint8_t kVersion = 2;
constexpr std::uint8_t kAnnounce = 0, kMap = 1, kPeer = 2;
constexpr std::uint8_t kThirdParty = 1, kPreferFailure = 2, kFilter = 3;
constexpr std::size_t kHeader = 24, kMapData = 36, kPeerData = 56, kMaxMessage = 1100;
constexpr std::uint16_t kClientPort = 5350;                   // where ANNOUNCEs go, RFC 6887 14.1.1
constexpr std::uint32_t kAllHosts = 0xe0000001;               // 224.0.0.1
constexpr std::uint32_t kLongError = 1800, kShortError = 30;  // RFC 6887 7.4's recommendation

std::uint32_t error_lifetime(std::uint8_t result) {
    return result == network_failure || result == no_resources || result == user_ex_quota ||
                   result == cannot_provide_external
               ? kShortError
               : kLongError;
}

// The request was not parsed: RFC 6887 7.2 has the client address's last
// 96 bits copied back, which an error response already holds in place.
bool unparsed(std::uint8_t result) {
    return result == unsupp_version || result == malformed_request || result == unsupp_opcode ||
           result == unsupp_option || result == malformed_option;
}

// An IPv4-mapped IPv6 address (RFC 6887 5): the IPv4 address, or nothing.
std::optional<std::uint32_t> mapped_ipv4(const std::uint8_t* p) {
    static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(p, prefix, sizeof prefix) != 0) return std::nullopt;
    return load32(p + 12);
}

void store_mapped(std::uint8_t* p, std::uint32_t a) {
    std::memset(p, 0, 10);
    p[10] = p[11] = 0xff;
    store32(p + 12, a);
}

// The all-zeros address of either family: no preference.
bool unspecified(const std::uint8_t* p) {
    static constexpr std::array<std::uint8_t, 16> zero{};
    return std::memcmp(p, zero.data(), 16) == 0 || mapped_ipv4(p) == 0u;
}

std::uint32_t prefix_mask(std::uint8_t length) { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }

bool is_protocol(std::uint8_t p) { return p == proto_tcp || p == proto_udp; }

// MAP and PEER answer the public end at the same place (11.1, 12.1).
void write_assigned(std::uint8_t* out, const Binding& s) {
    store16(out + kHeader + 18, s.public_port);
    store_mapped(out + kHeader + 20, s.public_address);
}

// requested_binding found the subscriber but not this B4 among its softwires
// (and no room to add it): the B4 may not speak for the subscriber.
bool softwire_refused(const InnerKey& key) {
    return key.subscriber != SubscriberTable::npos && key.softwire == SubscriberTable::no_softwire;
}

}  // namespace

// A request that passed the header and option checks.
struct Engine::Impl::PcpRequest {
    const std::uint8_t* m;  // the message: header, then the opcode's data
    std::uint32_t lifetime;
    std::uint32_t host;  // the packet's inner source
    std::optional<std::uint32_t> third_party;
    bool prefer_failure = false;
    bool filters_cleared = false;  // a FILTER of prefix length 0
    unsigned filters = 0;          // FILTERs after the last clearing
    PcpMapping filter{};           // the last of them
    std::uint32_t internal() const { return third_party.value_or(host); }
    // MAP's and PEER's data share their first 36 octets (11.1, 12.1).
    const std::uint8_t* data() const { return m + kHeader; }
    std::uint8_t protocol() const { return data()[12]; }
    std::uint16_t internal_port() const { return load16(data() + 16); }
    std::uint16_t suggested_port() const { return load16(data() + 18); }
    const std::uint8_t* suggested() const { return data() + 20; }
};

std::uint32_t Engine::Impl::pcp_address_of(const InnerKey& key, Protocol p) const {
    if (key.subscriber != SubscriberTable::npos) return tables_.subscribers[key.subscriber].pool_index;
    return deterministic_ ? Pool::npos : choose_address(tables_.subscribers.hash(key.prefix), p);
}

bool Engine::Impl::pcp_port_free(std::uint32_t index, Protocol p, std::uint16_t port) const {
    // 11.3: never UDP 5350 or 5351 for a client, whatever it suggests.
    if (port == 0 || (p == Protocol::udp && (port == 5350 || port == kPortControlPort))) return false;
    return index != Pool::npos && !deterministic_ && !tables_.blocks.enabled() && owns_port(port) &&
           port >= config_.port_min && port <= config_.port_max && !tables_.ports.taken(index, p, port);
}

std::uint32_t Engine::Impl::pcp_make(const Ipv6Address& b4, const InnerKey& key, Protocol p, std::uint16_t port,
                                     std::optional<std::uint16_t> wanted, std::uint8_t& refusal) {
    Transport t{};
    t.proto = p;
    t.source = port;
    Counter why = Counter::drop_pool_exhausted;
    const std::uint32_t id = make_binding(b4, key, t, wanted, why);
    refusal =
        why == Counter::drop_quota_exhausted || why == Counter::drop_port_blocks_full ? user_ex_quota : no_resources;
    return id;
}

Verdict Engine::Impl::answer_pcp(Packet& packet, const Ipv6Address& b4, const Transport& t,
                                 std::span<const std::uint8_t> m) {
    const std::uint32_t host = load32(packet.data() + ipv4::source);
    const std::uint8_t opcode = m[1];
    // Every answer is at most the request's size rounded up to 4 (an error
    // is the request itself), and never more than 1100 octets.
    std::array<std::uint8_t, kMaxMessage> out{};
    std::size_t size = kHeader;
    std::uint32_t lifetime = 0;
    std::uint8_t result = success;

    const std::size_t data = opcode == kMap ? kMapData : opcode == kPeer ? kPeerData : 0;
    PcpRequest r{.m = m.data(), .lifetime = m.size() >= 8 ? load32(&m[4]) : 0, .host = host, .third_party = {}};
    if (m[0] != kVersion) {
        result = unsupp_version;
    } else if (m.size() < kHeader) {
        return drop(Counter::drop_port_control_malformed);  // RFC 6887 8.2: silently
    } else if (m.size() > kMaxMessage || m.size() % 4 != 0 || m.size() < kHeader + data) {
        result = malformed_request;
    } else if (mapped_ipv4(&m[8]) != host) {
        result = address_mismatch;
    } else if (opcode != kAnnounce && opcode != kMap && opcode != kPeer) {
        result = unsupp_opcode;
    } else {
        // The options, in order (7.3); the ones processed go into the answer.
        size = kHeader + data;
        for (std::size_t at = kHeader + data; at < m.size() && result == success;) {
            if (m.size() - at < 4) {
                result = malformed_option;
                break;
            }
            const std::uint8_t code = m[at];
            const std::uint16_t length = load16(&m[at + 2]);
            const std::size_t padded = (std::size_t{length} + 3) & ~std::size_t{3};
            if (padded > m.size() - at - 4) {
                result = malformed_option;
                break;
            }
            const std::uint8_t* value = &m[at + 4];
            bool processed = true;
            if (opcode == kAnnounce) {
                // None is defined for ANNOUNCE yet.
                if (code < 128) result = unsupp_option;
                processed = false;
            } else if (code == kThirdParty) {
                const auto internal = length == 16 ? mapped_ipv4(value) : std::nullopt;
                const bool allowed = std::any_of(config_.pcp_third_party.begin(), config_.pcp_third_party.end(),
                                                 [&](const Ipv4Prefix& p) { return p.contains(Ipv4Address{host}); });
                if (r.third_party || !internal)
                    result = malformed_option;
                else if (*internal == host)
                    result = malformed_request;  // 13.1
                else if (!allowed)
                    result = unsupp_option;
                else
                    r.third_party = internal;
            } else if (code == kPreferFailure) {
                if (opcode == kPeer)
                    result = malformed_request;  // 12.1: PEER implies it
                else if (r.prefer_failure || length != 0)
                    result = malformed_option;
                r.prefer_failure = true;
            } else if (code == kFilter) {
                const std::uint8_t prefix = length == 20 ? value[1] : 0xff;
                const auto remote = length == 20 ? mapped_ipv4(value + 4) : std::nullopt;
                if (opcode != kMap || length != 20) {
                    result = malformed_option;
                } else if (prefix == 0) {
                    r.filters_cleared = true;
                    r.filters = 0;
                } else if (!remote || prefix < 96 || prefix > 128) {
                    result = malformed_option;
                } else {
                    ++r.filters;
                    const auto bits = static_cast<std::uint8_t>(prefix - 96);
                    r.filter.filter_address = *remote & prefix_mask(bits);
                    r.filter.filter_port = load16(value + 2);
                    r.filter.filter_length = static_cast<std::uint8_t>(bits + 1);
                }
            } else {
                if (code < 128) result = unsupp_option;
                processed = false;
            }
            if (processed && result == success) {
                std::memcpy(&out[size], &m[at], 4 + padded);
                size += 4 + padded;
            }
            at += 4 + padded;
        }
        if (result == success) {
            std::memcpy(&out[kHeader], &m[kHeader], data);
            if (opcode == kMap)
                result = pcp_map(b4, r, out.data(), lifetime);
            else if (opcode == kPeer)
                result = pcp_peer(b4, r, out.data(), lifetime);
        }
    }

    if (result == success) {
        out[0] = kVersion;
        std::fill(&out[12], &out[kHeader], 0);
    } else {
        // An error is the request itself with the header's answer fields set
        // (8.2), padded to 4 and at least a header long.
        const std::size_t copied = std::min(m.size(), kMaxMessage);
        std::memcpy(out.data(), m.data(), copied);
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(copied), out.end(), 0);
        size = std::max(kHeader, std::min(kMaxMessage, (copied + 3) & ~std::size_t{3}));
        if (result == unsupp_version) out[0] = kVersion;  // 9: the version spoken here
        if (!unparsed(result)) std::fill(&out[12], &out[kHeader], 0);
        if (lifetime == 0) lifetime = error_lifetime(result);
    }
    out[1] = static_cast<std::uint8_t>(0x80 | opcode);
    out[2] = 0;
    out[3] = result;
    store32(&out[4], lifetime);
    store32(&out[8], epoch_seconds());
    write_port_control_answer(packet, host, t.source, {out.data(), size}, 64);
    if (!encapsulate(packet, config_.aftr_address, b4, 0)) return drop(Counter::drop_no_headroom);
    counters_.add(Counter::out_port_control_answers);
    return Verdict::to_b4;
}

// RFC 6887 11.3 and 15.1. `out` holds the request's MAP data at 24, which the
// answer keeps but for the assigned port and address.
std::uint8_t Engine::Impl::pcp_map(const Ipv6Address& b4, const PcpRequest& r, std::uint8_t* out,
                                   std::uint32_t& lifetime) {
    const std::uint8_t* op = r.data();
    const std::uint8_t proto = r.protocol();
    const std::uint16_t internal_port = r.internal_port();
    const std::uint16_t suggested_port = r.suggested_port();
    const std::uint8_t* suggested = r.suggested();
    if (proto == 0 && internal_port != 0) return malformed_request;
    // Every protocol, or every port of one (a DMZ host): not offered.
    if (!is_protocol(proto) || internal_port == 0) return unsupp_protocol;
    if (r.lifetime == 0 && (r.prefer_failure || r.filters || r.filters_cleared)) return malformed_option;
    if (r.prefer_failure && suggested_port == 0) return malformed_option;
    if (config_.pcp_max_mappings == 0 || !inner_source_allowed(r.internal())) return not_authorized;
    const Protocol p = proto == proto_tcp ? Protocol::tcp : Protocol::udp;

    InnerKey key;
    std::uint32_t id = requested_binding(b4, r.internal(), internal_port, p, key);
    if (softwire_refused(key)) return not_authorized;
    // The suggestion: a port, and an address that must be the subscriber's
    // (it has one); an IPv6 address can never be given.
    const bool any_address = unspecified(suggested);
    const std::optional<std::uint32_t> wanted_address = any_address ? std::nullopt : mapped_ipv4(suggested);
    const auto suggestion_fits = [&](std::uint32_t address, std::uint16_t port) {
        return (any_address || wanted_address == address) && suggested_port == port;
    };
    const auto lasting = [&] {
        return std::clamp(r.lifetime, std::min(kPcpMinLifetime, config_.pcp_max_lifetime), config_.pcp_max_lifetime);
    };

    if (id != BindingTable::npos) {
        const Binding& s = tables_.bindings[id];
        PcpMapping& state = tables_.pcp[id];
        if (s.is_static) {
            if (r.prefer_failure && !suggestion_fits(s.public_address, s.public_port)) return cannot_provide_external;
            write_assigned(out, s);
            lifetime = 0xffffffff;  // 11.3: a static mapping's
            return success;
        }
        if (pcp_nonce_refused(id, op, lifetime)) return not_authorized;
        if (r.lifetime == 0) {
            // 15: never sooner than traffic would let it go; the answer says when.
            unrequest(id);
            lifetime = remaining_seconds(id);
            return success;
        }
        if (r.prefer_failure && !suggestion_fits(s.public_address, s.public_port)) return cannot_provide_external;
        const bool kept = s.requested && state.filter_length != 0 && !r.filters_cleared;
        if (r.filters + (kept ? 1 : 0) > 1) return excessive_remote_peers;
        if (!s.requested && tables_.requested_count[s.subscriber] >= config_.pcp_max_mappings) return user_ex_quota;
    } else {
        if (r.lifetime == 0) return success;  // nothing to delete: lifetime 0
        if (r.filters > 1) return excessive_remote_peers;
        if (key.subscriber != SubscriberTable::npos &&
            tables_.requested_count[key.subscriber] >= config_.pcp_max_mappings)
            return user_ex_quota;
        const std::uint32_t index = pcp_address_of(key, p);
        const bool address_fits = any_address || (index != Pool::npos && wanted_address == pool_.address_at(index));
        const bool fits = address_fits && pcp_port_free(index, p, suggested_port);
        if (r.prefer_failure && !fits) return cannot_provide_external;
        std::uint8_t refusal = no_resources;
        id = pcp_make(b4, key, p, internal_port, fits ? std::optional<std::uint16_t>(suggested_port) : std::nullopt,
                      refusal);
        if (id == BindingTable::npos) return refusal;
    }
    const std::uint32_t granted = lasting();
    request(id, granted);
    PcpMapping& state = tables_.pcp[id];
    if (r.filters_cleared) state.filter_length = 0;
    if (r.filters) {
        state.filter_address = r.filter.filter_address;
        state.filter_port = r.filter.filter_port;
        state.filter_length = r.filter.filter_length;
    }
    pcp_claim(id, op, out);
    lifetime = granted;
    return success;
}

// RFC 6887 12.3: the binding an outbound packet to the peer would make or
// refresh, with the lifetime that traffic gives it.
std::uint8_t Engine::Impl::pcp_peer(const Ipv6Address& b4, const PcpRequest& r, std::uint8_t* out,
                                    std::uint32_t& lifetime) {
    const std::uint8_t* op = r.data();
    const std::uint8_t proto = r.protocol();
    const std::uint16_t internal_port = r.internal_port();
    const std::uint16_t suggested_port = r.suggested_port();
    const std::uint8_t* suggested = r.suggested();
    const std::uint16_t remote_port = load16(op + 36);
    const auto remote = mapped_ipv4(op + 40);
    if (proto == 0 || internal_port == 0 || remote_port == 0 || !remote || is_martian(*remote))
        return malformed_request;
    if (!is_protocol(proto)) return unsupp_protocol;
    if (config_.pcp_max_mappings == 0 || !inner_source_allowed(r.internal())) return not_authorized;
    const Protocol p = proto == proto_tcp ? Protocol::tcp : Protocol::udp;

    InnerKey key;
    std::uint32_t id = requested_binding(b4, r.internal(), internal_port, p, key);
    if (softwire_refused(key)) return not_authorized;
    if (id != BindingTable::npos) {
        if (pcp_nonce_refused(id, op, lifetime)) return not_authorized;
    } else {
        // A suggestion that cannot be honoured fails the request (12.1).
        const bool any = unspecified(suggested) && suggested_port == 0;
        const std::uint32_t index = pcp_address_of(key, p);
        const bool fits = index != Pool::npos &&
                          (unspecified(suggested) || mapped_ipv4(suggested) == pool_.address_at(index)) &&
                          pcp_port_free(index, p, suggested_port);
        if (!any && !fits) return cannot_provide_external;
        std::uint8_t refusal = no_resources;
        id = pcp_make(b4, key, p, internal_port, any ? std::nullopt : std::optional<std::uint16_t>(suggested_port),
                      refusal);
        if (id == BindingTable::npos) return refusal;
    }
    Binding& s = tables_.bindings[id];
    if (!s.is_static) {
        s.last_seen = now_;
        if (!tables_.remotes.empty()) remember_remote(id, s, *remote);
    }
    pcp_claim(id, op, out);
    lifetime = remaining_seconds(id);
    return success;
}

bool Engine::Impl::pcp_nonce_refused(std::uint32_t id, const std::uint8_t* nonce, std::uint32_t& lifetime) const {
    const PcpMapping& state = tables_.pcp[id];
    if (!state.has_nonce || std::memcmp(state.nonce.data(), nonce, state.nonce.size()) == 0) return false;
    lifetime = remaining_seconds(id);
    return true;
}

void Engine::Impl::pcp_claim(std::uint32_t id, const std::uint8_t* nonce, std::uint8_t* out) {
    PcpMapping& state = tables_.pcp[id];
    state.has_nonce = true;
    std::memcpy(state.nonce.data(), nonce, state.nonce.size());
    write_assigned(out, tables_.bindings[id]);
}

bool Engine::Impl::pcp_filter_allows(std::uint32_t id, std::uint32_t remote, std::uint16_t port) const {
    const PcpMapping& state = tables_.pcp[id];
    if (state.filter_length == 0) return true;
    const std::uint32_t mask = prefix_mask(static_cast<std::uint8_t>(state.filter_length - 1));
    return (remote & mask) == state.filter_address && (state.filter_port == 0 || state.filter_port == port);
}

// RFC 6887 14.1.3: from where requests are answered, to 224.0.0.1:5350
// inside the softwire, with the epoch that tells a client this server
// started again.
void Engine::Impl::send_announce(Emitter& emitter) {
    const Ipv6Address b4 = *announce_;
    announce_.reset();
    std::array<std::uint8_t, kHeader> message{};
    message[0] = kVersion;
    message[1] = 0x80 | kAnnounce;
    store32(&message[8], epoch_seconds());
    Packet packet(scratch_, ipv6::header_size, 0);
    write_port_control_answer(packet, kAllHosts, kClientPort, message, 1);
    if (!encapsulate(packet, config_.aftr_address, b4, 0)) return;
    emitter.emit(Side::b4, packet.bytes());
    counters_.add(Counter::sent_pcp_announces);
}

}  // namespace dslite
