// SPDX-License-Identifier: BSD-2-Clause
// What the engine reports so an operator can say who had a public address
// and port at a time (RFC 6333 11, RFC 6888 REQ-12): bindings, subscribers,
// port blocks and exhaustion. With port blocks (--port-block-size) bindings
// are not reported: the block's two records cover every port in it. Never a
// destination: REQ-12 asks for the mapping, and a record of whom subscribers
// talk to is not the AFTR's to keep.
//
// The engine writes events into a bounded ring that one other thread may
// drain; when the ring is full the event is counted as lost
// (Counter::events_lost) and forwarding goes on.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/protocol.hpp"

namespace dslite {

// X(name): the names are what the binding log writes.
#define DSLITE_EVENT_KINDS(X)                                                    \
    X(binding_created)       /* b4, subscriber, protocol, inside, public */      \
    X(binding_removed)       /* the same, and why */                             \
    X(subscriber_created)    /* subscriber, its first b4, its public address */  \
    X(subscriber_removed)    /* after its last binding (and port block) */       \
    X(quota_exhausted)       /* a subscriber's quota for the protocol is full */ \
    X(pool_exhausted)        /* no public address, or its ports are all taken */ \
    X(binding_table_full)    /* --max-bindings reached */                        \
    X(subscriber_table_full) /* --max-subscribers reached */                     \
    X(port_block_allocated)  /* b4, subscriber, public address, ports */         \
    X(port_block_released)   /* the same, after its last binding's port hold */  \
    X(softwire_moved)        /* subscriber, new b4, previous b4 (RFC 7785 4) */

enum class EventKind : std::uint8_t {
#define DSLITE_EVENT_ENUM(name) name,
    DSLITE_EVENT_KINDS(DSLITE_EVENT_ENUM)
#undef DSLITE_EVENT_ENUM
};

enum class RemovalReason : std::uint8_t {
    none,          // not a removal
    timeout,       // idle past its protocol's timeout
    tcp_closed,    // a TCP binding after FIN both ways or RST (RFC 7857 2.2)
    shutdown,      // the AFTR stopped (Engine::shutdown)
    deleted,       // its host asked for it to go (NAT-PMP or PCP lifetime 0)
    reconfigured,  // a reloaded configuration (SIGHUP) no longer allows it (Engine::reconfigure)
};

std::string_view event_name(EventKind kind);
std::string_view reason_name(RemovalReason reason);

struct Event {
    // Engine time (Time's microseconds) of the packet or tick that made it;
    // a binding that timed out carries the second it expired, which may be
    // before the engine noticed (a quiet AFTR, a replay's idle gap).
    std::int64_t time_us = 0;
    Ipv6Address b4{};           // the softwire's B4 address (all but the table-full kinds)
    Ipv6Address previous_b4{};  // softwire_moved: the address the softwire led to before
    Ipv6Address subscriber{};   // the subscriber's prefix; length below
    Ipv4Address inside_address{};
    Ipv4Address public_address{};        // zero when the pool had none to give
    std::uint16_t inside_port = 0;       // or ICMP identifier
    std::uint16_t public_port = 0;       // a port block's first port
    std::uint16_t public_port_last = 0;  // a port block's last port
    std::uint8_t subscriber_length = 0;
    EventKind kind = EventKind::binding_created;
    Protocol protocol = Protocol::udp;
    RemovalReason reason = RemovalReason::none;
};

// A single-producer, single-consumer ring of events: the engine pushes, one
// thread (or the engine's own, between bursts) pops. Sized once.
class EventRing {
public:
    // Holds `capacity` rounded up to a power of two (at least 2).
    explicit EventRing(std::size_t capacity);

    // Producer: false, and nothing written, when the ring is full.
    bool push(const Event& event);
    // Consumer: moves up to out.size() events into `out`, oldest first.
    std::size_t pop(std::span<Event> out);

    std::size_t capacity() const { return slots_.size(); }
    // Events waiting; exact only when neither side is running.
    std::size_t size() const;

private:
    std::vector<Event> slots_;
    std::size_t mask_;
    // Each side writes its own index on its own cache line.
    alignas(64) std::atomic<std::uint64_t> written_{0};
    alignas(64) std::atomic<std::uint64_t> read_{0};
};

}  // namespace dslite
