// SPDX-License-Identifier: BSD-2-Clause
// A Linux TUN interface carrying bare IPv4 and IPv6 packets (IFF_NO_PI), so
// one TUN can serve both sides of the AFTR; the daemon dispatches by version.
// Its bursts go through io_uring (tun_ring.hpp) where the kernel allows,
// else one read() or write() per packet. With offloads (the default) the
// kernel hands it TCP/UDP super-packets, which it cuts into segments, and
// takes TCP super-packets it joins from a burst (tun_offload.hpp).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "platform/device.hpp"
#include "platform/linux/tun_offload.hpp"
#include "platform/linux/tun_ring.hpp"
#include "platform/posix/device_stats.hpp"
#include "platform/posix/unique_fd.hpp"

namespace dslite::platform {

class TunDevice final : public Device {
public:
    // Attaches to the TUN `name`, creating it if no interface has that name.
    // A TUN created here is not persistent: it vanishes when this object does.
    // Returns the device or "tun:NAME: what failed".
    enum class Io { ring, system_calls };
    enum class Offload { on, off };
    static std::variant<std::unique_ptr<TunDevice>, std::string> open(const std::string& name, Io io = Io::ring,
                                                                      Offload offload = Offload::on);
    // `count` queues of one multi-queue TUN (IFF_MULTI_QUEUE), one device
    // each, for one worker thread each. The kernel spreads what it sends
    // through the TUN over the queues by flow, and sends a flow's packets to
    // the queue that last wrote one of that flow (or its answer).
    static std::variant<std::vector<std::unique_ptr<TunDevice>>, std::string> open_queues(const std::string& name,
                                                                                          unsigned count);

    // A super-packet read is cut into as many slots as it needs; what does
    // not fit waits for the next read_burst, which this one then fills
    // completely (so a caller that reads again after a full burst gets it).
    std::size_t read_burst(std::span<Packet> slots) override;
    std::size_t write_burst(std::span<const Packet> packets) override;
    int wait_handle() const override { return fd_.get(); }
    std::string name() const override { return name_; }
    std::string interface() const override { return interface_; }

    bool created() const { return created_; }
    bool batched() const { return ring_ != nullptr; }
    // The kernel agreed to hand over super-packets (TUNSETOFFLOAD took TSO).
    bool offloaded() const { return offload_ == Kernel::segments; }
    const DeviceStats& stats() const override { return stats_; }

private:
    static std::variant<std::unique_ptr<TunDevice>, std::string> open_one(const std::string& name, Io io,
                                                                          Offload offload, bool multi_queue);

    struct Opened {  // only open() makes one
        explicit Opened() = default;
    };
    // none: no virtio-net header; header_only: the header is there but the
    // kernel only ever sends whole packets (TUNSETOFFLOAD refused).
    enum class Kernel { none, header_only, segments };

public:
    TunDevice(Opened, UniqueFd fd, std::string interface, bool created, Kernel offload)
        : fd_(std::move(fd)),
          interface_(std::move(interface)),
          name_("tun:" + interface_),
          created_(created),
          offload_(offload) {}

private:
    std::size_t header_size() const { return offload_ == Kernel::none ? 0 : offload::VnetHeader::kSize; }
    // Takes a frame just read (header, then `packet` at a slot's headroom
    // mark): true if `packet` is now one to hand out whole; else it was
    // dropped, or it is a super-packet that `segments_` now cuts.
    enum class Taken { whole, segments, dropped };
    Taken take(const std::uint8_t* header, Packet& packet);
    std::size_t cut_segments(std::span<Packet> slots);
    std::size_t write_frames(std::span<const Packet> frames, std::span<const std::uint16_t> segments);

    UniqueFd fd_;
    std::unique_ptr<TunRing> ring_;  // none: one system call per packet
    std::string interface_;
    std::string name_;
    bool created_;
    Kernel offload_;
    DeviceStats stats_;

    offload::Segmenter segments_;
    std::unique_ptr<PacketBuffer> pending_;  // a super-packet read without the ring, while it is cut
    std::optional<std::uint32_t> held_;      // the ring buffer holding the super-packet being cut
    offload::Coalescer coalescer_;
    std::vector<std::unique_ptr<PacketBuffer>> joined_;  // super-packets being written
    std::vector<Packet> frames_;
    std::vector<std::uint16_t> frame_segments_;
    std::vector<int> results_;

    friend class TunDeviceOpener;
};

}  // namespace dslite::platform
