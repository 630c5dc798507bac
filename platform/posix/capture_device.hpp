// SPDX-License-Identifier: BSD-2-Clause
// A capture file as a device, for replaying traffic through the daemon:
// packets come from IN until it ends; what the daemon sends goes to OUT
// (stamped with the time of the last packet read, so output lines up with the
// input that caused it) or, without OUT, is counted and discarded.
// Portable: libpcap only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "pcap/capture_reader.hpp"
#include "pcap/capture_writer.hpp"
#include "platform/device.hpp"
#include "platform/posix/device_stats.hpp"

namespace dslite::platform {

class CaptureDevice final : public Device {
public:
    // `output` empty: no output file.
    static std::variant<std::unique_ptr<CaptureDevice>, std::string> open(const std::string& input,
                                                                          const std::string& output);

    std::size_t read_burst(std::span<Packet> slots) override;
    std::size_t write_burst(std::span<const Packet> packets) override;
    int wait_handle() const override { return -1; }
    bool at_end() const override { return at_end_; }
    std::string name() const override { return name_; }

    // Timestamp of the last packet read: the replay's clock.
    std::chrono::microseconds last_timestamp() const { return last_timestamp_; }
    // The reader's error if the input ended early, or the writer's on flush.
    std::optional<std::string> error() const;
    std::optional<std::string> flush();
    const DeviceStats& stats() const override { return stats_; }

private:
    struct Opened {
        explicit Opened() = default;
    };

public:
    CaptureDevice(Opened, CaptureReader reader, std::optional<CaptureWriter> writer, std::string name)
        : reader_(std::move(reader)), writer_(std::move(writer)), name_(std::move(name)) {}

private:
    CaptureReader reader_;
    std::optional<CaptureWriter> writer_;
    std::string name_;
    bool at_end_ = false;
    std::chrono::microseconds last_timestamp_{0};
    DeviceStats stats_;
};

}  // namespace dslite::platform
