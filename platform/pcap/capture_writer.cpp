// SPDX-License-Identifier: BSD-2-Clause
#include "pcap/capture_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace dslite {

namespace {
constexpr int kDltRaw = 12;  // written to the file as LINKTYPE_RAW (101)
}

CaptureWriter::CaptureWriter(std::unique_ptr<pcap_t, Close> pcap, std::unique_ptr<pcap_dumper_t, CloseDumper> dumper,
                             std::string path)
    : pcap_(std::move(pcap)), dumper_(std::move(dumper)), path_(std::move(path)) {}

std::variant<CaptureWriter, std::string> CaptureWriter::create(const std::string& path) {
    std::unique_ptr<pcap_t, Close> pcap(
        pcap_open_dead_with_tstamp_precision(kDltRaw, kSnapLength, PCAP_TSTAMP_PRECISION_MICRO));
    if (!pcap) return path + ": cannot start a capture file writer";
    std::unique_ptr<pcap_dumper_t, CloseDumper> dumper(pcap_dump_open(pcap.get(), path.c_str()));
    if (!dumper) return std::string(pcap_geterr(pcap.get()));  // names the file already
    return CaptureWriter(std::move(pcap), std::move(dumper), path);
}

void CaptureWriter::write(std::span<const std::uint8_t> ip, std::chrono::microseconds timestamp) {
    pcap_pkthdr header{};
    const auto seconds = std::chrono::floor<std::chrono::seconds>(timestamp);
    header.ts.tv_sec = static_cast<decltype(header.ts.tv_sec)>(seconds.count());
    header.ts.tv_usec = static_cast<decltype(header.ts.tv_usec)>((timestamp - seconds).count());
    header.len = static_cast<bpf_u_int32>(ip.size());
    header.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(ip.size(), kSnapLength));
    pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &header, ip.data());
    ++packets_;
}

std::optional<std::string> CaptureWriter::flush() {
    if (pcap_dump_flush(dumper_.get()) != 0 || std::ferror(pcap_dump_file(dumper_.get())))
        return path_ + ": write failed: " + std::strerror(errno);
    return std::nullopt;
}

}  // namespace dslite
