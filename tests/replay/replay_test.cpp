// SPDX-License-Identifier: BSD-2-Clause
// Replays every scenario in captures/ through the real dslite-aftr binary:
// the outputs must match the golden files byte for byte, the counters must
// be the ones the table lists, and the decoded output must show the
// behaviour the spec asks for (checked independently of the golden files).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "dslite/counters.hpp"
#include "dslite/wire.hpp"
#include "replay_run.hpp"
#include "scenario.hpp"
#include "support/topology.hpp"

namespace dslite::test {
namespace {

namespace w = dslite::wire;
namespace fs = std::filesystem;

const std::string kCaptures = DSLITE_CAPTURES_DIR;
const std::string kAftrBinary = DSLITE_AFTR_BINARY;

std::string scenario_dir(const std::string& name) { return kCaptures + "/" + name; }

std::string read_text_file(const std::string& path) {
    auto bytes = read_file(path);
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

// Made once: building every input takes a while.
const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> all = all_scenarios();
    return all;
}

const Scenario* find_scenario(const std::string& name) {
    for (const auto& s : scenarios())
        if (s.name == name) return &s;
    return nullptr;
}

// The IP packet of an input record (Ethernet header removed).
std::span<const std::uint8_t> ip_of(const Capture& c, const CaptureRecord& r) {
    std::span<const std::uint8_t> p = r.data;
    return c.dlt == dlt_ethernet && p.size() >= 14 ? p.subspan(14) : p;
}

class Replay : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        name_ = GetParam();
        scenario_ = find_scenario(name_);
        ASSERT_TRUE(scenario_) << name_ << " is in captures/ but no scenario file makes it";
        const std::string flags_text = read_text_file(scenario_dir(name_) + "/flags");
        ASSERT_FALSE(flags_text.empty()) << scenario_dir(name_) << "/flags missing: run scripts/gen-captures";
        flags_ = split_words(flags_text);
        std::string error;
        auto input = read_capture(input_path(), error);
        ASSERT_TRUE(input) << error << " (run scripts/gen-captures)";
        input_ = std::move(*input);
    }

    std::string input_path() const { return scenario_dir(name_) + "/in.pcap"; }

    // Runs the replay; fails the test if it did not run cleanly.
    ReplayFiles replay() {
        std::string error;
        auto files = run_replay(kAftrBinary, input_path(), flags_, error);
        if (!files) {
            ADD_FAILURE() << error;
            return {};
        }
        EXPECT_EQ(files->exit_status, 0) << files->stderr_text;
        return *files;
    }

    // Decodes the replay's outputs; nothing (and a failure) if they are not valid.
    std::optional<Result> decoded(const ReplayFiles& files) {
        TempDir dir;
        std::string error;
        const std::string b4_path = dir.path() + "/b4.pcap", uplink_path = dir.path() + "/uplink.pcap";
        auto store = [](const std::string& path, const Bytes& bytes) {
            std::ofstream(path, std::ios::binary)
                .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        };
        store(b4_path, files.b4_pcap);
        store(uplink_path, files.uplink_pcap);
        auto b4 = read_capture(b4_path, error);
        auto uplink = b4 ? read_capture(uplink_path, error) : std::nullopt;
        auto counters =
            uplink ? parse_counters_json(std::string(files.counters_json.begin(), files.counters_json.end()), error)
                   : std::nullopt;
        if (!counters) {
            ADD_FAILURE() << error;
            return std::nullopt;
        }
        EXPECT_EQ(b4->dlt, dlt_raw) << "outputs are LINKTYPE_RAW";
        EXPECT_EQ(uplink->dlt, dlt_raw) << "outputs are LINKTYPE_RAW";
        return decode_result(input_, *b4, *uplink, std::move(*counters));
    }

    std::string name_;
    const Scenario* scenario_ = nullptr;
    std::vector<std::string> flags_;
    Capture input_;
};

// The committed input and flags are what the generator makes today.
TEST_P(Replay, InputMatchesGenerator) {
    const Scenario* scenario = scenario_;
    EXPECT_EQ(flags_, scenario->flags) << "flags file is stale: run scripts/gen-captures";
    TempDir dir;
    std::string error;
    ASSERT_TRUE(write_capture(dir.path() + "/in.pcap", scenario->input, error)) << error;
    EXPECT_EQ(read_file(dir.path() + "/in.pcap"), read_file(input_path()))
        << "in.pcap is stale: run scripts/gen-captures";
}

TEST_P(Replay, OutputsMatchGoldenFiles) {
    const ReplayFiles files = replay();
    const std::string dir = scenario_dir(name_);
    auto golden_b4 = read_file(dir + "/b4.pcap");
    auto golden_uplink = read_file(dir + "/uplink.pcap");
    auto golden_counters = read_file(dir + "/counters.json");
    ASSERT_TRUE(golden_b4 && golden_uplink && golden_counters) << "golden files missing in " << dir;
    EXPECT_TRUE(files.b4_pcap == *golden_b4) << "b4.pcap differs from " << dir << "/b4.pcap";
    EXPECT_TRUE(files.uplink_pcap == *golden_uplink) << "uplink.pcap differs from " << dir << "/uplink.pcap";
    std::string error;
    auto now = parse_counters_json(std::string(files.counters_json.begin(), files.counters_json.end()), error);
    auto then = parse_counters_json(std::string(golden_counters->begin(), golden_counters->end()), error);
    ASSERT_TRUE(now && then) << error;
    std::string differences;
    for (const auto& [name, value] : *now)
        if (!then->contains(name) || then->at(name) != value)
            differences += " " + name + "=" + std::to_string(value) +
                           (then->contains(name) ? " (golden " + std::to_string(then->at(name)) + ")" : " (new)");
    for (const auto& [name, value] : *then)
        if (!now->contains(name)) differences += " " + name + " (gone)";
    EXPECT_TRUE(differences.empty()) << "counters.json differs from the golden one:" << differences;
}

TEST_P(Replay, Deterministic) {
    const ReplayFiles first = replay();
    const ReplayFiles second = replay();
    EXPECT_TRUE(first.b4_pcap == second.b4_pcap);
    EXPECT_TRUE(first.uplink_pcap == second.uplink_pcap);
    EXPECT_TRUE(first.counters_json == second.counters_json);
    EXPECT_EQ(first.stdout_text, second.stdout_text);
}

TEST_P(Replay, Counters) {
    const ReplayFiles files = replay();
    auto result = decoded(files);
    ASSERT_TRUE(result);
    const auto& counters = result->counters;

    // Every engine counter is in the JSON, and nothing else.
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const std::string name(counter_name(static_cast<Counter>(i)));
        EXPECT_TRUE(counters.contains(name)) << name << " missing from --counters-json";
    }
    EXPECT_EQ(counters.size(), kCounterCount);

    std::map<std::string, std::uint64_t> expected;
    for (const auto& [counter, value] : scenario_->counters) {
        const std::string name(counter_name(counter));
        ASSERT_FALSE(expected.contains(name)) << "table names " << name << " twice";
        expected[name] = value;
    }
    for (const auto& [name, value] : counters)
        EXPECT_EQ(value, expected.contains(name) ? expected[name] : 0) << name << "\n" << result->dump();

    // Every packet handed in ends in exactly one out_*, drop_* or held_* counter.
    std::uint64_t in = 0, ended = 0, out = 0, sent = 0;
    for (const auto& [name, value] : counters) {
        if (name.starts_with("in_")) in += value;
        if (name.starts_with("out_") || name.starts_with("drop_") || name.starts_with("held_")) ended += value;
        // An ICMPv6 error from the path ends used up, not forwarded: what it
        // makes the AFTR send (a relayed ICMPv4 error) is counted under sent_*.
        if (name.starts_with("out_") && name != "out_icmpv6_errors") out += value;
        if (name.starts_with("sent_")) sent += value;
    }
    EXPECT_EQ(in, ended) << "in_* != out_* + drop_* + held_*";
    EXPECT_EQ(result->b4.size() + result->uplink.size(), out + sent) << "packets written != out_* + sent_*\n"
                                                                     << result->dump();

    // The replay hands IPv6 to from_b4 and IPv4 to from_uplink.
    std::uint64_t v6 = 0, v4 = 0;
    for (const auto& r : input_.records) {
        auto ip = ip_of(input_, r);
        if (!ip.empty() && ip[0] >> 4 == 6) ++v6;
        if (!ip.empty() && ip[0] >> 4 == 4) ++v4;
    }
    EXPECT_EQ(result->counter("in_b4_packets"), v6);
    EXPECT_EQ(result->counter("in_uplink_packets"), v4);

    // It prints the non-zero counters.
    for (const auto& [name, value] : counters) {
        if (value == 0) continue;
        EXPECT_NE(files.stdout_text.find(name), std::string::npos) << name << " not printed";
    }
}

// What every scenario's output must satisfy, then the scenario's own checks.
TEST_P(Replay, Behaviour) {
    auto result = decoded(replay());
    ASSERT_TRUE(result);
    const Result& r = *result;

    // Translated packets leave from the pools; a --no-nat prefix's own, untranslated.
    std::vector<Ipv4Prefix> pools;
    for (std::size_t i = 0; i + 1 < flags_.size(); ++i) {
        if (flags_[i] == "--pool") pools.push_back(*parse_ipv4_prefix(flags_[i + 1]));
        if (flags_[i] == "--no-nat") pools.push_back(*parse_ipv4_prefix(split_words(flags_[i + 1]).at(1)));
    }
    std::set<std::string> b4s;
    for (const auto& rec : input_.records) {
        auto ip = ip_of(input_, rec);
        if (ip.size() >= 40 && ip[0] >> 4 == 6) b4s.insert(to_string(decode(ip).ipv6->source));
    }
    const auto aftr_net = *parse_ipv4_prefix("192.0.0.0/29");

    for (const auto& p : r.b4) {
        EXPECT_TRUE(p.d.problems.empty()) << p.text();
        ASSERT_TRUE(p.d.ipv6) << "towards a B4 only IPv6: " << p.text();
        EXPECT_EQ(to_string(p.d.ipv6->source), to_string(net::aftr)) << p.text();
        EXPECT_TRUE(b4s.contains(to_string(p.d.ipv6->destination))) << "not a B4 that sent anything: " << p.text();
        EXPECT_EQ(p.d.ipv6->hop_limit, 64) << p.text();
        EXPECT_EQ(p.d.ipv6->flow_label, 0u) << p.text();
        if (p.d.ipv6->inner) {
            EXPECT_EQ(p.d.ipv6->traffic_class, p.d.ipv6->inner->tos) << p.text();
        }
    }
    for (const auto& p : r.uplink) {
        EXPECT_TRUE(p.d.problems.empty()) << p.text();
        ASSERT_TRUE(p.d.ipv4) << "towards the uplink only IPv4: " << p.text();
        bool in_pool = false;
        for (const auto& pool : pools) in_pool |= pool.contains(p.d.ipv4->source);
        EXPECT_TRUE(in_pool) << "uplink source outside the pools: " << p.text();
        EXPECT_FALSE(aftr_net.contains(p.d.ipv4->source)) << p.text();
    }

    // A forwarded packet keeps its payload and loses exactly one TTL [row 28].
    // Only packets whose payload came in once can be matched to their input;
    // a scenario with forwarded payloads must have some of those.
    std::size_t forwarded = 0, checked = 0;
    for (const auto* side : {&r.b4, &r.uplink}) {
        for (const auto& p : *side) {
            const Ipv4Info* ip = p.ip4();
            if (!ip || ip->source == net::aftr_v4 || p.payload_text().empty()) continue;
            ++forwarded;
            std::vector<Ipv4Info> sources;
            for (const auto& rec : input_.records) {
                Decoded in = decode(ip_of(input_, rec));
                const Ipv4Info* iip = in.ip4();
                if (iip && iip->protocol == ip->protocol && iip->l4.payload == ip->l4.payload) sources.push_back(*iip);
            }
            if (sources.size() != 1) continue;
            ++checked;
            EXPECT_EQ(ip->ttl + 1, sources[0].ttl) << p.text();
            EXPECT_EQ(ip->total_length, sources[0].total_length) << p.text();
        }
    }
    // Scenarios whose every forwarded payload is new or repeated: the
    // fragments of reassembled datagrams are cut anew; in the ICMP one both
    // B4s send the same flow packets, and the errors carry quotes that the
    // translation rewrites. They must stay untraceable, or the exemption is stale.
    static const std::set<std::string> kUntraceable = {"fragments_inner", "icmp_errors_bindings"};
    if (kUntraceable.contains(name_)) {
        EXPECT_EQ(checked, 0u) << "now traceable: drop it from kUntraceable";
    } else {
        EXPECT_TRUE(forwarded == 0 || checked > 0)
            << forwarded
            << " forwarded packets with a payload, none traceable to one input: the TTL check checked nothing";
    }

    // Outputs happen at input times, in order.
    ASSERT_FALSE(input_.records.empty());
    for (const auto* side : {&r.b4, &r.uplink}) {
        std::int64_t last = input_.records.front().micros;
        for (const auto& p : *side) {
            EXPECT_GE(p.micros, last) << p.text();
            EXPECT_LE(p.micros, input_.records.back().micros) << p.text();
            last = p.micros;
        }
    }

    scenario_->check(r);
}

std::vector<std::string> scenario_names() {
    std::vector<std::string> names;
    for (const auto& s : scenarios()) names.push_back(s.name);
    return names;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Replay, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The scenario files and captures/ name the same scenarios, each once, each
// with a check and counters to hold it to.
TEST(ReplayTable, CoversEveryScenarioAndCapture) {
    std::set<std::string> generated, on_disk;
    for (const auto& s : scenarios()) {
        EXPECT_TRUE(generated.insert(s.name).second) << "twice: " << s.name;
        EXPECT_TRUE(s.check) << s.name << " has no behaviour check";
        EXPECT_FALSE(s.counters.empty()) << s.name << " expects no counters";
    }
    for (const auto& entry : fs::directory_iterator(kCaptures))
        if (entry.is_directory()) on_disk.insert(entry.path().filename().string());
    EXPECT_EQ(generated, on_disk);
}

// Ethernet framing (and the padding of short frames) changes nothing.
TEST(ReplayTable, EthernetInputGivesTheRawOutputs) {
    std::string error;
    auto raw = run_replay(kAftrBinary, scenario_dir("two_b4_same_tuple") + "/in.pcap",
                          split_words(read_text_file(scenario_dir("two_b4_same_tuple") + "/flags")), error);
    ASSERT_TRUE(raw) << error;
    auto eth = run_replay(kAftrBinary, scenario_dir("ethernet") + "/in.pcap",
                          split_words(read_text_file(scenario_dir("ethernet") + "/flags")), error);
    ASSERT_TRUE(eth) << error;
    EXPECT_TRUE(raw->b4_pcap == eth->b4_pcap);
    EXPECT_TRUE(raw->uplink_pcap == eth->uplink_pcap);
    EXPECT_TRUE(raw->counters_json == eth->counters_json);
}

}  // namespace
}  // namespace dslite::test
