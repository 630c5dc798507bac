// SPDX-License-Identifier: BSD-2-Clause
// IPFIX (RFC 7011) messages of the binding log's events, with the NAT
// logging templates of RFC 8158. Encoding only: the sink in binding_log.cpp
// sends the messages over UDP. Our own few hundred lines rather than
// libfixbuf: its exporter brings GLib and a session model for what is here
// eight fixed templates; libfixbuf's ipfixDump reads what this writes in the
// tests, as an outside decoder.
//
// Which event becomes which record (natEvent, RFC 8158 4.3):
//   binding_created/removed       8/9  NAT44 BIB create/delete (4.6.3), the B4
//                                      as sourceIPv6Address; never a destination,
//                                      so never RFC 8158's sessions (4/5)
//   subscriber_created/removed   14/15 address binding (4.6.9)
//   pool_exhausted                 3   no address to give (4.6.5), or
//                                 12   the subscriber's address out of ports (4.6.6)
//   quota_exhausted               13   quota exceeded, max entries per user (4.6.7.3)
//   binding_table_full            13   max BIB entries (4.6.7.2)
//   subscriber_table_full         13   max subscribers (4.6.7.4)
//   port_block_allocated/released 16/17 port block (4.6.10), the B4 as
//                                      sourceIPv6Address; a block holds its
//                                      ports for every protocol
//   softwire_moved                 -   none: RFC 8158 has no such event (the
//                                      JSON and syslog records have it)
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "dslite/config.hpp"
#include "dslite/events.hpp"

namespace dslite::daemon {

// The limits the quota records name (maxEntriesPerUser and the like).
struct IpfixLimits {
    std::uint32_t quota_tcp = 0;
    std::uint32_t quota_udp = 0;
    std::uint32_t quota_icmp = 0;
    std::uint32_t max_bindings = 0;
    std::uint32_t max_subscribers = 0;
};

inline IpfixLimits limits_of(const EngineConfig& c) {
    return {c.quota.tcp, c.quota.udp, c.quota.icmp, c.max_bindings, c.max_subscribers};
}

class IpfixExporter {
public:
    using Bytes = std::vector<std::uint8_t>;
    struct Message {
        Bytes bytes;
        std::size_t records = 0;  // data records in it
    };
    static constexpr std::uint16_t kFirstTemplate = 256;
    static constexpr std::size_t kTemplates = 8;

    // `max_message`: bytes per message, so a message fits one UDP datagram
    // without fragments on the usual paths.
    IpfixExporter(IpfixLimits limits, std::uint32_t observation_domain = 1, std::size_t max_message = 1400);

    // Queues the record of one event, made at `at`.
    void add(const Event& event, std::chrono::system_clock::time_point at);
    // The messages of what was queued, exported at `now`. Templates go first
    // in the first message ever and again once `refresh` has passed (RFC
    // 7011 8.1 and 10.3.6: over UDP they are resent periodically), or after
    // resend_templates().
    std::vector<Message> take(std::chrono::system_clock::time_point now);
    void resend_templates() { templates_due_ = true; }

    std::chrono::seconds refresh{60};

private:
    std::vector<std::uint8_t> template_set() const;

    IpfixLimits limits_;
    std::uint32_t domain_;
    std::size_t max_message_;
    // Records queued per template, each record's bytes one after the other.
    std::array<Bytes, kTemplates> queued_;
    std::array<std::size_t, kTemplates> queued_records_{};
    std::uint32_t sequence_ = 0;  // data records sent in this domain, mod 2^32 (RFC 7011 3.1)
    bool templates_due_ = true;
    std::chrono::system_clock::time_point templates_sent_{};
};

}  // namespace dslite::daemon
