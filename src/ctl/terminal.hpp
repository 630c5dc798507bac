// SPDX-License-Identifier: BSD-2-Clause
// The terminal of a full-screen view (dslite-ctl top), with plain ANSI
// sequences and termios: no curses needed for one screen redrawn a second.
#pragma once

#include <termios.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace dslite::ctl {

struct TerminalSize {
    std::size_t width = 0;
    std::size_t height = 0;
};
// The size of the terminal on `fd`, or none when it is not one.
std::optional<TerminalSize> terminal_size(int fd);

// What woke a wait: the time was up, a key, a signal to stop (SIGINT,
// SIGTERM, SIGHUP), the window changed size (SIGWINCH) or ^Z (SIGTSTP).
enum class Wake { timeout, key, stop, resize, suspend };

// While it lives: SIGINT, SIGTERM, SIGHUP, SIGWINCH and SIGTSTP are caught
// (each wakes wait()), and the previous handlers are put back after.
class Signals {
public:
    Signals();
    ~Signals();
    Signals(const Signals&) = delete;
    Signals& operator=(const Signals&) = delete;

    // Waits up to `timeout` for a signal, or a key on `input` (-1: none);
    // `key` is the key read.
    Wake wait(std::chrono::milliseconds timeout, int input, char& key);
    bool stopped() const;
};

// What ^Z would have done without the handler: stops the process, and
// returns once it is continued (SIGCONT).
void stop_until_continued();

// While it lives: stdin (when a terminal) in raw mode without echo,
// stdout on the alternate screen with the cursor hidden. Whatever ends
// the program's use of it (q, a signal, an error) the terminal is put back
// as it was.
class Screen {
public:
    Screen();
    ~Screen();
    Screen(const Screen&) = delete;
    Screen& operator=(const Screen&) = delete;

    // Draws the lines (a frame of that size) from the top left corner over the last frame.
    void draw(const std::vector<std::string>& lines, std::size_t width, std::size_t height);
    // -1 when stdin is no terminal: then no key is read.
    int input() const { return raw_ ? 0 : -1; }
    // ^Z: the terminal as it was, the process stopped; taken again once continued.
    void suspend();

private:
    void enter();
    void leave();

    bool have_saved_ = false;
    bool raw_ = false;
    termios saved_{};
};

}  // namespace dslite::ctl
