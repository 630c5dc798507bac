// Moves packets between the devices and the engine, a burst at a time: read
// a burst from one device, run the engine over it (its burst entry points),
// write what goes to each side as one burst. No event loop here, so tests drive it directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dslite/engine.hpp"
#include "platform/device.hpp"

namespace dslite::daemon {

struct ForwarderStats {
    std::uint64_t bursts = 0;
    std::uint64_t packets_read = 0;
    std::uint64_t emitted = 0;               // extra packets the engine made (errors, fragments)
    std::uint64_t b4_write_refused = 0;      // the device did not take them: lost
    std::uint64_t uplink_write_refused = 0;
};

class Forwarder {
public:
    static constexpr std::size_t kBurst = 64;

    // `b4` and `uplink` may be the same device (one TUN for both sides): then
    // packets are dispatched by IP version, 6 to the B4 side, 4 to the uplink.
    Forwarder(Engine& engine, Device& b4, Device& uplink);
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    // Reads at most one burst from `from` (one of the two devices) and
    // forwards it. Returns how many packets were read.
    std::size_t pump(Device& from, Time now);

    const ForwarderStats& stats() const { return stats_; }
    bool shared() const { return &b4_ == &uplink_; }
    const Device& b4() const { return b4_; }
    const Device& uplink() const { return uplink_; }

private:
    class Outbox;

    Engine& engine_;
    Device& b4_;
    Device& uplink_;
    // One storage per slot, each big enough for any packet plus headroom.
    std::vector<std::unique_ptr<PacketBuffer>> buffers_;
    std::array<Packet, kBurst> slots_;
    std::vector<Packet> to_b4_;
    std::vector<Packet> to_uplink_;
    std::unique_ptr<Outbox> emitted_;
    ForwarderStats stats_;
};

}  // namespace dslite::daemon
