// SPDX-License-Identifier: BSD-2-Clause
#include "pcap/capture_reader.hpp"

#include <utility>

#include "pcap/link_layer.hpp"

namespace dslite {

CaptureReader::CaptureReader(std::unique_ptr<pcap_t, Close> pcap, std::string path)
    : pcap_(std::move(pcap)), path_(std::move(path)), link_type_(pcap_datalink(pcap_.get())) {}

std::variant<CaptureReader, std::string> CaptureReader::open(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    // Microsecond precision: libpcap scales nanosecond captures to the engine's clock unit.
    std::unique_ptr<pcap_t, Close> pcap(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf));
    if (!pcap) {
        std::string error = errbuf;
        return error.find(path) == std::string::npos ? path + ": " + error : error;
    }
    const int link_type = pcap_datalink(pcap.get());
    if (!supported_link_type(link_type)) {
        const char* name = pcap_datalink_val_to_name(link_type);
        return path + ": link type " + std::to_string(link_type) + (name ? std::string(" (") + name + ")" : "") +
               " is not supported (raw IP, Ethernet and Linux cooked captures are)";
    }
    return CaptureReader(std::move(pcap), path);
}

std::optional<CapturedPacket> CaptureReader::next() {
    if (!pcap_ || !error_.empty()) return std::nullopt;
    for (;;) {
        pcap_pkthdr* header = nullptr;
        const u_char* data = nullptr;
        const int status = pcap_next_ex(pcap_.get(), &header, &data);
        if (status == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
        if (status != 1) {
            error_ = path_ + ": " + pcap_geterr(pcap_.get());
            return std::nullopt;
        }
        ++frames_;
        auto ip = ip_packet(link_type_, {data, header->caplen});
        if (!ip) {
            ++skipped_;
            continue;
        }
        const auto timestamp = std::chrono::seconds(header->ts.tv_sec) + std::chrono::microseconds(header->ts.tv_usec);
        return CapturedPacket{*ip, timestamp, header->caplen < header->len};
    }
}

}  // namespace dslite
