#include "zmqsubmitload.h"

#include <charconv>
#include <string_view>
#include <vector>
#include <zmq.hpp>

namespace jobdesk::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Request ids are "bench-<n>", a prefix that nothing else in a reply holds.
constexpr std::string_view kIdPrefix = "\"bench-";

bool requestNumber(std::string_view reply, std::size_t *number)
{
    const std::size_t at = reply.find(kIdPrefix);
    if (at == std::string_view::npos)
        return false;
    const char *first = reply.data() + at + kIdPrefix.size();
    const char *last = reply.data() + reply.size();
    return std::from_chars(first, last, *number).ec == std::errc();
}

} // namespace

ZmqSubmitLoad::ZmqSubmitLoad(ZmqLoadOptions options)
    : m_options(std::move(options))
{
}

ZmqLoadResult ZmqSubmitLoad::run()
{
    ZmqLoadResult result;
    const std::size_t total = m_options.requests;
    result.latencies.reserve(total);
    std::vector<Clock::time_point> sentAt(total);
    std::vector<bool> answered(total, false);

    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, 200);
    socket.set(zmq::sockopt::sndhwm, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.connect(m_options.endpoint);

    const std::string head = R"({"op":"submit","token":")" + m_options.token + R"(",)" +
                             m_options.submitFields + R"(,"id":"bench-)";
    std::string payload;
    std::size_t sent = 0;
    std::size_t done = 0;
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + m_options.deadline;
    Clock::time_point lastReplyAt = start;

    auto takeReply = [&](zmq::message_t &frame) {
        // The reply is [empty delimiter][JSON]: only the last frame counts.
        if (frame.more())
            return;
        const std::string_view reply(frame.data<char>(), frame.size());
        std::size_t n = 0;
        if (!requestNumber(reply, &n) || n >= total || answered[n]) {
            if (result.firstProblem.empty())
                result.firstProblem = "unmatched reply: " + std::string(reply.substr(0, 300));
            return;
        }
        answered[n] = true;
        ++done;
        lastReplyAt = Clock::now();
        result.latencies.add(lastReplyAt - sentAt[n]);
        if (reply.find(R"("ok":true)") != std::string_view::npos) {
            ++result.ok;
        } else {
            ++result.refused;
            if (result.firstProblem.empty())
                result.firstProblem = std::string(reply.substr(0, 300));
        }
    };

    while (done < total) {
        while (sent < total && sent - done < static_cast<std::size_t>(m_options.window)) {
            payload.assign(head).append(std::to_string(sent)).append("\"}");
            sentAt[sent] = Clock::now();
            socket.send(zmq::message_t(), zmq::send_flags::sndmore);
            socket.send(zmq::buffer(payload), zmq::send_flags::none);
            ++sent;
        }
        zmq::message_t frame;
        if (socket.recv(frame, zmq::recv_flags::none)) {
            takeReply(frame);
            while (socket.recv(frame, zmq::recv_flags::dontwait))
                takeReply(frame);
        }
        if (Clock::now() > deadline) {
            result.firstProblem = "deadline reached";
            break;
        }
    }
    result.lost = total - done;
    result.seconds = std::chrono::duration<double>(lastReplyAt - start).count();
    return result;
}

} // namespace jobdesk::bench
