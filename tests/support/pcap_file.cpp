// SPDX-License-Identifier: BSD-2-Clause
#include "support/pcap_file.hpp"

#include <pcap/pcap.h>

#include <fstream>
#include <iterator>
#include <memory>

namespace dslite::test {

const int dlt_raw = DLT_RAW;
const int dlt_ethernet = DLT_EN10MB;

namespace {
struct PcapClose {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperClose {
    void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
}  // namespace

std::optional<Capture> read_capture(const std::string& path, std::string& error) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, PcapClose> pcap(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf));
    if (!pcap) {
        error = path + ": " + errbuf;
        return std::nullopt;
    }
    Capture capture;
    capture.dlt = pcap_datalink(pcap.get());
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc;
    while ((rc = pcap_next_ex(pcap.get(), &header, &data)) == 1) {
        CaptureRecord r;
        r.micros = std::int64_t{header->ts.tv_sec} * 1'000'000 + header->ts.tv_usec;
        r.data.assign(data, data + header->caplen);
        capture.records.push_back(std::move(r));
    }
    if (rc != PCAP_ERROR_BREAK) {
        error = path + ": " + pcap_geterr(pcap.get());
        return std::nullopt;
    }
    return capture;
}

bool write_capture(const std::string& path, const Capture& capture, std::string& error) {
    std::unique_ptr<pcap_t, PcapClose> pcap(
        pcap_open_dead_with_tstamp_precision(capture.dlt, 65535 + 40 + 14, PCAP_TSTAMP_PRECISION_MICRO));
    if (!pcap) {
        error = "pcap_open_dead failed";
        return false;
    }
    std::unique_ptr<pcap_dumper_t, DumperClose> dumper(pcap_dump_open(pcap.get(), path.c_str()));
    if (!dumper) {
        error = path + ": " + pcap_geterr(pcap.get());
        return false;
    }
    for (const auto& r : capture.records) {
        pcap_pkthdr header{};
        header.ts.tv_sec = static_cast<time_t>(r.micros / 1'000'000);
        header.ts.tv_usec = static_cast<suseconds_t>(r.micros % 1'000'000);
        header.caplen = header.len = static_cast<bpf_u_int32>(r.data.size());
        pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &header, r.data.data());
    }
    if (pcap_dump_flush(dumper.get()) != 0) {
        error = path + ": write failed";
        return false;
    }
    return true;
}

std::optional<Bytes> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace dslite::test
