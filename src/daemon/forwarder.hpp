// SPDX-License-Identifier: BSD-2-Clause
// Moves packets between the devices and the engine, a burst at a time: read
// a burst from one device, run the engine over it (its burst entry points),
// write what goes to each side as one burst. No event loop here, so tests drive it directly.
// As one of several workers (--threads), it first hands each packet another
// worker's engine owns to that worker, and takes what the others hand it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dslite/engine.hpp"
#include "dslite/fragment_steering.hpp"
#include "platform/device.hpp"

namespace dslite::daemon {

struct ForwarderStats {
    std::uint64_t bursts = 0;
    std::uint64_t packets_read = 0;
    std::uint64_t emitted = 0;           // extra packets the engine made (errors, fragments)
    std::uint64_t b4_write_refused = 0;  // the device did not take them: lost
    std::uint64_t uplink_write_refused = 0;
    std::uint64_t handed_off = 0;       // to another worker's engine (--threads)
    std::uint64_t handoff_refused = 0;  // its ring was full: lost
    std::uint64_t taken_over = 0;       // from another worker (or held fragments, let go)
};

class CaptureTap;
class Handoffs;

class Forwarder {
public:
    static constexpr std::size_t kBurst = 64;

    // `b4` and `uplink` may be the same device (one TUN for both sides): then
    // packets are dispatched by IP version, 6 to the B4 side, 4 to the uplink.
    Forwarder(Engine& engine, Device& b4, Device& uplink);
    // Worker `self` of several: steers by `handoffs`' shares.
    Forwarder(Engine& engine, Device& b4, Device& uplink, Handoffs& handoffs, unsigned self);
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    // Reads at most one burst from `from` (one of the two devices) and
    // forwards it. Returns how many packets were read.
    std::size_t pump(Device& from, Time now);
    // Forwards at most one burst of what other workers handed this one.
    std::size_t pump_handoffs(Time now);
    // Lets go of uplink fragments held too long (to this worker's engine).
    void advance(Time now);

    // A capture's tap (capture_tap.hpp), or none; set on this forwarder's thread only.
    void set_capture(CaptureTap* tap) { capture_ = tap; }
    const CaptureTap* capture() const { return capture_; }

    const ForwarderStats& stats() const { return stats_; }
    bool shared() const { return &b4_ == &uplink_; }
    const Device& b4() const { return b4_; }
    const Device& uplink() const { return uplink_; }

private:
    class Outbox;

    // Keeps this engine's packets of the burst (in order) and hands the others on.
    std::size_t steer(std::size_t count, Time now);
    Owner owner_of_uplink(std::span<const std::uint8_t> packet, Time now);
    void hand_off(Owner owner, Side side, std::span<const std::uint8_t> packet);
    void hand_off_released();
    void wake();
    void forward(std::size_t count, Time now);
    // A packet the engine sent toward the uplink that another engine owns (a
    // hairpin between their subscribers): handed on instead of written.
    bool handed_to_owner(const Packet& packet, Time now);

    Engine& engine_;
    Device& b4_;
    Device& uplink_;
    // One storage per slot, each big enough for any packet plus headroom.
    std::vector<std::unique_ptr<PacketBuffer>> buffers_;
    std::array<Packet, kBurst> slots_;
    std::array<Side, kBurst> sides_;
    std::vector<Packet> to_b4_;
    std::vector<Packet> to_uplink_;
    std::unique_ptr<Outbox> emitted_;
    ForwarderStats stats_;
    CaptureTap* capture_ = nullptr;

    Handoffs* handoffs_ = nullptr;
    unsigned self_ = 0;
    std::unique_ptr<FragmentSteering> fragments_;
    std::vector<FragmentSteering::Released> released_;
    std::uint64_t woken_ = 0;  // workers handed something since the last wake, a bit each
};

}  // namespace dslite::daemon
