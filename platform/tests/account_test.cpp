// SPDX-License-Identifier: BSD-2-Clause
// --user's account lookup and the check that it could remove the control
// socket at exit, decided from ids and modes as the kernel would.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "platform/privileges.hpp"

namespace dslite::platform {
namespace {

namespace fs = std::filesystem;

std::string refusal(const std::variant<Account, std::string>& found) {
    const auto* e = std::get_if<std::string>(&found);
    return e ? *e : "found";
}

TEST(Account, UnknownAndRootAreRefused) {
    EXPECT_EQ(refusal(find_account("dslite-no-such-user")), "no user 'dslite-no-such-user'");
    EXPECT_EQ(refusal(find_account("root")), "'root' is root: name the user to run as instead");
    EXPECT_EQ(refusal(find_account("")), "needs a user name");
}

TEST(Account, NobodyHasItsIdsAndItsOwnGroup) {
    const auto found = find_account("nobody");
    ASSERT_TRUE(std::holds_alternative<Account>(found)) << refusal(found);
    const Account& nobody = std::get<Account>(found);
    EXPECT_EQ(nobody.name, "nobody");
    EXPECT_NE(nobody.uid, 0u);
    EXPECT_NE(nobody.gid, 0u);
    EXPECT_NE(std::find(nobody.groups.begin(), nobody.groups.end(), nobody.gid), nobody.groups.end());
    EXPECT_EQ(std::find(nobody.groups.begin(), nobody.groups.end(), 0u), nobody.groups.end());
}

class Directory : public ::testing::Test {
protected:
    void SetUp() override {
        char name[] = "/tmp/dslite-account-XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        top = name;
    }
    void TearDown() override { fs::remove_all(top); }
    void mode(const fs::path& p, mode_t m) { ASSERT_EQ(::chmod(p.c_str(), m), 0); }

    fs::path top;
    const Account self{"self",
                       static_cast<std::uint32_t>(::getuid()),
                       static_cast<std::uint32_t>(::getgid()),
                       {static_cast<std::uint32_t>(::getgid())}};
    // Neither the owner nor in the directory's group.
    const Account other{"other", static_cast<std::uint32_t>(::getuid()) + 4242, 4242, {4242}};
};

TEST_F(Directory, TheOwnersBitsForTheOwnerTheOthersForOthers) {
    mode(top, 0700);
    EXPECT_EQ(cannot_write(self, top), std::nullopt);
    EXPECT_EQ(cannot_write(other, top),
              top.string() + " (uid " + std::to_string(::getuid()) + ", mode 0700) is not writable by other");
    mode(top, 0733);
    EXPECT_EQ(cannot_write(other, top), std::nullopt);
    mode(top, 0775);  // read and search, no write
    EXPECT_NE(cannot_write(other, top), std::nullopt);
}

TEST_F(Directory, TheGroupsBitsForAMember) {
    mode(top, 0770);
    Account member = other;
    member.groups.push_back(static_cast<std::uint32_t>(::getgid()));
    EXPECT_EQ(cannot_write(member, top), std::nullopt);
    EXPECT_NE(cannot_write(other, top), std::nullopt);
}

TEST_F(Directory, EveryDirectoryAboveMustLetItThrough) {
    const fs::path run = top / "run";
    fs::create_directory(run);
    mode(run, 0777);
    mode(top, 0700);
    EXPECT_EQ(cannot_write(other, run),
              top.string() + " (uid " + std::to_string(::getuid()) + ", mode 0700) is closed to other");
    mode(top, 0711);
    EXPECT_EQ(cannot_write(other, run), std::nullopt);
}

TEST_F(Directory, NotADirectoryOrMissing) {
    const fs::path file = top / "file";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fclose(f);
    }
    EXPECT_EQ(cannot_write(self, file), file.string() + " is not a directory");
    EXPECT_EQ(cannot_write(self, top / "none"),
              "cannot read " + (top / "none").string() + ": No such file or directory");
}

}  // namespace
}  // namespace dslite::platform
