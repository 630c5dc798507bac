// SPDX-License-Identifier: BSD-2-Clause
// The engine's state, shared by the two directions (b4_to_uplink.cpp, uplink_to_b4.cpp)
// and the housekeeping in engine.cpp.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "dslite/deterministic.hpp"
#include "dslite/engine.hpp"
#include "dslite/events.hpp"
#include "ipv4.hpp"
#include "dslite/pool.hpp"
#include "port_allocator.hpp"
#include "port_blocks.hpp"
#include "reassembly.hpp"
#include "rng.hpp"
#include "binding_table.hpp"
#include "subscriber_table.hpp"
#include "timer_wheel.hpp"

namespace dslite {

inline constexpr std::uint32_t kAftrIpv4 = 0xc0000001;  // 192.0.0.1, RFC 6333 6.5
inline constexpr std::size_t kRemembered = 4;           // remotes per binding under ADF

inline constexpr std::uint16_t kPortControlPort = 5351;  // NAT-PMP and PCP, RFC 6887 19.1
// The shortest mapping lifetime given (RFC 6887 15): a client asking for
// less would renew too often.
inline constexpr std::uint32_t kPcpMinLifetime = 120;

// What NAT-PMP and PCP keep of a binding they touched (RFC 6887 11.3, 13.3).
struct PcpMapping {
    std::uint32_t until = 0;  // a requested binding's end of lifetime, engine seconds
    std::array<std::uint8_t, 12> nonce{};
    std::uint32_t filter_address = 0;  // FILTER: the remote prefix let in
    std::uint16_t filter_port = 0;     // 0: every port
    std::uint8_t filter_length = 0;    // the prefix length + 1; 0: no filter
    bool has_nonce = false;            // a PCP MAP or PEER named it (NAT-PMP has none)
};

// A packet's lookup hashes, computed ahead for a burst (burst.cpp): its
// binding's, and for a B4's packet its subscriber's, which that path finds first.
struct Keys {
    std::uint32_t binding = 0;
    std::uint32_t subscriber = 0;
    // A packet of the common shape. A word, not a bool: byte stores read
    // back as wider loads would stall store forwarding in the burst loop.
    std::uint32_t valid = 0;
};

class Engine::Impl {
public:
    explicit Impl(const EngineConfig& config);

    Verdict from_b4(Packet& packet, Time now, Emitter& emitter);
    Verdict from_uplink(Packet& packet, Time now, Emitter& emitter);
    void advance(Time now);

    // b4_to_uplink.cpp: a B4's packet after it was counted (b4_in; again on
    // a datagram reassembled from IPv6 fragments), then its inner IPv4.
    Verdict b4_in(Packet& packet, bool reassembled, Emitter& emitter);
    Verdict b4_to_uplink(Packet& packet, const Ipv6Address& b4, std::uint8_t outer_tc, Emitter& emitter);
    // The slot of the subscriber's softwire that `b4` is, once it was added
    // or moved there (RFC 7785 4); no_softwire when refused.
    std::uint8_t softwire_slot(std::uint32_t subscriber, const Ipv6Address& b4);
    // `key` without a subscriber makes one, with `b4` as its first softwire;
    // refused, the packet becomes the ICMP error that says so.
    std::uint32_t create_binding(Packet& packet, const Ipv6Address& b4, InnerKey key, const Transport& t,
                                 Verdict& refused);
    // The same without a packet to answer: npos and `why` when refused.
    // `wanted`: the public port to give if it is free.
    std::uint32_t make_binding(const Ipv6Address& b4, InnerKey key, const Transport& t,
                               std::optional<std::uint16_t> wanted, Counter& why);
    // The binding a B4's inner address, port and protocol have, changing nothing.
    std::uint32_t find_binding(const Ipv6Address& b4, std::uint32_t address, std::uint16_t port, Protocol proto) const;
    const Ipv6Address& b4_of(const Binding& s) const { return tables_.subscribers.b4(s.subscriber, s.softwire); }
    std::uint32_t choose_address(std::uint32_t hash, Protocol proto) const;
    // Answers the packet with an ICMPv4 error from 192.0.0.1 down the softwire;
    // `why` counts the packet's drop.
    Verdict refuse_to_b4(Packet& packet, const Ipv6Address& b4, Counter why, std::uint8_t type, std::uint8_t code,
                         std::uint16_t mtu = 0);
    Verdict refuse_unreachable(Packet& packet, const Ipv6Address& b4, Counter why);
    Verdict answer_aftr_echo(Packet& packet, const Ipv6Address& b4);

    // uplink_to_b4.cpp: an uplink packet after it was counted (uplink_in;
    // again on a reassembled datagram), then delivery to its binding's B4.
    Verdict uplink_in(Packet& packet, bool reassembled, Emitter& emitter);
    // Finds the binding for the packet's destination, rewrites it and
    // encapsulates it to its B4; `hairpin` when it came from another B4.
    Verdict uplink_to_b4(Packet& packet, const Transport& t, bool hairpin, Emitter& emitter);

    // no_nat.cpp: --no-nat prefixes, routed without translation.
    const NoNat* no_nat_of(std::uint32_t address) const;
    Verdict no_nat_to_uplink(Packet& packet, const Ipv6Address& b4, std::uint8_t outer_tc, Emitter& emitter);
    Verdict no_nat_to_b4(Packet& packet, const NoNat& route, Emitter& emitter);

    // port_control.cpp: NAT-PMP (RFC 6886) at 192.0.0.1:5351 from inside a
    // softwire; PCP's own versions go to answer_pcp.
    Verdict answer_port_control(Packet& packet, const Ipv6Address& b4, const Transport& t);
    // The NAT-PMP mapping request's answer: result, public port, lifetime.
    struct Granted {
        std::uint16_t result = 0;
        std::uint16_t port = 0;
        std::uint32_t lifetime = 0;
    };
    Granted map_requested(const Ipv6Address& b4, std::uint32_t host, std::uint16_t port, Protocol proto,
                          std::uint16_t wanted, std::uint32_t lifetime);
    // The binding of a B4's host, port and protocol, npos if none; `key` is
    // filled for make_binding, its softwire no_softwire when the B4 is refused.
    std::uint32_t requested_binding(const Ipv6Address& b4, std::uint32_t host, std::uint16_t port, Protocol proto,
                                    InnerKey& key);
    // Makes a binding requested (NAT-PMP or PCP) for `lifetime` seconds;
    // false when its subscriber already holds --pcp-max-mappings of them.
    bool request(std::uint32_t id, std::uint32_t lifetime);
    // The binding is no longer requested: it goes when its traffic would let it.
    void unrequest(std::uint32_t id);
    // Seconds until the binding goes unless refreshed.
    std::uint32_t remaining_seconds(std::uint32_t id) const;
    // Writes the answer `message` from 192.0.0.1:5351 to host:port over the
    // packet (IPv4, not yet encapsulated).
    void write_port_control_answer(Packet& packet, std::uint32_t host, std::uint16_t port,
                                   std::span<const std::uint8_t> message, std::uint8_t ttl);
    std::uint32_t epoch_seconds() const { return now_ - started_at_; }

    // pcp.cpp: PCP (RFC 6887) requests, the FILTER option's check, ANNOUNCE.
    Verdict answer_pcp(Packet& packet, const Ipv6Address& b4, const Transport& t, std::span<const std::uint8_t> m);
    struct PcpRequest;
    std::uint8_t pcp_map(const Ipv6Address& b4, const PcpRequest& r, std::uint8_t* out, std::uint32_t& lifetime);
    std::uint8_t pcp_peer(const Ipv6Address& b4, const PcpRequest& r, std::uint8_t* out, std::uint32_t& lifetime);
    // The binding's nonce is another client's: refused, with its lifetime left.
    bool pcp_nonce_refused(std::uint32_t id, const std::uint8_t* nonce, std::uint32_t& lifetime) const;
    // The binding is this client's now: its nonce kept, its public end in the answer.
    void pcp_claim(std::uint32_t id, const std::uint8_t* nonce, std::uint8_t* out);
    // The pool address a PCP request's subscriber has or would get (npos:
    // not known before its first binding), whether a suggested port of it
    // can be given, and the binding made for MAP or PEER (npos and the PCP
    // result when refused).
    std::uint32_t pcp_address_of(const InnerKey& key, Protocol p) const;
    bool pcp_port_free(std::uint32_t index, Protocol p, std::uint16_t port) const;
    std::uint32_t pcp_make(const Ipv6Address& b4, const InnerKey& key, Protocol p, std::uint16_t port,
                           std::optional<std::uint16_t> wanted, std::uint8_t& refusal);
    // False when a requested binding's FILTER keeps the remote out.
    bool pcp_filter_allows(std::uint32_t id, std::uint32_t remote, std::uint16_t port) const;
    // The drop counter for a remote's packet to binding `id`, or nothing: ADF
    // for bindings made by traffic, the FILTER option for requested ones.
    std::optional<Counter> inbound_refused(std::uint32_t id, std::uint32_t remote, std::uint16_t port) const {
        const Binding& s = tables_.bindings[id];
        if (s.requested) {
            if (!pcp_filter_allows(id, remote, port)) return Counter::drop_uplink_pcp_filtered;
        } else if (!tables_.remotes.empty() && !s.is_static && !remote_allowed(id, remote)) {
            return Counter::drop_uplink_filtered;
        }
        return std::nullopt;
    }
    // Sends the unsolicited ANNOUNCE a new softwire is owed (--pcp-announce).
    void send_announce(Emitter& emitter);

    // icmp_errors.cpp
    Verdict error_from_b4(Packet& packet, const Ipv6Address& b4, const Transport& t, std::uint8_t outer_tc);
    Verdict error_to_b4(Packet& packet, const Transport& t, bool hairpin);
    // Takes a token for one generated ICMP error; false (and counted) when out.
    bool icmp_error_allowed();

    // fragments.cpp: reassembly on the way in, fragmentation on the way out.
    // A nullopt means the packet now holds the whole datagram; go on.
    std::optional<Verdict> reassemble_softwire(Packet& packet, std::size_t fragment_header, const Ipv6Address& b4);
    std::optional<Verdict> reassemble_ipv4(Packet& packet, const Ipv6Address* softwire, std::uint32_t owner);
    // False (nothing sent) if the driver left no room for the fragment header.
    bool fragment_ipv6(Packet& packet, std::uint16_t mtu, Emitter& emitter);
    void fragment_ipv4(Packet& packet, std::uint16_t mtu, Emitter& emitter);
    std::uint32_t owner_of(const Ipv6Address& b4) const {
        return tables_.subscribers.hash(mask_ipv6(b4, config_.subscriber_prefix_length));
    }
    std::uint16_t tunnel_mtu_of(const Binding& s) const { return tables_.subscribers[s.subscriber].tunnel_mtu; }
    // DF set and too big for the softwire: 3/4 to the Internet sender.
    Verdict too_big_to_uplink(Packet& packet, std::uint16_t mtu);

    // softwire_errors.cpp: ICMPv6 errors from the IPv6 path to a B4.
    Verdict softwire_error(Packet& packet, std::size_t icmp_offset);

    // burst.cpp: the lookup hash of a packet of the common shape, for lookahead
    Keys inner_key_hash(const Packet& packet) const;
    Keys public_key_hash(const Packet& packet) const;

    // reconfigure.cpp, and state.cpp for a restored binding: a static
    // mapping in this engine's share of the ports, and whether the
    // configuration allows a binding through softwire slot `softwire` of
    // B4 `b4` from inner source `inner_address`.
    bool owns_mapping(const StaticMapping& m) const;
    bool binding_allowed(const Ipv6Address& b4, std::uint32_t inner_address, std::uint8_t softwire) const;

    // engine.cpp
    void install(const StaticMapping& mapping);
    void report_static_mappings();
    void update_tcp(std::uint32_t id, Binding& s, std::uint8_t flags, bool outbound);
    void remember_remote(std::uint32_t id, Binding& s, std::uint32_t remote);
    bool remote_allowed(std::uint32_t id, std::uint32_t remote) const;
    std::uint32_t timeout_seconds(const Binding& s) const;
    // The second a binding is due to go: idle past its timeout, and for a
    // requested one not before its lifetime ends.
    std::uint32_t due_of(std::uint32_t id) const;
    std::uint8_t timeout_class(const Binding& s) const;
    void expire(std::uint32_t id);
    // Removes a binding the wheel no longer holds (and its subscriber after
    // its last binding and block), at engine second `second`.
    void remove(std::uint32_t id, RemovalReason reason, std::uint32_t second);
    // The subscriber goes once it holds no binding and no port block.
    void remove_subscriber_if_idle(std::uint32_t subscriber, std::uint8_t softwire, std::uint32_t second);

    // Port blocks (port_blocks.hpp): a port from the subscriber's blocks,
    // newest first, or from a new block (`new_block`, to be reported once
    // the binding is made); `why` says why there is none.
    std::optional<std::uint16_t> block_port(std::uint32_t subscriber, std::uint8_t softwire, Protocol proto,
                                            std::optional<std::uint8_t> parity, Counter& why, std::uint32_t& new_block);
    std::optional<std::uint16_t> port_in_block(std::uint32_t block, Protocol proto, std::optional<std::uint8_t> parity);
    // A binding of the block went away at `second`: the block waits for its hold.
    void block_binding_removed(std::uint32_t block, std::uint32_t second);
    void release_block(std::uint32_t block, std::uint32_t second);
    Event block_event(EventKind kind, std::uint32_t block, std::int64_t time_us) const;
    // Per-binding records, unless port blocks stand for them.
    bool binding_events() const { return events_ && !tables_.blocks.enabled(); }

    // Events (events.hpp): nothing when the ring is off, counted when it is full.
    void report(const Event& event) {
        if (events_ && !events_->push(event)) counters_.add(Counter::events_lost);
    }
    Event binding_event(EventKind kind, const Binding& s, std::int64_t time_us) const;
    // Engine seconds as event time.
    static std::int64_t at_second(std::uint32_t second) { return std::int64_t{second} * 1'000'000; }
    Event subscriber_event(EventKind kind, std::uint32_t subscriber, const Ipv6Address& b4) const;
    // Exhaustion is reported once per second engine-wide for each kind, and
    // a subscriber's quota once per second for that subscriber: a flood of
    // refused packets must not become a flood of records.
    void report_refusal(Counter why, InnerKey key, const Ipv6Address& b4, const Transport& t);
    std::uint32_t seconds(Time now) const { return static_cast<std::uint32_t>(now.count() / 1'000'000); }
    std::uint16_t next_ip_id() { return ip_id_++; }
    Verdict drop(Counter c) {
        counters_.add(c);
        return Verdict::drop;
    }
    std::uint32_t quota(Protocol p) const {
        switch (p) {
        case Protocol::tcp: return config_.quota.tcp;
        case Protocol::udp: return config_.quota.udp;
        case Protocol::icmp: return config_.quota.icmp;
        }
        return 0;
    }
    bool inner_source_allowed(std::uint32_t address) const;
    // A pool address's port (or ICMP id) bound here, not by another engine
    // that shares the pool (EngineConfig::pool_shared).
    bool owns_port(std::uint16_t port) const {
        return !config_.pool_shared || (port >= config_.port_min && port <= config_.port_max);
    }
    // RFC 6333 11: softwires only from the configured B4 prefixes (all if none).
    bool b4_allowed(const Ipv6Address& b4) const;

private:
    // The public Engine reads the state for its views and hands bursts in;
    // nothing else outside the engine's own steps touches it.
    friend class Engine;

    EngineConfig config_;
    Counters counters_;
    Rng rng_;
    Pool pool_;
    // The binding state, one value both directions use and the clock ages:
    // sized once from the configuration, never allocated per packet.
    struct Tables {
        explicit Tables(const EngineConfig& config);
        BindingTable bindings;
        SubscriberTable subscribers;
        PortAllocator ports;
        TimerWheel wheel;
        PortBlocks blocks;                                            // empty unless --port-block-size
        std::vector<std::array<std::uint32_t, kRemembered>> remotes;  // only under ADF
        // NAT-PMP/PCP: what each binding was asked for with and each
        // subscriber's count of requested ones; empty when off.
        std::vector<PcpMapping> pcp;
        std::vector<std::uint16_t> requested_count;
    };
    Tables tables_;
    std::uint32_t now_ = 0;
    Time clock_{0};  // the latest time handed in, for event times finer than now_
    bool started_ = false;
    std::uint32_t started_at_ = 0;         // engine second of the first packet: NAT-PMP's epoch
    std::optional<Ipv6Address> announce_;  // a new softwire owed a PCP ANNOUNCE
    std::uint16_t ip_id_;
    Reassembler reassembly_;
    std::uint32_t fragment_id_;
    // One fragment being emitted at a time; fragments fit the MTU, which validate() caps.
    std::array<std::uint8_t, kMaxMtu> scratch_;
    std::uint32_t icmp_tokens_ = 0;
    std::uint32_t icmp_tokens_second_ = 0;
    std::unique_ptr<EventRing> events_;              // none when config_.event_ring is 0
    std::optional<DeterministicMap> deterministic_;  // --port-mapping deterministic
    // The second (plus one) each engine-wide exhaustion kind was last reported.
    std::array<std::uint32_t, 3> exhaustion_reported_{};
    std::uint32_t shutdown_cursor_ = 0;  // where Engine::shutdown goes on
    std::uint32_t shutdown_block_cursor_ = 0;
};

}  // namespace dslite
