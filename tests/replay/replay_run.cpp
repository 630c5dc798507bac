// SPDX-License-Identifier: BSD-2-Clause
#include "replay_run.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "support/pcap_file.hpp"
#include "support/temp_dir.hpp"

namespace dslite::test {

namespace {

std::string read_text(const std::string& path) {
    auto bytes = read_file(path);
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

}  // namespace

std::optional<ReplayFiles> run_replay(const std::string& binary, const std::string& input,
                                      const std::vector<std::string>& flags, std::string& error) {
    TempDir dir;
    if (dir.path().empty()) {
        error = std::string("mkdtemp: ") + std::strerror(errno);
        return std::nullopt;
    }
    const std::string b4 = dir.path() + "/b4.pcap", uplink = dir.path() + "/uplink.pcap",
                      counters = dir.path() + "/counters.json", out = dir.path() + "/stdout",
                      err = dir.path() + "/stderr";
    std::vector<std::string> args = {binary, "--replay",        input,   "--out-b4", b4, "--out-uplink",
                                     uplink, "--counters-json", counters};
    args.insert(args.end(), flags.begin(), flags.end());

    const pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return std::nullopt;
    }
    if (pid == 0) {
        int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(126);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            error = std::string("waitpid: ") + std::strerror(errno);
            return std::nullopt;
        }
    }
    ReplayFiles files;
    files.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    files.stdout_text = read_text(out);
    files.stderr_text = read_text(err);
    std::string command;
    for (const auto& a : args) command += a + " ";
    auto load = [&](const std::string& path, Bytes& into) {
        auto bytes = read_file(path);
        if (!bytes) {
            error += path + " was not written. ";
            return false;
        }
        into = std::move(*bytes);
        return true;
    };
    bool ok = load(b4, files.b4_pcap);
    ok = load(uplink, files.uplink_pcap) && ok;
    ok = load(counters, files.counters_json) && ok;
    if (!ok) {
        error += "exit status " + std::to_string(files.exit_status) + ", command: " + command +
                 "stderr: " + files.stderr_text;
        return std::nullopt;
    }
    return files;
}

}  // namespace dslite::test
