#include "forwarder.hpp"

#include <algorithm>
#include <span>

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
        for (auto& bytes : queue)
            out.emplace_back(std::span<std::uint8_t>(bytes), kHeadroom, bytes.size() - kHeadroom);
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

Forwarder::~Forwarder() = default;

std::size_t Forwarder::pump(Device& from, Time now) {
    for (std::size_t i = 0; i < kBurst; ++i) slots_[i] = buffers_[i]->packet(kMaxPacket);
    const std::size_t count = from.read_burst(slots_);
    if (count == 0) return 0;
    ++stats_.bursts;
    stats_.packets_read += count;

    to_b4_.clear();
    to_uplink_.clear();
    // On a shared device the version nibble says which side sent a packet;
    // anything else goes to the B4 side, which counts it as not IPv6.
    const bool shared_device = shared();
    const bool all_uplink = &from == &uplink_;
    const auto is_uplink = [&](const Packet& p) {
        return shared_device ? p.size() > 0 && (p.data()[0] >> 4) == 4 : all_uplink;
    };
    // The engine takes each run of one side's packets as a burst, so its
    // table lookups overlap, and runs in arrival order, so no packet
    // overtakes another: an answer that follows the packet opening its
    // binding finds the binding, and one flow leaves in the order it came.
    const std::span<Packet> burst(slots_.data(), count);
    std::array<Verdict, kBurst> verdicts;
    for (std::size_t start = 0, end = 0; start < count; start = end) {
        const bool uplink_run = is_uplink(burst[start]);
        for (end = start + 1; end < count && is_uplink(burst[end]) == uplink_run;) ++end;
        const auto run = burst.subspan(start, end - start);
        const std::span<Verdict> run_verdicts(verdicts.data() + start, run.size());
        if (uplink_run) engine_.from_uplink(run, run_verdicts, now, *emitted_);
        else engine_.from_b4(run, run_verdicts, now, *emitted_);
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (verdicts[i] == Verdict::to_b4) to_b4_.push_back(burst[i]);
        if (verdicts[i] == Verdict::to_uplink) to_uplink_.push_back(burst[i]);
    }

    const auto send = [](Device& device, std::span<const Packet> packets, std::uint64_t& refused) {
        if (packets.empty()) return;
        refused += packets.size() - device.write_burst(packets);
    };
    send(b4_, to_b4_, stats_.b4_write_refused);
    send(uplink_, to_uplink_, stats_.uplink_write_refused);

    if (!emitted_->b4.empty() || !emitted_->uplink.empty()) {
        stats_.emitted += emitted_->b4.size() + emitted_->uplink.size();
        send(b4_, Outbox::views(emitted_->b4), stats_.b4_write_refused);
        send(uplink_, Outbox::views(emitted_->uplink), stats_.uplink_write_refused);
        emitted_->b4.clear();
        emitted_->uplink.clear();
    }
    return count;
}

}  // namespace dslite::daemon
