// SPDX-License-Identifier: BSD-2-Clause
#include "forwarder.hpp"

#include <algorithm>
#include <span>

#include "capture_tap.hpp"
#include "handoffs.hpp"

namespace dslite::daemon {

// Copies what the engine emits besides its verdicts; written after the burst.
// Each copy keeps kHeadroom in front, as read slots do, for devices that
// frame packets there (the BSD and macOS tun header).
class Forwarder::Outbox final : public Emitter {
public:
    void emit(Side to, std::span<const std::uint8_t> packet) override {
        auto& queue = to == Side::b4 ? b4 : uplink;
        auto& bytes = queue.emplace_back(kHeadroom + packet.size());
        std::copy(packet.begin(), packet.end(), bytes.begin() + kHeadroom);
    }

    // Packet views of the queued bytes; valid until the queues change.
    static std::vector<Packet> views(std::vector<std::vector<std::uint8_t>>& queue) {
        std::vector<Packet> out;
        out.reserve(queue.size());
        for (auto& bytes : queue) out.emplace_back(std::span<std::uint8_t>(bytes), kHeadroom, bytes.size() - kHeadroom);
        return out;
    }

    std::vector<std::vector<std::uint8_t>> b4;
    std::vector<std::vector<std::uint8_t>> uplink;
};

Forwarder::Forwarder(Engine& engine, Device& b4, Device& uplink)
    : engine_(engine), b4_(b4), uplink_(uplink), emitted_(std::make_unique<Outbox>()) {
    buffers_.reserve(kBurst);
    for (std::size_t i = 0; i < kBurst; ++i) buffers_.push_back(std::make_unique<PacketBuffer>());
    to_b4_.reserve(kBurst);
    to_uplink_.reserve(kBurst);
}

Forwarder::Forwarder(Engine& engine, Device& b4, Device& uplink, Handoffs& handoffs, unsigned self)
    : Forwarder(engine, b4, uplink) {
    handoffs_ = &handoffs;
    self_ = self;
    fragments_ = std::make_unique<FragmentSteering>(handoffs.shares(), FragmentSteering::Limits{});
    released_.reserve(FragmentSteering::Limits{}.held);
}

Forwarder::~Forwarder() = default;

namespace {

std::uint32_t seconds_of(Time now) { return static_cast<std::uint32_t>(now.count() / 1'000'000); }

}  // namespace

std::size_t Forwarder::pump(Device& from, Time now) {
    for (std::size_t i = 0; i < kBurst; ++i) slots_[i] = buffers_[i]->packet(kMaxPacket);
    const std::size_t count = from.read_burst(slots_);
    if (count == 0) return 0;
    ++stats_.bursts;
    stats_.packets_read += count;
    // On a shared device the version nibble says which side sent a packet;
    // anything else goes to the B4 side, which counts it as not IPv6.
    for (std::size_t i = 0; i < count; ++i) {
        const Packet& p = slots_[i];
        const bool uplink = shared() ? p.size() > 0 && (p.data()[0] >> 4) == 4 : &from == &uplink_;
        sides_[i] = uplink ? Side::uplink : Side::b4;
    }
    forward(handoffs_ ? steer(count, now) : count, now);
    return count;
}

std::size_t Forwarder::pump_handoffs(Time now) {
    std::size_t count = 0;
    for (unsigned from = 0; from < handoffs_->count() && count < kBurst; ++from) {
        handoffs_->ring(from, self_).pop(kBurst - count, [&](Side side, std::span<const std::uint8_t> bytes) {
            slots_[count] = buffers_[count]->holding(bytes);
            sides_[count] = side;
            ++count;
        });
    }
    if (count == 0) return 0;
    stats_.taken_over += count;
    forward(count, now);
    return count;
}

void Forwarder::advance(Time now) {
    if (!fragments_) return;
    fragments_->expire(seconds_of(now), released_);
    hand_off_released();
    wake();
}

Owner Forwarder::owner_of_uplink(std::span<const std::uint8_t> packet, Time now) {
    const Owner owner = handoffs_->shares().from_uplink(packet);
    if (owner.kind != Owner::fragment) return owner;
    const Owner told = fragments_->steer(packet, seconds_of(now), released_);
    hand_off_released();
    return told;
}

void Forwarder::hand_off(Owner owner, Side side, std::span<const std::uint8_t> packet) {
    const unsigned to = owner.kind == Owner::engine ? owner.index : self_;
    if (handoffs_->ring(self_, to).push(side, packet)) {
        ++stats_.handed_off;
        woken_ |= std::uint64_t{1} << to;
    } else {
        ++stats_.handoff_refused;
    }
}

// Held fragments let go: to their owner, or (Owner::any) to this worker's
// engine, through its own ring, as they are copies in the steering's storage.
void Forwarder::hand_off_released() {
    for (const auto& r : released_) hand_off(r.owner, Side::uplink, r.packet);
    released_.clear();
}

void Forwarder::wake() {
    for (unsigned to = 0; woken_ != 0; ++to, woken_ >>= 1)
        if (woken_ & 1) handoffs_->wakeup(to).notify();
}

std::size_t Forwarder::steer(std::size_t count, Time now) {
    const Shares& shares = handoffs_->shares();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::span<const std::uint8_t> bytes = slots_[i].bytes();
        const Owner owner = sides_[i] == Side::b4 ? shares.from_b4(bytes) : owner_of_uplink(bytes, now);
        if (owner.kind == Owner::fragment) continue;  // held until its first fragment comes
        if (owner.kind == Owner::engine && owner.index != self_) {
            hand_off(owner, sides_[i], bytes);
            continue;
        }
        slots_[kept] = slots_[i];
        sides_[kept] = sides_[i];
        ++kept;
    }
    wake();
    return kept;
}

bool Forwarder::handed_to_owner(const Packet& packet, Time now) {
    // Not to a pool address, or to a port nobody's slice has: for the
    // uplink (which routes the latter back, to be dropped then).
    const Owner owner = owner_of_uplink(packet.bytes(), now);
    if (owner.kind == Owner::any) return false;
    if (owner.kind == Owner::engine) hand_off(owner, Side::uplink, packet.bytes());
    return true;
}

void Forwarder::forward(std::size_t count, Time now) {
    to_b4_.clear();
    to_uplink_.clear();
    // The engine takes each run of one side's packets as a burst, so its
    // table lookups overlap, and runs in arrival order, so no packet
    // overtakes another: an answer that follows the packet opening its
    // binding finds the binding, and one flow leaves in the order it came.
    const std::span<Packet> burst(slots_.data(), count);
    std::array<Verdict, kBurst> verdicts;
    // The engine rewrites the burst in place: a capture keeps it as it came.
    CaptureTap* const tap = capture_;
    if (tap) [[unlikely]]
        tap->hold(burst);
    for (std::size_t start = 0, end = 0; start < count; start = end) {
        const Side side = sides_[start];
        for (end = start + 1; end < count && sides_[end] == side;) ++end;
        const auto run = burst.subspan(start, end - start);
        const std::span<Verdict> run_verdicts(verdicts.data() + start, run.size());
        if (side == Side::uplink)
            engine_.from_uplink(run, run_verdicts, now, *emitted_);
        else
            engine_.from_b4(run, run_verdicts, now, *emitted_);
    }
    if (tap) [[unlikely]]
        tap->take(burst, std::span(sides_).first(count), std::span(verdicts).first(count));
    for (std::size_t i = 0; i < count; ++i) {
        if (verdicts[i] == Verdict::to_b4) to_b4_.push_back(burst[i]);
        if (verdicts[i] == Verdict::to_uplink && !(handoffs_ && handed_to_owner(burst[i], now)))
            to_uplink_.push_back(burst[i]);
    }

    const auto send = [](Device& device, std::span<const Packet> packets, std::uint64_t& refused) {
        if (packets.empty()) return;
        refused += packets.size() - device.write_burst(packets);
    };
    send(b4_, to_b4_, stats_.b4_write_refused);
    send(uplink_, to_uplink_, stats_.uplink_write_refused);

    if (!emitted_->b4.empty() || !emitted_->uplink.empty()) {
        stats_.emitted += emitted_->b4.size() + emitted_->uplink.size();
        if (tap) [[unlikely]] {
            for (const auto& bytes : emitted_->b4) tap->take_emitted(Side::b4, std::span(bytes).subspan(kHeadroom));
            for (const auto& bytes : emitted_->uplink)
                tap->take_emitted(Side::uplink, std::span(bytes).subspan(kHeadroom));
        }
        send(b4_, Outbox::views(emitted_->b4), stats_.b4_write_refused);
        auto uplink_views = Outbox::views(emitted_->uplink);
        if (handoffs_) std::erase_if(uplink_views, [&](const Packet& p) { return handed_to_owner(p, now); });
        send(uplink_, uplink_views, stats_.uplink_write_refused);
        emitted_->b4.clear();
        emitted_->uplink.clear();
    }
    if (handoffs_) wake();
}

}  // namespace dslite::daemon
