// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl top: the frames of the live view, from samples of the daemon's
// answers to `stats` and `top N` taken an interval apart. Only text here:
// the terminal is terminal.hpp's, so a frame can be tested at any size.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "json_reader.hpp"

namespace dslite::ctl {

struct Sample {
    double seconds = 0;  // when it was taken, on a steady clock
    JsonValue stats;     // the answer to stats
    JsonValue top;       // the answer to top N
};

// Per second between two samples. The engine's counters and the devices'
// are cumulative; rates are their differences over the time between.
struct Rates {
    struct Side {
        std::string name;  // "b4", "uplink", or "both" for one TUN
        double in_packets = 0, in_bits = 0, out_packets = 0, out_bits = 0;
    };
    struct Drop {
        std::string reason;  // the counter's name without drop_
        double per_second = 0;
    };
    std::vector<Side> sides;  // b4, uplink, both: those the daemon has
    std::vector<Drop> drops;  // those above zero, highest first (ties by name)
};

// The rates from `before` to `after`. A counter that went down (the daemon
// was restarted in between) gives no rate rather than a huge one.
Rates rates_between(const Sample& before, const Sample& after);

// The frame for `now`: at most `height` lines, none longer than `width`.
// Without rates (only one sample yet) they show as "-".
std::vector<std::string> render_top(const Sample& now, const Rates* rates, std::size_t width, std::size_t height);

// dslite-ctl top's options (the words after "top").
struct TopOptions {
    double interval = 1;                 // seconds between frames
    std::optional<unsigned long> count;  // frames, then exit; none: until q
};
// The options, or the line saying what is wrong with them.
std::variant<TopOptions, std::string> parse_top_options(std::span<const char* const> args);

// A rate for people: "950", "9999", "12.3k", "1.23M", "4.56G".
std::string human(double value);

}  // namespace dslite::ctl
