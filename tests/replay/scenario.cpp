// SPDX-License-Identifier: BSD-2-Clause
#include "scenario.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

namespace dslite::test {

namespace {

std::vector<Scenario (*)()>& makers() {
    static std::vector<Scenario (*)()> all;
    return all;
}

}  // namespace

Registration::Registration(std::initializer_list<Scenario (*)()> more) {
    makers().insert(makers().end(), more.begin(), more.end());
}

std::vector<Scenario> all_scenarios() {
    std::vector<Scenario> all;
    for (auto make : makers()) all.push_back(make());
    std::sort(all.begin(), all.end(), [](const Scenario& a, const Scenario& b) { return a.name < b.name; });
    return all;
}

Bytes tagged_payload(std::string_view tag, std::size_t size) {
    Bytes b = text_bytes(tag);
    b.push_back('|');
    for (std::size_t i = b.size(); i < size; ++i) b.push_back(static_cast<std::uint8_t>((i * 131 + 7) % 251));
    b.resize(size);
    return b;
}

std::int64_t at(double seconds) { return kEpochMicros + std::llround(seconds * 1e6); }

std::string flags_line(const std::vector<std::string>& flags) {
    std::string line;
    for (const auto& f : flags) {
        if (!line.empty()) line += ' ';
        line += f.find(' ') == std::string::npos ? f : "'" + f + "'";
    }
    return line;
}

bool write_scenario(const std::string& dir, const Scenario& s, std::string& error) {
    const std::string path = dir + "/" + s.name;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    if (!write_capture(path + "/in.pcap", s.input, error)) return false;
    std::ofstream flags(path + "/flags");
    flags << flags_line(s.flags) << "\n";
    if (!flags) {
        error = path + "/flags: write failed";
        return false;
    }
    return true;
}

}  // namespace dslite::test
