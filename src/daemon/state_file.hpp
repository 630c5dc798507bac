// SPDX-License-Identifier: BSD-2-Clause
// --state-file PATH: the engines' saved state (Engine::save_state) written
// at SIGTERM and read at start, so bindings keep their public address and
// port across a restart. The file is this daemon's envelope around the
// engines' own sections:
//
//   magic "DSLITESF", u16 version, u16 0, u64 wall-clock second of the save
//   (Unix time: the downtime is counted from it), u64 the configuration's
//   seed (Shares hashes subscribers to engines with it), u32 engines, then
//   per engine u32 length and its bytes, then u32 CRC-32 of all before.
//
// All numbers big-endian. Written to PATH.tmp, fsynced and renamed over
// PATH: a crash leaves the old file or the new one, never half of one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "dslite/engine.hpp"

namespace dslite::daemon {

struct SavedEngines {
    std::uint64_t saved_at = 0;  // Unix seconds
    std::uint64_t seed = 0;
    std::vector<std::vector<std::uint8_t>> engines;  // Engine::save_state of each, in thread order
};

std::vector<std::uint8_t> encode_state_file(const SavedEngines& saved);
// The envelope checked (length, checksum, version); the engines' sections
// are for Engine::check_state. A reason when it is not a usable file.
std::variant<SavedEngines, std::string> decode_state_file(std::span<const std::uint8_t> bytes);

// What reading PATH gave: the saved state, or why there is none (`missing`:
// no file, as at a first start).
struct StateFileRead {
    std::optional<SavedEngines> saved;
    std::string problem;
    bool missing = false;
};
StateFileRead read_state_file(const std::string& path);
// PATH.tmp, fsync, rename, fsync of the directory; why not, when it failed.
std::optional<std::string> write_state_file(const std::string& path, const SavedEngines& saved);

// Restores each engine from its section, all or none: the line to log, a
// warning when a file was there and not used (the engines start empty).
struct RestoreReport {
    bool used = false;
    bool warning = false;
    std::string line;
};
RestoreReport restore_engines(const std::string& path, const StateFileRead& read, std::span<Engine* const> engines,
                              Time now, std::uint64_t now_unix, std::optional<std::uint64_t> seed_given);

}  // namespace dslite::daemon
