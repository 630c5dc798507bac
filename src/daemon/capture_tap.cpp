// SPDX-License-Identifier: BSD-2-Clause
#include "capture_tap.hpp"

#include <algorithm>

namespace dslite::daemon {

namespace {

std::size_t ring_size(std::size_t at_least) {
    std::size_t size = 1;
    while (size < at_least) size <<= 1;
    return size;
}

}  // namespace

CaptureTap::CaptureTap(const CaptureFilter& filter, std::uint32_t snaplen, std::size_t ring_bytes)
    : filter_(filter), wanted_(filter.wanted()), snaplen_(snaplen), ring_(ring_size(ring_bytes)) {
    originals_.reserve(std::size_t{64} * 2048);
    held_.reserve(64);
}

void CaptureTap::hold(std::span<const Packet> burst) {
    // One clock read a burst: its packets came in together.
    micros_ = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    originals_.clear();
    held_.clear();
    for (const Packet& p : burst) {
        const auto bytes = p.bytes();
        const std::size_t kept = snaplen_ ? std::min<std::size_t>(bytes.size(), snaplen_) : bytes.size();
        held_.push_back({originals_.size(), kept, bytes.size()});
        originals_.insert(originals_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(kept));
    }
}

void CaptureTap::take(std::span<const Packet> burst, std::span<const Side> sides, std::span<const Verdict> verdicts) {
    for (std::size_t i = 0; i < held_.size() && i < burst.size(); ++i) {
        const Held& h = held_[i];
        const std::span<const std::uint8_t> original(originals_.data() + h.offset, h.kept);
        const bool out = verdicts[i] != Verdict::drop;
        unsigned met = filter_.met(original);
        if (out && (met & wanted_) != wanted_) met |= filter_.met(burst[i].bytes());
        if ((met & wanted_) != wanted_) continue;
        push(sides[i], original, h.length);
        if (out) push(verdicts[i] == Verdict::to_b4 ? Side::b4 : Side::uplink, burst[i].bytes());
    }
}

void CaptureTap::take_emitted(Side to, std::span<const std::uint8_t> packet) {
    if ((filter_.met(packet) & wanted_) == wanted_) push(to, packet);
}

void CaptureTap::push(Side side, std::span<const std::uint8_t> packet) {
    push(side, packet.first(snaplen_ ? std::min<std::size_t>(packet.size(), snaplen_) : packet.size()), packet.size());
}

void CaptureTap::push(Side side, std::span<const std::uint8_t> kept, std::size_t length) {
    std::array<std::uint8_t, kHead> head{};
    const auto original = static_cast<std::uint32_t>(length);
    std::memcpy(head.data(), &micros_, 8);
    std::memcpy(head.data() + 8, &original, 4);
    if (ring_.push(side, head, kept))
        ++counts_.packets;
    else
        ++counts_.dropped[static_cast<std::size_t>(side)];
}

}  // namespace dslite::daemon
