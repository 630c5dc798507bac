// SPDX-License-Identifier: BSD-2-Clause
#include "terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>

namespace dslite::ctl {

namespace {

// A signal handler may only set flags and write(2): the self-pipe wakes poll.
volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_resize = 0;
volatile std::sig_atomic_t g_suspend = 0;
int g_wake[2] = {-1, -1};

void on_signal(int signal) {
    if (signal == SIGWINCH)
        g_resize = 1;
    else if (signal == SIGTSTP)
        g_suspend = 1;
    else
        g_stop = 1;
    const int saved = errno;
    const char byte = 0;
    [[maybe_unused]] const auto n = ::write(g_wake[1], &byte, 1);
    errno = saved;
}

constexpr std::array<int, 5> kSignals{SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};
std::array<struct sigaction, kSignals.size()> g_previous{};

void write_all(const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a terminal gone: nothing more to show it
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::optional<TerminalSize> terminal_size(int fd) {
    winsize size{};
    if (!::isatty(fd) || ::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0)
        return std::nullopt;
    return TerminalSize{size.ws_col, size.ws_row};
}

Signals::Signals() {
    g_stop = 0;
    g_resize = 0;
    g_suspend = 0;
    if (::pipe(g_wake) == 0) {
        for (const int fd : g_wake) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &action, &g_previous[i]);
}

Signals::~Signals() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
    for (int& fd : g_wake) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
}

bool Signals::stopped() const { return g_stop != 0; }

void stop_until_continued() {
    struct sigaction stop {};
    stop.sa_handler = SIG_DFL;
    sigemptyset(&stop.sa_mask);
    struct sigaction mine {};
    ::sigaction(SIGTSTP, &stop, &mine);
    ::raise(SIGTSTP);  // returns once continued
    ::sigaction(SIGTSTP, &mine, nullptr);
}

Wake Signals::wait(std::chrono::milliseconds timeout, int input, char& key) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (g_stop) return Wake::stop;
        if (g_suspend) {
            g_suspend = 0;
            return Wake::suspend;
        }
        if (g_resize) {
            g_resize = 0;
            return Wake::resize;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
        if (left <= 0) return Wake::timeout;
        pollfd fds[2] = {{g_wake[0], POLLIN, 0}, {input, POLLIN, 0}};
        const int n = ::poll(fds, input >= 0 ? 2 : 1, static_cast<int>(left));
        if (n < 0 && errno != EINTR) return Wake::stop;
        if (n <= 0) continue;
        if (fds[0].revents & POLLIN) {
            char drained[16];
            while (::read(g_wake[0], drained, sizeof drained) > 0) {}
        }
        if (input >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
            const ssize_t got = ::read(input, &key, 1);
            if (got == 1) return Wake::key;
            if (got == 0) return Wake::stop;  // the terminal went away
        }
    }
}

Screen::Screen() {
    have_saved_ = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0;
    enter();
}

Screen::~Screen() { leave(); }

void Screen::enter() {
    if (have_saved_) {
        termios raw = saved_;
        // Keys one at a time, not echoed; ISIG stays, so ^C is SIGINT and ^Z SIGTSTP.
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        raw_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
    }
    write_all("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");  // the alternate screen, no cursor
}

void Screen::leave() {
    write_all("\x1b[?25h\x1b[?1049l");
    if (raw_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    raw_ = false;
}

void Screen::suspend() {
    // The shell gets its terminal back while this is stopped, and the
    // screen is taken again on SIGCONT.
    leave();
    stop_until_continued();
    enter();
}

void Screen::draw(const std::vector<std::string>& lines, std::size_t width, std::size_t height) {
    // Each line over the old one and cleared to its end. A line as wide as
    // the screen leaves the cursor on its last character, which a clear
    // would erase, and a newline after the bottom row would scroll: neither.
    std::string out = "\x1b[H";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i];
        if (lines[i].size() < width) out += "\x1b[K";
        if (i + 1 < lines.size()) out += "\r\n";
    }
    if (lines.size() < height) out += lines.empty() ? "\x1b[J" : "\r\n\x1b[J";
    write_all(out);
}

}  // namespace dslite::ctl
