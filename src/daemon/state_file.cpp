// SPDX-License-Identifier: BSD-2-Clause
#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dslite/state.hpp"
#include "platform/posix/unique_fd.hpp"

namespace dslite::daemon {

namespace {

using platform::UniqueFd;

constexpr std::array<std::uint8_t, 8> kMagic{'D', 'S', 'L', 'I', 'T', 'E', 'S', 'F'};
constexpr std::uint16_t kVersion = 1;
constexpr std::size_t kHeaderSize = 8 + 2 + 2 + 8 + 8 + 4;

void put(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
    for (int n = bytes - 1; n >= 0; --n) out.push_back(static_cast<std::uint8_t>(v >> (8 * n)));
}

std::uint64_t get(std::span<const std::uint8_t> in, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int n = 0; n < bytes; ++n) v = v << 8 | in[at + n];
    return v;
}

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string counted(std::uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::vector<std::uint8_t> encode_state_file(const SavedEngines& saved) {
    std::vector<std::uint8_t> out(kMagic.begin(), kMagic.end());
    put(out, kVersion, 2);
    put(out, 0, 2);
    put(out, saved.saved_at, 8);
    put(out, saved.seed, 8);
    put(out, saved.engines.size(), 4);
    for (const auto& engine : saved.engines) {
        put(out, engine.size(), 4);
        out.insert(out.end(), engine.begin(), engine.end());
    }
    put(out, crc32(out), 4);
    return out;
}

std::variant<SavedEngines, std::string> decode_state_file(std::span<const std::uint8_t> in) {
    if (in.size() < kHeaderSize + 4) return "truncated (" + std::to_string(in.size()) + " bytes)";
    if (!std::equal(kMagic.begin(), kMagic.end(), in.begin())) return std::string("not a dslite state file");
    const auto version = get(in, 8, 2);
    if (version != kVersion)
        return "version " + std::to_string(version) + " (this dslite reads version " + std::to_string(kVersion) + ")";
    SavedEngines saved;
    saved.saved_at = get(in, 12, 8);
    saved.seed = get(in, 20, 8);
    const auto engines = get(in, 28, 4);
    std::size_t at = kHeaderSize;
    // Each section's length is checked against what is left before it is used.
    for (std::uint64_t n = 0; n < engines; ++n) {
        if (in.size() - at < 4 + 4) return "truncated (" + std::to_string(in.size()) + " bytes)";
        const auto length = get(in, at, 4);
        at += 4;
        if (in.size() - at < length + 4) return "truncated (" + std::to_string(in.size()) + " bytes)";
        saved.engines.emplace_back(in.begin() + static_cast<std::ptrdiff_t>(at),
                                   in.begin() + static_cast<std::ptrdiff_t>(at + length));
        at += length;
    }
    if (in.size() - at != 4) return std::string("corrupt (bytes after the last section)");
    if (crc32(in.first(at)) != get(in, at, 4)) return std::string("corrupt (checksum mismatch)");
    return saved;
}

StateFileRead read_state_file(const std::string& path) {
    StateFileRead out;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        out.missing = errno == ENOENT;
        out.problem = out.missing ? "no such file" : system_error("cannot open it");
        return out;
    }
    std::vector<std::uint8_t> bytes;
    std::array<std::uint8_t, 65536> chunk;
    for (;;) {
        const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            out.problem = system_error("cannot read it");
            return out;
        }
        if (n == 0) break;
        bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    }
    auto decoded = decode_state_file(bytes);
    if (auto* why = std::get_if<std::string>(&decoded))
        out.problem = *why;
    else
        out.saved = std::move(std::get<SavedEngines>(decoded));
    return out;
}

std::optional<std::string> write_state_file(const std::string& path, const SavedEngines& saved) {
    const std::string tmp = path + ".tmp";
    const std::vector<std::uint8_t> bytes = encode_state_file(saved);
    {
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!fd) return system_error("cannot create " + tmp);
        if (!platform::write_all(fd.get(), bytes) || ::fsync(fd.get()) != 0) {
            const std::string why = system_error("cannot write " + tmp);
            ::unlink(tmp.c_str());
            return why;
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = system_error("cannot rename " + tmp + " to " + path);
        ::unlink(tmp.c_str());
        return why;
    }
    // The rename itself survives a crash once the directory is on disk.
    const std::string dir = std::filesystem::path(path).parent_path().string();
    UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) ::fsync(d.get());
    return std::nullopt;
}

RestoreReport restore_engines(const std::string& path, const StateFileRead& read, std::span<Engine* const> engines,
                              Time now, std::uint64_t now_unix, std::optional<std::uint64_t> seed_given) {
    const auto refused = [&](const std::string& why) {
        return RestoreReport{false, true, "state file " + path + " not used (" + why + "): starting empty"};
    };
    if (read.missing) return {false, false, "state file " + path + ": none yet, starting empty"};
    if (!read.saved) return refused(read.problem);
    const SavedEngines& saved = *read.saved;
    if (saved.engines.size() != engines.size())
        return refused("written by " + counted(saved.engines.size(), "thread", "threads") + ", now --threads " +
                       std::to_string(engines.size()));
    if (seed_given && *seed_given != saved.seed)
        return refused("written with another --seed, which places subscribers on other threads");
    for (std::size_t i = 0; i < engines.size(); ++i)
        if (auto why = engines[i]->check_state(saved.engines[i]))
            return refused(engines.size() == 1 ? *why : "thread " + std::to_string(i) + ": " + *why);
    // A clock set back since the save: no time down rather than a negative one.
    const std::uint64_t down = now_unix > saved.saved_at ? now_unix - saved.saved_at : 0;
    RestoreResult total;
    for (std::size_t i = 0; i < engines.size(); ++i) {
        const RestoreResult r = engines[i]->restore_state(saved.engines[i], now, down);
        total.bindings += r.bindings;
        total.subscribers += r.subscribers;
        total.holds += r.holds;
        total.blocks += r.blocks;
        total.expired += r.expired;
        total.forbidden += r.forbidden;
        total.conflicting += r.conflicting;
        total.table_full += r.table_full;
        total.blocks_dropped += r.blocks_dropped;
    }
    return {true, false,
            "state file " + path + ": restored " + counted(total.bindings, "binding", "bindings") + ", " +
                counted(total.subscribers, "subscriber", "subscribers") + ", " +
                counted(total.holds, "port hold", "port holds") + ", " +
                counted(total.blocks, "port block", "port blocks") + " after " + std::to_string(down) +
                " s down; dropped " + std::to_string(total.expired) + " expired, " + std::to_string(total.forbidden) +
                " the configuration forbids, " + std::to_string(total.conflicting) +
                " conflicting with a static mapping, " + std::to_string(total.table_full) + " for a full table" +
                (total.blocks_dropped ? ", " + counted(total.blocks_dropped, "port block", "port blocks") : "")};
}

}  // namespace dslite::daemon
