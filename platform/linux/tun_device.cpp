#include "platform/linux/tun_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace dslite::platform {

std::variant<std::unique_ptr<TunDevice>, std::string> TunDevice::open(const std::string& name, Io io) {
    auto failed = [&](const char* what) { return "tun:" + name + ": " + what + ": " + std::strerror(errno); };
    if (name.empty() || name.size() >= IFNAMSIZ) return "tun:" + name + ": interface name must be 1-15 characters";

    // TUNSETIFF attaches to an existing TUN or makes a new one; asking first is
    // the only way to know whether removing it on exit is ours to do.
    const bool existed = ::if_nametoindex(name.c_str()) != 0;

    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return failed("open /dev/net/tun");

    ifreq request{};
    std::memcpy(request.ifr_name, name.data(), name.size());
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (::ioctl(fd.get(), TUNSETIFF, &request) < 0)
        return failed(existed ? "attach (is it a TUN without packet info, and free?)" : "create");

    const std::string interface(request.ifr_name);

    std::unique_ptr<TunRing> ring;
    if (io == Io::ring) {
        // io_uring waits for packets only on a blocking descriptor; without a
        // ring the descriptor goes back to non-blocking.
        ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
        auto made = TunRing::open(fd.get());
        if (auto* ok = std::get_if<std::unique_ptr<TunRing>>(&made)) {
            ring = std::move(*ok);
        } else {
            spdlog::info("tun:{}: {}: one system call per packet", interface, std::get<std::string>(made));
            ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
        }
    }
    return std::make_unique<TunDevice>(Opened{}, std::move(fd), std::move(ring), interface, !existed);
}

std::size_t TunDevice::read_burst(std::span<Packet> slots) {
    if (ring_) return ring_->read_burst(slots, stats_, name_);
    std::size_t count = 0;
    for (Packet& slot : slots) {
        // One read() is one packet; a slot too small for it truncates, which
        // the length check below catches (slots hold kMaxPacket in practice).
        for (;;) {
            const ssize_t n = ::read(fd_.get(), slot.data(), slot.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN) log_sparse(++stats_.rx_errors, name_, "read", errno);
                return count;
            }
            const auto length = static_cast<std::size_t>(n);
            if (read_ip_version(slot.data(), length, slot.size(), stats_, name_) == 0) continue;
            slot.resize(length);
            ++stats_.rx_packets;
            stats_.rx_bytes += length;
            ++count;
            break;
        }
    }
    return count;
}

std::size_t TunDevice::write_burst(std::span<const Packet> packets) {
    if (ring_) return ring_->write_burst(packets, stats_, name_);
    std::size_t accepted = 0;
    for (const Packet& packet : packets) {
        accepted += send_counted(stats_, name_, packet.size(), "write",
                                 [&] { return ::write(fd_.get(), packet.data(), packet.size()); });
    }
    return accepted;
}

}  // namespace dslite::platform
