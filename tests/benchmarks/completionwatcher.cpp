#include "completionwatcher.h"

#include "httpresponseparser.h"

#include <string_view>
#include <zmq.hpp>

namespace jobdesk::bench {

CompletionWatcher::CompletionWatcher(std::string eventsEndpoint)
    : m_endpoint(std::move(eventsEndpoint))
{
}

CompletionWatcher::~CompletionWatcher()
{
    stop();
}

void CompletionWatcher::start()
{
    m_seen.reserve(1 << 16);
    m_thread = std::thread([this] { listen(); });
}

CompletionWatcher::Clock::time_point CompletionWatcher::lastAt() const
{
    return Clock::time_point(Clock::duration(m_lastAt.load()));
}

std::vector<CompletionWatcher::Completion> CompletionWatcher::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
    return std::move(m_seen);
}

void CompletionWatcher::listen()
{
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.set(zmq::sockopt::rcvtimeo, 100);
    socket.set(zmq::sockopt::subscribe, "job.completed");
    socket.connect(m_endpoint);

    while (!m_stop) {
        zmq::message_t topic;
        if (!socket.recv(topic, zmq::recv_flags::none))
            continue;
        if (!topic.more())
            continue;
        zmq::message_t body;
        if (!socket.recv(body, zmq::recv_flags::none))
            continue;
        const Clock::time_point now = Clock::now();
        // {"epoch":..,"job":{.."id":"<job id>"..},"seq":n}: the job's own id
        // is the first "id" inside "job" (keys are sorted; "error" holds no id).
        std::string_view text(body.data<char>(), body.size());
        const std::size_t job = text.find("\"job\":");
        if (job != std::string_view::npos)
            text.remove_prefix(job);
        m_seen.push_back(Completion{std::string(firstStringField(text, "id")), now});
        m_lastAt = now.time_since_epoch().count();
        ++m_count;
    }
}

} // namespace jobdesk::bench
