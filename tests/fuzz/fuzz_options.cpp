// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the option parser: parse_options() on an argv and a
// config file, then engine_config() and log_level().
//
// Input: argv elements separated by one NUL byte; after the first two NUL
// bytes in a row, the text of a config file, which is passed as
// `--config FILE`. Whatever the bytes, the parser must return (no exception, no
// crash), an error must be one non-empty line, and a configuration it
// accepts must pass validate() and make an Engine.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "dslite/engine.hpp"
#include "aftr_options.hpp"

namespace {

namespace po = boost::program_options;

void require(bool ok, const char* what, const std::string& detail = {}) {
    if (ok) return;
    std::fprintf(stderr, "dslite-fuzz-options: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
    __builtin_trap();
}

bool one_line(const std::string& line) { return !line.empty() && line.find('\n') == std::string::npos; }

// Paths the parser may open: a generated "--config /dev/zero" would never
// end, so arguments that look like paths are left out. Prefixes
// ("192.0.2.0/24") keep their single slash followed by digits.
bool harmless(std::string_view arg) {
    const auto slash = arg.find('/');
    if (slash == std::string_view::npos) return true;
    if (arg.find('/', slash + 1) != std::string_view::npos) return false;
    const std::string_view rest = arg.substr(slash + 1);
    return rest.find_first_not_of("0123456789") == std::string_view::npos && slash > 0;
}

// The config file lives in a private directory, removed at exit, in memory
// where there is a tmpfs: truncating a file on disk for every input cost a
// third of the time.
const std::string& config_path() {
    static const std::string path = [] {
        std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
        dir += "/dslite-fuzz-options-XXXXXX";
        if (!mkdtemp(dir.data())) {
            std::perror("dslite-fuzz-options: mkdtemp");
            std::abort();
        }
        static std::string directory = dir;
        std::atexit([] { std::filesystem::remove_all(directory); });
        return directory + "/c";
    }();
    return path;
}

// The description is the same for every input: build it once (making it was
// a fifth of each input's time).
const po::options_description& described() {
    static const po::options_description options = [] {
        po::options_description all;
        all.add(dslite::app::common_options()).add(dslite::app::engine_options());
        return all;
    }();
    return options;
}

// A configuration the engine can be built from quickly: small tables, few
// pool addresses (the engine pre-sizes everything at construction).
bool cheap_to_build(const dslite::EngineConfig& c) {
    std::uint64_t addresses = 0;
    for (const auto& pool : c.pools) addresses += pool.size();
    return addresses <= 256 && c.max_bindings <= 4096 && c.max_subscribers <= 4096 && c.reassembly.slots <= 64;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto split = input.find(std::string_view("\0\0", 2));
    const std::string_view args = input.substr(0, split);

    std::vector<std::string> owned = {"dslite-fuzz-options"};
    std::size_t start = 0;
    while (start <= args.size() && !args.empty()) {
        const auto end = std::min(args.find('\0', start), args.size());
        const std::string_view arg = args.substr(start, end - start);
        if (harmless(arg)) owned.emplace_back(arg);
        start = end + 1;
    }
    if (split != std::string_view::npos) {
        std::ofstream(config_path(), std::ios::binary | std::ios::trunc) << input.substr(split + 2);
        owned.emplace_back("--config");
        owned.emplace_back(config_path());
    }
    std::vector<const char*> argv;
    for (const std::string& s : owned) argv.push_back(s.c_str());
    argv.push_back(nullptr);

    po::variables_map values;
    if (auto error = dslite::app::parse_options(static_cast<int>(owned.size()), argv.data(), described(), values)) {
        require(one_line(error->line), "parse_options error is not one line", error->line);
        return 0;
    }
    auto level = dslite::app::log_level(values);
    if (!level) require(one_line(level.error()), "log_level error is not one line", level.error());
    auto config = dslite::app::engine_config(values);
    if (!config) {
        require(one_line(config.error()), "engine_config error is not one line", config.error());
        return 0;
    }
    const auto problem = dslite::validate(*config);
    require(!problem, "engine_config accepted what validate() refuses", problem.value_or(""));
    if (cheap_to_build(*config)) {
        dslite::Engine engine(*config);
        require(engine.binding_count() == 0, "a new engine has bindings");
    }
    return 0;
}
