// SPDX-License-Identifier: BSD-2-Clause
// One forwarder's part of a running capture: the filter, the copies of a
// burst as handed to the engine (which rewrites it in place), and a ring to
// the main thread, which writes pcapng (capture_session.hpp). The forwarder
// touches it only on its own thread and only while it has one (a null
// pointer otherwise: the one branch a burst costs when nothing is captured).
// A full ring drops the capture's copy, counted, never the packet.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "capture_filter.hpp"
#include "dslite/engine.hpp"
#include "handoff_ring.hpp"

namespace dslite::daemon {

class CaptureTap {
public:
    // Room for a few bursts of full-sized packets between two drains.
    static constexpr std::size_t kRingBytes = std::size_t{4} << 20;

    CaptureTap(const CaptureFilter& filter, std::uint32_t snaplen, std::size_t ring_bytes = kRingBytes);
    CaptureTap(const CaptureTap&) = delete;
    CaptureTap& operator=(const CaptureTap&) = delete;

    // The forwarder's thread: the burst as the engine gets it (copied, with
    // the wall clock now), then the same slots with the engine's verdicts.
    void hold(std::span<const Packet> burst);
    void take(std::span<const Packet> burst, std::span<const Side> sides, std::span<const Verdict> verdicts);
    // A packet the engine made besides its verdicts (an ICMP error, a fragment).
    void take_emitted(Side to, std::span<const std::uint8_t> packet);

    struct Counts {
        std::uint64_t packets = 0;               // put in the ring
        std::array<std::uint64_t, 2> dropped{};  // the ring was full, by side (Side's value)
        std::uint64_t total_dropped() const { return dropped[0] + dropped[1]; }
    };
    // The forwarder's thread's, or anyone's once the forwarder let go of the tap.
    const Counts& counts() const { return counts_; }

    // The main thread: up to `max` captured packets to take(side, micros,
    // original_length, bytes), whose bytes are valid during the call only.
    template <typename Take>
    std::size_t pop(std::size_t max, Take&& take) {
        return ring_.pop(max, [&](Side side, std::span<const std::uint8_t> record) {
            std::uint64_t micros;
            std::uint32_t length;
            std::memcpy(&micros, record.data(), 8);
            std::memcpy(&length, record.data() + 8, 4);
            take(side, micros, length, record.subspan(kHead));
        });
    }

private:
    static constexpr std::size_t kHead = 16;  // [microseconds][original length][unused]
    void push(Side side, std::span<const std::uint8_t> packet);
    void push(Side side, std::span<const std::uint8_t> kept, std::size_t length);

    CaptureFilter filter_;
    unsigned wanted_;
    std::uint32_t snaplen_;
    HandoffRing ring_;
    Counts counts_;
    std::uint64_t micros_ = 0;  // the wall clock at hold()
    // The burst as handed in: bytes kept of each, and where.
    std::vector<std::uint8_t> originals_;
    struct Held {
        std::size_t offset, kept, length;
    };
    std::vector<Held> held_;
};

}  // namespace dslite::daemon
