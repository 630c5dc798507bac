// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/capture_device.hpp"

#include <algorithm>

namespace dslite::platform {

std::variant<std::unique_ptr<CaptureDevice>, std::string> CaptureDevice::open(const std::string& input,
                                                                              const std::string& output) {
    auto reader = CaptureReader::open(input);
    if (auto* error = std::get_if<std::string>(&reader)) return std::move(*error);
    std::optional<CaptureWriter> writer;
    if (!output.empty()) {
        auto created = CaptureWriter::create(output);
        if (auto* error = std::get_if<std::string>(&created)) return std::move(*error);
        writer.emplace(std::move(std::get<CaptureWriter>(created)));
    }
    const std::string name = "pcap:" + input + (output.empty() ? "" : "," + output);
    return std::make_unique<CaptureDevice>(Opened{}, std::move(std::get<CaptureReader>(reader)), std::move(writer),
                                           name);
}

std::size_t CaptureDevice::read_burst(std::span<Packet> slots) {
    std::size_t count = 0;
    while (count < slots.size() && !at_end_) {
        const auto captured = reader_.next();
        if (!captured) {
            at_end_ = true;
            if (!reader_.error().empty()) ++stats_.rx_errors;
            break;
        }
        last_timestamp_ = captured->timestamp;
        Packet& slot = slots[count];
        if (captured->truncated || captured->ip.size() > slot.size()) {
            log_sparse(++stats_.rx_malformed, name_, "skipped a packet the capture truncated");
            continue;
        }
        std::copy(captured->ip.begin(), captured->ip.end(), slot.data());
        slot.resize(captured->ip.size());
        ++stats_.rx_packets;
        stats_.rx_bytes += slot.size();
        ++count;
    }
    return count;
}

std::size_t CaptureDevice::write_burst(std::span<const Packet> packets) {
    if (!writer_) {
        stats_.tx_dropped += packets.size();
        return 0;
    }
    for (const Packet& packet : packets) {
        writer_->write(packet.bytes(), last_timestamp_);
        ++stats_.tx_packets;
        stats_.tx_bytes += packet.size();
    }
    return packets.size();
}

std::optional<std::string> CaptureDevice::error() const {
    if (!reader_.error().empty()) return reader_.error();
    return std::nullopt;
}

std::optional<std::string> CaptureDevice::flush() {
    if (!writer_) return std::nullopt;
    return writer_->flush();
}

}  // namespace dslite::platform
