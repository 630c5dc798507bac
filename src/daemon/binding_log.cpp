// SPDX-License-Identifier: BSD-2-Clause
#include "binding_log.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <type_traits>
#include <optional>
#include <utility>

#include "dslite/engine_options.hpp"
#include "json_writer.hpp"
#include "platform/posix/socket_address.hpp"
#include "platform/posix/unique_fd.hpp"
#include "platform/syslog_path.hpp"

namespace dslite::daemon {

namespace {

// RFC 3339 in UTC to the millisecond, as RFC 5424 6.2.3 allows.
std::string timestamp(WallTime at) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[96];  // room for any int, as the compiler checks
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms - seconds * 1000LL));
    return text;
}

// Which fields a kind's record carries (see events.hpp).
struct Fields {
    bool flow;  // protocol and inside address and port
    bool public_address;
    bool public_port;
    bool port_range;  // a port block's first and last port
};

Fields fields_of(const Event& e) {
    switch (e.kind) {
    case EventKind::binding_created:
    case EventKind::binding_removed: return {true, true, true, false};
    case EventKind::subscriber_created:
    case EventKind::subscriber_removed: return {false, true, false, false};
    case EventKind::quota_exhausted:
    case EventKind::pool_exhausted: return {true, e.public_address.value != 0, false, false};
    case EventKind::binding_table_full:
    case EventKind::subscriber_table_full: return {true, false, false, false};
    case EventKind::port_block_allocated:
    case EventKind::port_block_released: return {false, true, false, true};
    case EventKind::softwire_moved: return {false, true, false, false};
    }
    return {false, false, false, false};
}

bool is_warning(EventKind kind) {
    return kind == EventKind::quota_exhausted || kind == EventKind::pool_exhausted ||
           kind == EventKind::binding_table_full || kind == EventKind::subscriber_table_full;
}

std::string subscriber_text(const Event& e) { return to_string(Ipv6Prefix{e.subscriber, e.subscriber_length}); }

// RFC 5424 6.3.3: '"', '\' and ']' are escaped in a parameter value.
std::string sd_value(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '"' || c == '\\' || c == ']') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

class Sink {
public:
    virtual ~Sink() = default;
    // False when the record could not be written or sent.
    virtual bool write(const Event& event, WallTime at, const std::string& hostname, long pid) = 0;
    virtual void reopen() {}
    // Writes what is buffered; returns how many records were lost since the last call.
    virtual std::uint64_t flush() { return 0; }
};

namespace {

using platform::UniqueFd;

// A datagram socket closed across exec (SOCK_CLOEXEC is not on macOS).
UniqueFd datagram_socket(int family) {
    UniqueFd fd(::socket(family, SOCK_DGRAM, 0));
    if (fd) ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
    return fd;
}

// A UDP socket connected to HOST (an address, or a name resolved now) and
// PORT, or what went wrong.
std::variant<UniqueFd, std::string> connect_udp(const std::string& host, std::uint16_t port) {
    auto resolved = platform::resolve({host, port});
    if (auto* error = std::get_if<std::string>(&resolved)) return "cannot resolve " + *error;
    const platform::SocketAddress& address = std::get<platform::SocketAddress>(resolved);
    UniqueFd fd = datagram_socket(address.family());
    if (!fd || ::connect(fd.get(), address.get(), address.length) != 0)
        return "cannot send to " + platform::to_string(address) + ": " + std::strerror(errno);
    return fd;
}

bool send_all(const UniqueFd& fd, const void* data, std::size_t size) {
    if (!fd) return false;
    ssize_t n;
    do {
        n = ::send(fd.get(), data, size, 0);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(size);
}

class FileSink final : public Sink {
public:
    static std::variant<std::unique_ptr<Sink>, std::string> open(const std::string& path) {
        auto sink = std::unique_ptr<FileSink>(new FileSink(path));
        if (auto error = sink->open_file()) return *error;
        return std::unique_ptr<Sink>(std::move(sink));
    }
    ~FileSink() override { write_out(); }

    bool write(const Event& event, WallTime at, const std::string&, long) override {
        pending_ += event_json(event, at);
        pending_ += '\n';
        ++pending_records_;
        if (pending_.size() >= kFlushAt) write_out();
        return true;  // a failed write is counted by flush()
    }
    std::uint64_t flush() override {
        write_out();
        return std::exchange(failed_, 0);
    }
    void reopen() override {
        write_out();
        open_file();  // a failure leaves no file: records are counted as failed until the next SIGHUP
    }

private:
    static constexpr std::size_t kFlushAt = 64 * 1024;
    explicit FileSink(std::string path) : path_(std::move(path)) {}
    void write_out() {
        std::string_view rest = pending_;
        while (!rest.empty() && fd_) {
            const ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        failed_ += rest.empty() ? 0 : pending_records_;
        pending_.clear();
        pending_records_ = 0;
    }
    std::optional<std::string> open_file() {
        fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
        if (!fd_) return "cannot open " + in_quotes(path_) + ": " + std::strerror(errno);
        return std::nullopt;
    }

    std::string path_;
    UniqueFd fd_;
    std::string pending_;
    std::uint64_t pending_records_ = 0;
    std::uint64_t failed_ = 0;
};

class SyslogSink final : public Sink {
public:
    static std::variant<std::unique_ptr<Sink>, std::string> open(const SyslogSinkSpec& spec) {
        auto sink = std::unique_ptr<SyslogSink>(new SyslogSink(spec));
        if (auto error = sink->connect()) return *error;
        return std::unique_ptr<Sink>(std::move(sink));
    }

    bool write(const Event& event, WallTime at, const std::string& hostname, long pid) override {
        const std::string message = event_syslog(event, at, hostname, pid);
        if (send(message)) return true;
        // The syslog daemon restarted: its socket is new.
        if (!spec_.udp && (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT) && !connect())
            return send(message);
        return false;
    }
    void reopen() override { connect(); }

private:
    explicit SyslogSink(SyslogSinkSpec spec) : spec_(std::move(spec)) {}

    bool send(const std::string& message) { return send_all(fd_, message.data(), message.size()); }

    std::optional<std::string> connect() {
        if (spec_.udp) {
            auto connected = connect_udp(spec_.host, spec_.port);
            if (auto* error = std::get_if<std::string>(&connected)) return *error;
            fd_ = std::move(std::get<UniqueFd>(connected));
            return std::nullopt;
        }
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (spec_.path.size() >= sizeof address.sun_path) return in_quotes(spec_.path) + " is too long for a socket";
        std::memcpy(address.sun_path, spec_.path.c_str(), spec_.path.size() + 1);
        fd_ = datagram_socket(AF_UNIX);
        if (!fd_ || ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            const int error = errno;
            fd_.reset();
            return "cannot connect to " + in_quotes(spec_.path) + ": " + std::strerror(error);
        }
        return std::nullopt;
    }

    SyslogSinkSpec spec_;
    UniqueFd fd_;
};

// Records are queued as they come and sent as messages at each flush (the
// pump flushes after every drain), so one message holds many records.
class IpfixSink final : public Sink {
public:
    static std::variant<std::unique_ptr<Sink>, std::string> open(const IpfixSinkSpec& spec, const IpfixLimits& limits) {
        auto connected = connect_udp(spec.host, spec.port);
        if (auto* error = std::get_if<std::string>(&connected)) return *error;
        return std::unique_ptr<Sink>(new IpfixSink(std::move(std::get<UniqueFd>(connected)), limits));
    }
    ~IpfixSink() override { flush(); }

    bool write(const Event& event, WallTime at, const std::string&, long) override {
        exporter_.add(event, at);
        return true;  // a failed send is counted by flush()
    }
    std::uint64_t flush() override {
        std::uint64_t failed = 0;
        for (const auto& m : exporter_.take(std::chrono::system_clock::now()))
            if (!send_all(fd_, m.bytes.data(), m.bytes.size())) failed += m.records;
        return failed;
    }
    // A collector that restarted has forgotten the templates.
    void reopen() override { exporter_.resend_templates(); }

private:
    IpfixSink(UniqueFd fd, const IpfixLimits& limits) : fd_(std::move(fd)), exporter_(limits) {}
    UniqueFd fd_;
    IpfixExporter exporter_;
};

}  // namespace

std::variant<SinkSpec, std::string> parse_sink(std::string_view text) {
    const auto after = [&](std::string_view prefix) { return text.substr(prefix.size()); };
    if (text.starts_with("file:")) {
        if (after("file:").empty()) return std::string("file: needs a path");
        return FileSinkSpec{std::string(after("file:"))};
    }
    if (text == "syslog") return SyslogSinkSpec{.path = platform::kSyslogPath};
    if (text.starts_with("syslog:unix:")) {
        if (after("syslog:unix:").empty()) return std::string("syslog:unix: needs a socket path");
        return SyslogSinkSpec{.path = std::string(after("syslog:unix:"))};
    }
    // HOST:PORT, an IPv6 HOST in brackets; a name is resolved when the sink opens.
    const auto endpoint = [&](std::string_view rest, std::string& host,
                              std::uint16_t& port) -> std::optional<std::string> {
        const auto where = platform::split_host_port(rest);
        if (!where || where->port == 0)
            return in_quotes(text) + " needs HOST:PORT (an IPv6 address in brackets, a port from 1 to 65535)";
        host = where->host;
        port = where->port;
        return std::nullopt;
    };
    if (text.starts_with("syslog:udp:")) {
        SyslogSinkSpec spec{.udp = true};
        if (auto error = endpoint(after("syslog:udp:"), spec.host, spec.port)) return *error;
        return spec;
    }
    if (text.starts_with("ipfix:")) {
        IpfixSinkSpec spec;
        if (auto error = endpoint(after("ipfix:"), spec.host, spec.port)) return *error;
        return spec;
    }
    return in_quotes(text) +
           " is not a sink: file:PATH, syslog, syslog:unix:PATH, syslog:udp:HOST:PORT or ipfix:HOST:PORT";
}

std::string event_json(const Event& e, WallTime at) {
    const Fields f = fields_of(e);
    JsonWriter json;
    json.begin_object();
    json.member("time", timestamp(at)).member("event", event_name(e.kind));
    if (e.kind == EventKind::binding_removed) json.member("reason", reason_name(e.reason));
    json.member("b4", to_string(e.b4));
    if (e.kind == EventKind::softwire_moved) json.member("previous_b4", to_string(e.previous_b4));
    json.member("subscriber", subscriber_text(e));
    if (f.flow) {
        json.member("protocol", protocol_name(e.protocol));
        json.member("inside_address", to_string(e.inside_address)).member("inside_port", e.inside_port);
    }
    if (f.public_address) json.member("public_address", to_string(e.public_address));
    if (f.public_port) json.member("public_port", e.public_port);
    if (f.port_range) json.member("port_range_start", e.public_port).member("port_range_end", e.public_port_last);
    json.end_object();
    return json.take();
}

std::string event_syslog(const Event& e, WallTime at, std::string_view hostname, long pid) {
    // RFC 5424: facility daemon (3); informational, or warning for exhaustion.
    const int priority = 3 * 8 + (is_warning(e.kind) ? 4 : 6);
    const Fields f = fields_of(e);
    std::string m = "<" + std::to_string(priority) + ">1 " + timestamp(at) + " " +
                    std::string(hostname.empty() ? "-" : hostname) + " dslite-aftr " + std::to_string(pid) + " " +
                    std::string(event_name(e.kind)) + " ";
    // 32473 is the enterprise number RFC 5612 sets aside for documentation.
    std::string text = std::string(event_name(e.kind));
    m += "[dslite@32473";
    const auto param = [&](std::string_view name, const std::string& value) {
        m += " ";
        m += name;
        m += "=\"" + sd_value(value) + "\"";
        text += " ";
        text += name;
        text += "=" + value;
    };
    if (e.kind == EventKind::binding_removed) param("reason", std::string(reason_name(e.reason)));
    param("b4", to_string(e.b4));
    if (e.kind == EventKind::softwire_moved) param("previous_b4", to_string(e.previous_b4));
    param("subscriber", subscriber_text(e));
    if (f.flow) {
        param("protocol", std::string(protocol_name(e.protocol)));
        param("inside", to_string(e.inside_address) + ":" + std::to_string(e.inside_port));
    }
    if (f.public_address)
        param("public",
              to_string(e.public_address) + (f.public_port ? ":" + std::to_string(e.public_port) : "") +
                  (f.port_range ? ":" + std::to_string(e.public_port) + "-" + std::to_string(e.public_port_last) : ""));
    m += "] " + text;
    return m;
}

BindingLog::BindingLog() : pid_(static_cast<long>(::getpid())) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) hostname_ = name;
    // RFC 5424 6.2.4: printable ASCII, no spaces.
    for (char& c : hostname_)
        if (c <= ' ' || c > '~') c = '-';
}

BindingLog::~BindingLog() = default;

std::variant<std::unique_ptr<BindingLog>, std::string> BindingLog::open(const std::vector<SinkSpec>& sinks,
                                                                        const IpfixLimits& limits) {
    auto log = std::unique_ptr<BindingLog>(new BindingLog());
    for (const SinkSpec& spec : sinks) {
        auto opened = std::visit(
            [&](const auto& s) -> std::variant<std::unique_ptr<Sink>, std::string> {
                using S = std::decay_t<decltype(s)>;
                if constexpr (std::is_same_v<S, FileSinkSpec>) {
                    return FileSink::open(s.path);
                } else if constexpr (std::is_same_v<S, SyslogSinkSpec>) {
                    return SyslogSink::open(s);
                } else {
                    return IpfixSink::open(s, limits);
                }
            },
            spec);
        if (auto* error = std::get_if<std::string>(&opened)) return *error;
        log->sinks_.push_back(std::move(std::get<std::unique_ptr<Sink>>(opened)));
    }
    return log;
}

void BindingLog::write_one(const Event& event, WallTime at) {
    for (const auto& sink : sinks_) {
        if (sink->write(event, at, hostname_, pid_)) {
            ++stats_.written;
        } else {
            ++stats_.failed;
        }
    }
}

void BindingLog::reopen() {
    for (const auto& sink : sinks_) sink->reopen();
}

void BindingLog::flush() {
    for (const auto& sink : sinks_) {
        const std::uint64_t failed = sink->flush();
        stats_.failed += failed;
        stats_.written -= std::min(stats_.written, failed);
    }
}

}  // namespace dslite::daemon
