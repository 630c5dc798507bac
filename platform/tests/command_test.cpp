// SPDX-License-Identifier: BSD-2-Clause
// Running the system's tools for interface setup: an argv, its exit status,
// and one line naming the command when it fails.
#include "platform/posix/command.hpp"

#include <gtest/gtest.h>

namespace dslite::platform {
namespace {

TEST(Command, SucceedsQuietly) { EXPECT_EQ(run({{"/bin/sh", "-c", "echo all fine; exit 0"}}), std::nullopt); }

TEST(Command, FailureIsOneLineNamingTheCommand) {
    const std::string script = "echo 'route: writing to routing socket: File exists' >&2; echo more >&2; exit 3";
    const auto error = run({{"/bin/sh", "-c", script}});
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "/bin/sh -c " + script + ": exit status 3: route: writing to routing socket: File exists");
    EXPECT_EQ(error->find('\n'), std::string::npos);
}

TEST(Command, ArgumentsAreNotShellSyntax) {
    // With a shell between, ';' would end the command and 'false' would run.
    EXPECT_EQ(run({{"/bin/echo", "a;", "false"}}), std::nullopt);
    EXPECT_TRUE(run({{"/bin/sh", "-c", "test \"$0\" = 'x y'", "x y"}}) == std::nullopt);
}

TEST(Command, MissingProgramAndSignals) {
    const auto missing = run({{"/nonexistent/ifconfig", "utun3", "up"}});
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->rfind("/nonexistent/ifconfig utun3 up: ", 0), 0u) << *missing;
    const auto killed = run({{"/bin/sh", "-c", "kill -TERM $$"}});
    ASSERT_TRUE(killed);
    EXPECT_NE(killed->find("killed by signal 15"), std::string::npos) << *killed;
}

TEST(Command, RunAllStopsAtTheFirstFailure) {
    const std::vector<Command> commands = {{{"/bin/true"}}, {{"/bin/false"}}, {{"/bin/sh", "-c", "exit 9"}}};
    EXPECT_EQ(run_all(commands), "/bin/false: exit status 1");
    EXPECT_EQ(run_all({{{"/bin/true"}}, {{"/bin/true"}}}), std::nullopt);
}

}  // namespace
}  // namespace dslite::platform
