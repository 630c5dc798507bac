// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/posix/unique_fd.hpp"

extern char** environ;

namespace dslite::platform {
namespace {

// What the command printed, up to the first line break, without control characters: it goes into a one-line error.
std::string first_line(const std::string& output) {
    std::string line;
    for (char c : output) {
        if (c == '\n' || c == '\r') {
            if (line.empty()) continue;
            break;
        }
        line += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return line;
}

}  // namespace

std::string to_string(const Command& command) {
    std::string text;
    for (const auto& word : command.argv) text += (text.empty() ? "" : " ") + word;
    return text;
}

std::optional<std::string> run(const Command& command) {
    const std::string what = to_string(command);
    if (command.argv.empty()) return std::string("empty command");
    const auto failed = [&](const char* step, int error) { return what + ": " + step + ": " + std::strerror(error); };

    // The child's stdout and stderr, so its complaint can end up in our one line.
    int ends[2];
    if (::pipe(ends) < 0) return failed("pipe", errno);
    UniqueFd from_child(ends[0]);
    UniqueFd to_parent(ends[1]);
    ::fcntl(from_child.get(), F_SETFD, FD_CLOEXEC);
    ::fcntl(to_parent.get(), F_SETFD, FD_CLOEXEC);  // dup2 below clears it on the child's 1 and 2

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_parent.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, to_parent.get(), 2);
    std::vector<char*> argv;
    for (const auto& word : command.argv) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    pid_t child = 0;
    const int spawned = ::posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    to_parent.reset();  // our copy: the pipe ends when the child exits
    if (spawned != 0) return failed("cannot run it", spawned);

    std::string output;
    char buffer[512];
    for (;;) {
        const ssize_t n = ::read(from_child.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (output.size() < 4096) output.append(buffer, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) return failed("waitpid", errno);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
    std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    const std::string said = first_line(output);
    return what + ": " + why + (said.empty() ? "" : ": " + said);
}

std::optional<std::string> run_all(const std::vector<Command>& commands) {
    for (const auto& command : commands) {
        if (auto error = run(command)) return error;
    }
    return std::nullopt;
}

}  // namespace dslite::platform
