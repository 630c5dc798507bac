// SPDX-License-Identifier: BSD-2-Clause
// The AFTR engine: packet + time in, packet(s) + counters out. No I/O, no
// threads, no clock, no globals; several engines can run side by side.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/config.hpp"
#include "dslite/counters.hpp"
#include "dslite/deterministic.hpp"
#include "dslite/events.hpp"
#include "dslite/packet.hpp"
#include "dslite/protocol.hpp"
#include "dslite/state.hpp"

namespace dslite {

// The engine's clock: whatever the driver says it is (capture timestamps in
// replay, a monotonic clock in the daemon). Only differences matter.
using Time = std::chrono::microseconds;

enum class Side : std::uint8_t { b4, uplink };

// What to do with the packet handed in, after the engine rewrote it in place.
enum class Verdict : std::uint8_t {
    drop,       // counted under a drop_* counter
    to_b4,      // packet now starts with an IPv6 header addressed to a B4
    to_uplink,  // packet now starts with an IPv4 header for the Internet
};

// Receives packets the engine makes beyond the one it was handed (later:
// fragments, errors to a second party). Copy the bytes if you keep them.
class Emitter {
public:
    virtual void emit(Side to, std::span<const std::uint8_t> packet) = 0;

protected:
    ~Emitter() = default;
};

// What a binding is doing (RFC 7857 2.1 for TCP), as BindingInfo::state
// names it; the engine keeps a count of each (Occupancy).
enum class BindingState : std::uint8_t { udp, icmp, syn, established, closing, reset };
inline constexpr std::size_t kBindingStates = 6;
const char* binding_state_name(BindingState state);  // "udp", ..., "reset"
Protocol protocol_of(BindingState state);

struct BindingInfo {
    Ipv6Address b4;
    Ipv4Address inner_address;
    std::uint16_t inner_port;  // or ICMP echo identifier
    Protocol protocol;
    Ipv4Address public_address;
    std::uint16_t public_port;
    const char* state;              // "udp", "icmp", "syn", "established", "closing", "reset"
    std::uint32_t idle_seconds;     // since last refresh
    std::uint32_t expires_seconds;  // until removal unless refreshed; 0 for a static mapping
    bool is_static = false;         // --static-mapping: never expires
    bool requested = false;         // asked for with NAT-PMP or PCP: lives at least to its lifetime
};

struct SubscriberInfo {
    Ipv6Prefix prefix;
    Ipv4Address public_address;
    std::uint32_t tcp;  // bindings in use per protocol
    std::uint32_t udp;
    std::uint32_t icmp;
    // Packets its bindings carried in the last whole second: from its B4s
    // (translated or hairpinned) and to them.
    std::uint32_t pps_from_b4 = 0;
    std::uint32_t pps_to_b4 = 0;
    std::vector<Ipv6Address> softwires = {};  // its B4 addresses (RFC 7785 4)
};

// How full the engine's pre-sized tables are (--metrics).
struct Occupancy {
    std::array<std::uint32_t, kBindingStates> bindings{};  // by BindingState
    std::uint32_t bindings_capacity = 0;
    std::uint32_t subscribers_capacity = 0;  // subscribers in use: Engine::subscriber_count
    std::uint32_t reassembly = 0;            // datagrams being reassembled
    std::uint32_t reassembly_capacity = 0;
    std::size_t events = 0;  // waiting in the event ring for the binding log
    std::size_t events_capacity = 0;
};

// A public address's ports in use (or held after use, RFC 6888 REQ-8), per
// protocol, out of ports_per_address.
struct PoolAddressUse {
    Ipv4Address address;
    std::array<std::uint32_t, kProtocols> ports{};
};

// A subscriber's port block (--port-block-size).
struct PortBlockInfo {
    Ipv6Prefix subscriber;
    Ipv6Address b4;  // the softwire it was given through
    Ipv4Address public_address;
    std::uint16_t first;  // ports, inclusive
    std::uint16_t last;
    std::uint32_t bindings;    // of every protocol
    std::uint32_t release_in;  // seconds until it goes back to the pool; 0 while it has bindings
};

// A configuration reloaded at run time (SIGHUP): `running` with every option
// of `next` that may change at run time, and the names ("--pool") of those
// that cannot and differ, whose running values were kept. Which options
// reload is one table (reconfigure.cpp).
struct ConfigMerge {
    EngineConfig config;
    std::vector<std::string> kept;
    std::vector<std::string> changed;  // the options that reload and differ
};
ConfigMerge merge_reloadable(const EngineConfig& running, const EngineConfig& next);
// Whether an engine option (its row name, "quota-udp") can change at run
// time under `running` (with --port-mapping deterministic the formula is of
// the quotas and the B4 prefixes, so they cannot); nothing for a name the
// table does not have.
std::optional<bool> option_reloads(std::string_view option, const EngineConfig& running);

// What Engine::reconfigure did. Static mappings are counted by the engine
// whose share of the ports holds them.
struct Reconfigured {
    std::vector<std::string> kept;       // as ConfigMerge::kept
    std::uint32_t static_added = 0;      // new mappings installed
    std::uint32_t static_removed = 0;    // mappings gone from the configuration, their bindings removed
    std::uint32_t static_failed = 0;     // new mappings that could not be installed (a table full)
    std::uint32_t bindings_removed = 0;  // other bindings the new configuration forbids
};

class Engine {
public:
    // `config` must have passed validate(); the engine pre-sizes every table now.
    explicit Engine(const EngineConfig& config);
    ~Engine();
    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;

    // IPv6 from a B4 (softwire side). On to_uplink the packet is the translated IPv4.
    Verdict from_b4(Packet& packet, Time now, Emitter& emitter);
    // IPv4 from the Internet. On to_b4 the packet is the encapsulated IPv6.
    Verdict from_uplink(Packet& packet, Time now, Emitter& emitter);
    // Bursts: the same as the calls above for each packet in order
    // (verdicts[i] belongs to packets[i]), but the table lookups of the burst
    // overlap, which is what keeps large binding tables fast. Drivers that
    // read bursts should use these.
    void from_b4(std::span<Packet> packets, std::span<Verdict> verdicts, Time now, Emitter& emitter);
    void from_uplink(std::span<Packet> packets, std::span<Verdict> verdicts, Time now, Emitter& emitter);
    // Expires what is due at `now`; packets do this too, idle drivers call it.
    void advance(Time now);
    // The AFTR stops: removes up to `at_most` bindings (binding_removed,
    // reason shutdown), then port blocks (port_block_released), and returns
    // how many of both are left, so a driver can drain the events between
    // calls instead of losing them to a full ring.
    std::size_t shutdown(Time now, std::size_t at_most);
    // A reloaded configuration (`next` must have passed validate()): takes
    // the options that may change at run time from it and keeps the others
    // (named in `kept`). Bindings it no longer allows are removed
    // (binding_removed, reason reconfigured): a B4 outside the B4 prefixes,
    // an inner source no longer allowed, a softwire beyond the limit, a
    // static mapping removed, and a dynamic binding on the public end (or
    // the inside end) of a new static mapping, or of its subscriber on
    // another public address (or, engines side by side, in another engine's
    // share, which serves that subscriber from now on): the operator's
    // mapping wins. New static
    // mappings are installed and reported as at start. Quotas lowered evict
    // nothing (RFC 6888): new bindings wait until the subscriber is under.
    Reconfigured reconfigure(const EngineConfig& next, Time now);

    // --state-file (state.cpp): the bindings, subscribers (their softwires
    // and learned tunnel MTUs), port holds, port blocks and NAT-PMP/PCP
    // lifetimes, as bytes with lifetimes relative to `now`. Static mappings
    // are the configuration's and not saved. Versioned and checksummed, with
    // a fingerprint of the options the records depend on (pool, port range
    // or share, port mapping, port block size, subscriber prefix length).
    std::vector<std::uint8_t> save_state(Time now) const;
    // Why `state` cannot be restored into this engine (truncated, corrupt,
    // another version or configuration), or nothing. Changes nothing.
    std::optional<std::string> check_state(std::span<const std::uint8_t> state) const;
    // Restores a saved state into this engine, before its first packet:
    // every lifetime shortened by `seconds_down`, what ran out meanwhile
    // reported removed (its binding log record) at the second it ran out,
    // and what the configuration now forbids dropped (as reconfigure would).
    // Restored bindings are not reported created again: their record from
    // the run that saved them stands. Never trusts the bytes.
    RestoreResult restore_state(std::span<const std::uint8_t> state, Time now, std::uint64_t seconds_down);

    // The events the engine reports (events.hpp), for one consumer to drain,
    // from any one thread; none when EngineConfig::event_ring is 0.
    EventRing* events();
    // The RFC 7422 map under --port-mapping deterministic, else none.
    const DeterministicMap* deterministic() const;

    const Counters& counters() const;
    const EngineConfig& config() const;
    std::size_t binding_count() const;
    std::size_t subscriber_count() const;
    // Bytes of pre-sized table memory this engine holds.
    std::size_t memory_bytes() const;
    Occupancy occupancy() const;
    // Every pool address with a port in use or held; each has
    // ports_per_address() of each protocol (--port-range). Engines side by
    // side (--threads) count their own only.
    void for_each_pool_address(const std::function<void(const PoolAddressUse&)>& visit) const;
    std::uint32_t ports_per_address() const;

    void for_each_binding(const std::function<void(const BindingInfo&)>& visit) const;
    void for_each_subscriber(const std::function<void(const SubscriberInfo&)>& visit) const;
    // The same walks in pieces, so that a driver can forward packets between
    // them (a million bindings take far longer to list than a burst may wait):
    // the records in table slots [from, from + slots), and the slot the next
    // piece starts at, or nothing after the last. Slots do not move, so a
    // record is never seen twice; one made or removed meanwhile may be missed.
    std::optional<std::uint32_t> for_each_binding(std::uint32_t from, std::uint32_t slots,
                                                  const std::function<void(const BindingInfo&)>& visit) const;
    std::optional<std::uint32_t> for_each_subscriber(std::uint32_t from, std::uint32_t slots,
                                                     const std::function<void(const SubscriberInfo&)>& visit) const;
    // Every port block given out; none without --port-block-size.
    void for_each_port_block(const std::function<void(const PortBlockInfo&)>& visit) const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace dslite
