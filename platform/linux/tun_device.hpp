// A Linux TUN interface carrying bare IPv4 and IPv6 packets (IFF_NO_PI), so
// one TUN can serve both sides of the AFTR; the daemon dispatches by version.
// Its bursts go through io_uring (tun_ring.hpp) where the kernel allows,
// else one read() or write() per packet.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "platform/device.hpp"
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
    static std::variant<std::unique_ptr<TunDevice>, std::string> open(const std::string& name, Io io = Io::ring);

    std::size_t read_burst(std::span<Packet> slots) override;
    std::size_t write_burst(std::span<const Packet> packets) override;
    int wait_handle() const override { return ring_ ? ring_->wait_handle() : fd_.get(); }
    std::string name() const override { return name_; }
    std::string interface() const override { return interface_; }

    bool created() const { return created_; }
    bool batched() const { return ring_ != nullptr; }
    const DeviceStats& stats() const { return stats_; }

private:
    struct Opened {  // only open() makes one
        explicit Opened() = default;
    };

public:
    TunDevice(Opened, UniqueFd fd, std::unique_ptr<TunRing> ring, std::string interface, bool created)
        : fd_(std::move(fd)),
          ring_(std::move(ring)),
          interface_(std::move(interface)),
          name_("tun:" + interface_),
          created_(created) {}

private:
    UniqueFd fd_;
    std::unique_ptr<TunRing> ring_;  // none: one system call per packet
    std::string interface_;
    std::string name_;
    bool created_;
    DeviceStats stats_;
};

}  // namespace dslite::platform
