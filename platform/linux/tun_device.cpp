// SPDX-License-Identifier: BSD-2-Clause
#include "platform/linux/tun_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

// Debian 12's headers predate UDP segmentation offload (Linux 6.2).
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

namespace dslite::platform {

using offload::VnetHeader;

std::variant<std::unique_ptr<TunDevice>, std::string> TunDevice::open(const std::string& name, Io io, Offload offload) {
    return open_one(name, io, offload, false);
}

std::variant<std::vector<std::unique_ptr<TunDevice>>, std::string> TunDevice::open_queues(const std::string& name,
                                                                                          unsigned count) {
    std::vector<std::unique_ptr<TunDevice>> queues;
    for (unsigned i = 0; i < count; ++i) {
        auto made = open_one(name, Io::ring, Offload::on, true);
        if (auto* e = std::get_if<std::string>(&made)) return std::move(*e);
        queues.push_back(std::move(std::get<std::unique_ptr<TunDevice>>(made)));
        queues.back()->name_ += "#" + std::to_string(i);
    }
    // Queues after the first found the interface there; it is still ours to
    // remove if the first made it.
    for (auto& q : queues) q->created_ = queues.front()->created_;
    return queues;
}

std::variant<std::unique_ptr<TunDevice>, std::string> TunDevice::open_one(const std::string& name, Io io,
                                                                          Offload offload, bool multi_queue) {
    auto failed = [&](const char* what) { return "tun:" + name + ": " + what + ": " + std::strerror(errno); };
    if (name.empty() || name.size() >= IFNAMSIZ) return "tun:" + name + ": interface name must be 1-15 characters";

    // TUNSETIFF attaches to an existing TUN or makes a new one; asking first is
    // the only way to know whether removing it on exit is ours to do.
    const bool existed = ::if_nametoindex(name.c_str()) != 0;

    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return failed("open /dev/net/tun");

    ifreq request{};
    std::memcpy(request.ifr_name, name.data(), name.size());
    request.ifr_flags =
        IFF_TUN | IFF_NO_PI | (offload == Offload::on ? IFF_VNET_HDR : 0) | (multi_queue ? IFF_MULTI_QUEUE : 0);
    if (::ioctl(fd.get(), TUNSETIFF, &request) < 0) {
        if (multi_queue && existed && errno == EINVAL)
            return failed("attach a queue (a TUN made without multiple queues cannot get them; remove it)");
        return failed(existed ? "attach (is it a TUN without packet info, and free?)" : "create");
    }
    const std::string interface(request.ifr_name);

    Kernel kernel = Kernel::none;
    if (offload == Offload::on) {
        int header = VnetHeader::kSize;
        if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &header) < 0) return failed("TUNSETVNETHDRSZ");
        // What this device can take from the kernel: partial checksums, TCP
        // super-packets over either IP (with ECN), UDP ones where the kernel
        // knows them (6.2 and later).
        constexpr unsigned tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
        if (::ioctl(fd.get(), TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0 ||
            ::ioctl(fd.get(), TUNSETOFFLOAD, tcp) == 0) {
            kernel = Kernel::segments;
        } else {
            spdlog::info("tun:{}: the kernel refused TUN offloads ({}): packets one at a time", interface,
                         std::strerror(errno));
            ::ioctl(fd.get(), TUNSETOFFLOAD, 0u);
            kernel = Kernel::header_only;
        }
    }
    auto device = std::make_unique<TunDevice>(Opened{}, std::move(fd), interface, !existed, kernel);
    if (kernel != Kernel::none && io != Io::ring) device->pending_ = std::make_unique<PacketBuffer>();

    if (io == Io::ring) {
        auto made = TunRing::open(device->fd_.get(), device->header_size());
        if (auto* ok = std::get_if<std::unique_ptr<TunRing>>(&made)) {
            device->ring_ = std::move(*ok);
        } else {
            spdlog::info("tun:{}: {}: one system call per packet", interface, std::get<std::string>(made));
            if (kernel != Kernel::none) device->pending_ = std::make_unique<PacketBuffer>();
        }
    }
    device->frames_.reserve(TunRing::kWrites);
    device->frame_segments_.reserve(TunRing::kWrites);
    device->results_.reserve(TunRing::kWrites);
    return device;
}

TunDevice::Taken TunDevice::take(const std::uint8_t* header, Packet& packet) {
    if (offload_ == Kernel::none) return Taken::whole;
    const VnetHeader h = VnetHeader::load(header);
    if (h.gso_type == VnetHeader::kGsoNone) {
        if (offload::complete_checksum(h, packet.bytes())) return Taken::whole;
        log_sparse(++stats_.rx_malformed, name_, "dropped a packet whose checksum offsets do not fit it");
        return Taken::dropped;
    }
    std::span<const std::uint8_t> super = packet.bytes();
    if (pending_) {  // the slot it came in is cut into next
        std::memcpy(pending_->payload(), super.data(), super.size());
        super = {pending_->payload(), super.size()};
    }
    if (!segments_.start(h, super)) {
        log_sparse(++stats_.rx_malformed, name_, "dropped a super-packet it cannot cut");
        return Taken::dropped;
    }
    ++stats_.rx_super_packets;
    return Taken::segments;
}

std::size_t TunDevice::cut_segments(std::span<Packet> slots) {
    std::size_t n = 0;
    while (!segments_.done() && n < slots.size()) {
        if (!segments_.cut(slots[n])) {  // slots hold kMaxPacket: cannot happen
            log_sparse(++stats_.rx_malformed, name_, "dropped a segment larger than the slot");
            segments_ = {};
            break;
        }
        ++stats_.rx_packets;
        stats_.rx_bytes += slots[n].size();
        ++n;
    }
    if (segments_.done() && held_) {
        ring_->give_back(*held_);
        held_.reset();
    }
    return n;
}

std::size_t TunDevice::read_burst(std::span<Packet> slots) {
    const std::size_t header = header_size();
    std::size_t count = cut_segments(slots);  // what is left of the last burst's super-packet comes first
    if (ring_) ring_->begin(slots.size() - count);
    while (count < slots.size() && segments_.done()) {
        Packet& slot = slots[count];
        std::uint8_t frame_header[VnetHeader::kSize];
        const std::uint8_t* header_bytes = frame_header;
        Packet packet;
        std::optional<TunRing::Read> read;
        if (ring_) {
            read = ring_->next(stats_, name_);
            if (!read) break;
            const std::size_t length = read->size >= header ? read->size - header : 0;
            if (read->size < header || read_ip_version(read->frame + header, length, kMaxPacket, stats_, name_) == 0) {
                ring_->give_back(read->buffer);
                continue;
            }
            header_bytes = read->frame;
            packet = ring_->packet(*read, length);
        } else {
            // One read() is one packet; a slot too small for it truncates,
            // which the length check catches (slots hold kMaxPacket in practice).
            iovec parts[2] = {{frame_header, header}, {slot.data(), slot.size()}};
            const ssize_t n = header == 0 ? ::read(fd_.get(), slot.data(), slot.size()) : ::readv(fd_.get(), parts, 2);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN) log_sparse(++stats_.rx_errors, name_, "read", errno);
                break;
            }
            const auto length = static_cast<std::size_t>(n) >= header ? static_cast<std::size_t>(n) - header : 0;
            if (static_cast<std::size_t>(n) < header ||
                read_ip_version(slot.data(), length, slot.size(), stats_, name_) == 0)
                continue;
            slot.resize(length);
            packet = slot;
        }
        switch (take(header_bytes, packet)) {
        case Taken::whole:
            if (read) ring_->lend(read->buffer);
            slot = packet;
            ++stats_.rx_packets;
            stats_.rx_bytes += packet.size();
            ++count;
            break;
        case Taken::segments:
            if (read) held_ = read->buffer;
            count += cut_segments(slots.subspan(count));
            break;
        case Taken::dropped:
            if (read) ring_->give_back(read->buffer);
            break;
        }
    }
    return count;
}

std::size_t TunDevice::write_frames(std::span<const Packet> frames, std::span<const std::uint16_t> segments) {
    results_.resize(frames.size());
    if (ring_) {
        ring_->write(frames, results_);
    } else {
        for (std::size_t i = 0; i < frames.size(); ++i) {
            ssize_t n;
            do n = ::write(fd_.get(), frames[i].data(), frames[i].size());
            while (n < 0 && errno == EINTR);
            results_[i] = n < 0 ? -errno : static_cast<int>(n);
        }
    }
    std::size_t sent = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const std::size_t count = segments.empty() ? 1 : segments[i];
        if (results_[i] < 0) {
            for (std::size_t k = 0; k < count; ++k) count_send_failure(stats_, name_, "write", -results_[i]);
            continue;
        }
        stats_.tx_packets += count;
        stats_.tx_bytes += frames[i].size() - header_size();
        if (count > 1) ++stats_.tx_super_packets;
        sent += count;
    }
    return sent;
}

std::size_t TunDevice::write_burst(std::span<const Packet> packets) {
    if (offload_ == Kernel::none) return write_frames(packets, {});
    // A burst goes in chunks of what one ring submission takes; each chunk's
    // joinable TCP segments become super-packets, the rest go as they are,
    // in the order of each group's first packet.
    constexpr std::size_t kChunk = TunRing::kWrites;
    std::size_t sent = 0;
    while (!packets.empty()) {
        const auto chunk = packets.first(std::min(packets.size(), kChunk));
        packets = packets.subspan(chunk.size());
        std::array<std::uint16_t, kChunk> group_of;
        const std::size_t groups = coalescer_.plan(chunk, group_of);
        std::array<std::uint16_t, kChunk> size{};
        std::array<std::uint16_t, kChunk> head{};
        std::array<std::uint16_t, kChunk> next{};  // within a group, in order
        std::array<std::uint16_t, kChunk> tail{};
        for (std::uint16_t i = 0; i < chunk.size(); ++i) {
            const std::uint16_t g = group_of[i];
            if (size[g]++ == 0)
                head[g] = i;
            else
                next[tail[g]] = i;
            tail[g] = i;
        }
        frames_.clear();
        frame_segments_.clear();
        std::size_t joined = 0;  // buffers of joined_ in use
        const auto spare = [&] {
            if (joined_.size() <= joined) joined_.push_back(std::make_unique<PacketBuffer>());
            return joined_[joined++]->packet(kMaxPacket);
        };
        const auto add = [&](Packet frame, const VnetHeader& h, std::uint16_t count) {
            if (!frame.push_front(VnetHeader::kSize)) {  // no room for the header in front: a copy that has it
                Packet copy = spare();
                copy.resize(frame.size());
                std::memcpy(copy.data(), frame.data(), frame.size());
                frame = copy;
                frame.push_front(VnetHeader::kSize);
            }
            h.store(frame.data());
            frames_.push_back(frame);
            frame_segments_.push_back(count);
        };
        for (std::size_t g = 0; g < groups; ++g) {
            if (size[g] == 1) {
                add(chunk[head[g]], VnetHeader{}, 1);
                continue;
            }
            std::array<const Packet*, kChunk> members;
            std::size_t m = 0;
            for (std::uint16_t i = head[g];; i = next[i]) {
                members[m++] = &chunk[i];
                if (i == tail[g]) break;
            }
            Packet out = spare();
            VnetHeader h;
            if (offload::join({members.data(), m}, out, h)) {
                add(out, h, size[g]);
            } else {
                for (std::size_t k = 0; k < m; ++k) add(*members[k], VnetHeader{}, 1);
            }
        }
        sent += write_frames(frames_, frame_segments_);
    }
    return sent;
}

}  // namespace dslite::platform
