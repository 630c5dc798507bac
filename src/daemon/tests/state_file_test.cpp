// SPDX-License-Identifier: BSD-2-Clause
// --state-file's envelope and its file: written through PATH.tmp and a
// rename, read back whole, and restored into the engines all or none.
#include "state_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "lab_packets.hpp"
#include "support/temp_dir.hpp"

namespace dslite::daemon {
namespace {

struct Discard final : Emitter {
    void emit(Side, std::span<const std::uint8_t>) override {}
};

// An engine of the lab with one UDP binding made at `second`.
std::unique_ptr<Engine> engine_with_binding(std::int64_t second) {
    auto engine = std::make_unique<Engine>(lab::lab_config());
    auto buffer = std::make_unique<PacketBuffer>();
    Packet p = buffer->holding(lab::softwire_udp(test::net::b4_a, 5000, "hello"));
    Discard discard;
    EXPECT_EQ(engine->from_b4(p, std::chrono::seconds(second), discard), Verdict::to_uplink);
    return engine;
}

SavedEngines saved_of(const Engine& engine, std::uint64_t saved_at) {
    return {saved_at, 42, {engine.save_state(std::chrono::seconds(10))}};
}

std::vector<std::uint8_t> contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(StateFile, EncodesAndDecodesEveryEngineSection) {
    const SavedEngines saved{1'700'000'000, 0x1234'5678'9abc'def0, {{1, 2, 3}, {}, {4}}};
    const auto bytes = encode_state_file(saved);
    auto decoded = decode_state_file(bytes);
    ASSERT_TRUE(std::holds_alternative<SavedEngines>(decoded)) << std::get<std::string>(decoded);
    const auto& d = std::get<SavedEngines>(decoded);
    EXPECT_EQ(d.saved_at, saved.saved_at);
    EXPECT_EQ(d.seed, saved.seed);
    EXPECT_EQ(d.engines, saved.engines);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        auto cut = decode_state_file(std::span(bytes).first(n));
        ASSERT_TRUE(std::holds_alternative<std::string>(cut)) << n;
        EXPECT_NE(std::get<std::string>(cut).find("truncated"), std::string::npos) << n;
        auto flipped = bytes;
        flipped[n] ^= 1;
        EXPECT_TRUE(std::holds_alternative<std::string>(decode_state_file(flipped))) << n;
    }
}

TEST(StateFile, IsWrittenThroughATemporaryFileAndARename) {
    test::TempDir dir;
    const std::string path = dir.path() + "/state";
    const auto engine = engine_with_binding(0);
    ASSERT_FALSE(write_state_file(path, {1, 2, {{9, 9, 9}}}));
    ASSERT_FALSE(write_state_file(path, saved_of(*engine, 100)));
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(contents(path), encode_state_file(saved_of(*engine, 100))) << "the second replaced the first";
    const StateFileRead read = read_state_file(path);
    ASSERT_TRUE(read.saved) << read.problem;
    EXPECT_EQ(read.saved->saved_at, 100u);
    // A directory that is not there: the reason, and no file.
    EXPECT_TRUE(write_state_file(dir.path() + "/no/such/dir/state", saved_of(*engine, 100)));
}

TEST(StateFile, ARestartRestoresTheBindingsLessTheTimeDown) {
    test::TempDir dir;
    const std::string path = dir.path() + "/state";
    const auto before = engine_with_binding(0);
    ASSERT_FALSE(write_state_file(path, saved_of(*before, 1000)));
    Engine after(lab::lab_config());
    Engine* engines[] = {&after};
    const RestoreReport r =
        restore_engines(path, read_state_file(path), engines, std::chrono::seconds(500), 1000 + 40, std::nullopt);
    EXPECT_TRUE(r.used);
    EXPECT_FALSE(r.warning);
    EXPECT_EQ(r.line, "state file " + path +
                          ": restored 1 binding, 1 subscriber, 0 port holds, 0 port blocks after 40 s down; dropped 0 "
                          "expired, 0 the configuration forbids, 0 conflicting with a static mapping, 0 for a full "
                          "table");
    ASSERT_EQ(after.binding_count(), 1u);
    after.for_each_binding([](const BindingInfo& b) { EXPECT_EQ(b.idle_seconds, 10u + 40u); });
}

TEST(StateFile, AFileThatCannotBeUsedIsOneWarningAndAnEmptyStart) {
    test::TempDir dir;
    const std::string path = dir.path() + "/state";
    const auto before = engine_with_binding(0);
    Engine one(lab::lab_config()), two(lab::lab_config());
    Engine* engines[] = {&one};
    Engine* both[] = {&one, &two};
    const auto restore = [&](std::span<Engine* const> e, std::optional<std::uint64_t> seed = std::nullopt) {
        return restore_engines(path, read_state_file(path), e, std::chrono::seconds(500), 2000, seed);
    };

    const RestoreReport missing = restore(engines);
    EXPECT_FALSE(missing.used);
    EXPECT_FALSE(missing.warning) << "a first start";
    EXPECT_EQ(missing.line, "state file " + path + ": none yet, starting empty");

    ASSERT_FALSE(write_state_file(path, saved_of(*before, 1000)));
    auto bytes = contents(path);
    bytes[bytes.size() / 2] ^= 0x40;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    const RestoreReport corrupt = restore(engines);
    EXPECT_FALSE(corrupt.used);
    EXPECT_TRUE(corrupt.warning);
    EXPECT_EQ(corrupt.line, "state file " + path + " not used (corrupt (checksum mismatch)): starting empty");

    ASSERT_FALSE(write_state_file(path, saved_of(*before, 1000)));
    EXPECT_EQ(restore(both).line,
              "state file " + path + " not used (written by 1 thread, now --threads 2): starting empty");
    EXPECT_EQ(restore(engines, 7).line,
              "state file " + path +
                  " not used (written with another --seed, which places subscribers on other threads): starting "
                  "empty");
    // Another pool: the engine's own section says so.
    EngineConfig other = lab::lab_config();
    other.pools = {*parse_ipv4_prefix("198.51.100.16/28")};
    Engine elsewhere(other);
    Engine* moved[] = {&elsewhere};
    const RestoreReport r = restore(moved);
    EXPECT_TRUE(r.warning);
    EXPECT_NE(r.line.find("another configuration"), std::string::npos) << r.line;
    EXPECT_EQ(one.binding_count() + two.binding_count() + elsewhere.binding_count(), 0u);
}

}  // namespace
}  // namespace dslite::daemon
