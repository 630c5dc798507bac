#include "dslite/config.hpp"

namespace dslite {

std::optional<std::string> validate(const EngineConfig& c) {
    if (c.aftr_address == Ipv6Address{}) return "aftr-address: must be set to a unicast IPv6 address";
    if (c.aftr_address[0] == 0xff) return "aftr-address: must not be multicast";
    if (c.pools.empty()) return "pool: at least one IPv4 prefix is needed";
    std::uint64_t addresses = 0;
    for (std::size_t i = 0; i < c.pools.size(); ++i) {
        if (c.pools[i].length < 8) return "pool: " + to_string(c.pools[i]) + " is larger than a /8";
        addresses += c.pools[i].size();
        for (std::size_t j = 0; j < i; ++j)
            if (c.pools[i].overlaps(c.pools[j]))
                return "pool: " + to_string(c.pools[i]) + " overlaps " + to_string(c.pools[j]);
    }
    // Port bitmaps are pre-sized per address: 24 KiB each.
    if (addresses > (1u << 14)) return "pool: more than 16384 addresses in all";
    if (c.port_min == 0 || c.port_min > c.port_max) return "port-range: needs 1 <= min <= max <= 65535";
    if (c.quota.tcp == 0) return "quota-tcp: must be at least 1";
    if (c.quota.udp == 0) return "quota-udp: must be at least 1";
    if (c.quota.icmp == 0) return "quota-icmp: must be at least 1";
    if (c.timeouts.udp < 120) return "udp-timeout: RFC 4787 REQ-5 needs at least 120 s";
    if (c.timeouts.tcp_established < 7440) return "tcp-established-timeout: RFC 5382 REQ-5 needs at least 7440 s";
    if (c.timeouts.tcp_transitory < 240) return "tcp-transitory-timeout: RFC 5382 REQ-5 needs at least 240 s";
    if (c.timeouts.icmp < 60) return "icmp-timeout: RFC 5508 REQ-2 needs at least 60 s";
    const std::pair<std::uint32_t, const char*> timeouts[] = {{c.timeouts.udp, "udp-timeout"},
                                                              {c.timeouts.tcp_established, "tcp-established-timeout"},
                                                              {c.timeouts.tcp_transitory, "tcp-transitory-timeout"},
                                                              {c.timeouts.icmp, "icmp-timeout"}};
    for (auto [seconds, option] : timeouts)
        if (seconds > 86400) return std::string(option) + ": at most 86400 s";
    if (c.port_hold_seconds > 3600) return "port-hold: at most 3600 s";
    if (c.max_sessions == 0 || c.max_sessions > (1u << 26)) return "max-sessions: must be 1 to 67108864";
    if (c.max_subscribers == 0 || c.max_subscribers > (1u << 24)) return "max-subscribers: must be 1 to 16777216";
    if (c.reassembly.slots == 0 || c.reassembly.slots > 4096) return "reassembly-slots: must be 1 to 4096";
    if (c.reassembly.per_owner == 0) return "reassembly-per-owner: must be at least 1";
    if (c.reassembly.timeout == 0 || c.reassembly.timeout > 120) return "reassembly-timeout: must be 1 to 120 s";
    if (c.tunnel_mtu < 1280 || c.tunnel_mtu > kMaxMtu) return "tunnel-mtu: must be 1280 to 9000 (IPv6 minimum MTU)";
    if (c.uplink_mtu < 576 || c.uplink_mtu > kMaxMtu) return "uplink-mtu: must be 576 to 9000";
    if (c.mss_clamp != 0 && (c.mss_clamp < 536 || c.mss_clamp > 8960))
        return "mss-clamp: must be 0 (off) or 536 to 8960";
    if (c.subscriber_prefix_length == 0 || c.subscriber_prefix_length > 128)
        return "subscriber-prefix-length: must be 1 to 128";
    return std::nullopt;
}

std::vector<std::pair<std::uint16_t, std::uint16_t>> split_port_range(std::uint16_t min, std::uint16_t max,
                                                                      unsigned n) {
    std::vector<std::pair<std::uint16_t, std::uint16_t>> slices;
    if (n == 0 || min > max) return slices;
    std::uint32_t total = std::uint32_t{max} - min + 1;
    std::uint32_t start = min;
    for (unsigned i = 0; i < n; ++i) {
        std::uint32_t size = total / n + (i < total % n ? 1 : 0);
        if (size == 0) break;
        slices.emplace_back(static_cast<std::uint16_t>(start), static_cast<std::uint16_t>(start + size - 1));
        start += size;
    }
    return slices;
}

}  // namespace dslite
