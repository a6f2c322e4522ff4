#include "httploadgenerator.h"

#include "httpresponseparser.h"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <vector>

namespace jobdesk::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string httpRequestText(std::string_view method, std::string_view target, std::string_view host,
                            std::string_view token, std::string_view jsonBody)
{
    std::string text;
    text.reserve(256 + jsonBody.size());
    text.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
    if (!token.empty())
        text.append("\r\nAuthorization: Bearer ").append(token);
    if (!jsonBody.empty()) {
        text.append("\r\nContent-Type: application/json\r\nContent-Length: ")
            .append(std::to_string(jsonBody.size()));
    }
    text.append("\r\n\r\n").append(jsonBody);
    return text;
}

// ---------------------------------------------------------------------------
// One run: the io_context, the connections and the counters.
// ---------------------------------------------------------------------------

struct HttpLoadGenerator::Run
{
    struct Connection
    {
        explicit Connection(asio::io_context &io)
            : socket(io)
        {
        }
        tcp::socket socket;
        std::string out;
        std::string in;
        std::array<char, 64 * 1024> chunk{};
        HttpResponseParser parser;
        std::size_t index = 0;
        Clock::time_point sentAt;
        bool busy = false;
    };

    Run(const HttpLoadOptions &options, const RequestWriter &writer, const AnswerReader &reader)
        : options(options)
        , writer(writer)
        , reader(reader)
        , deadline(io)
    {
    }

    const HttpLoadOptions &options;
    const RequestWriter &writer;
    const AnswerReader &reader;
    asio::io_context io;
    asio::steady_timer deadline;
    std::vector<std::unique_ptr<Connection>> connections;
    std::size_t issued = 0;
    std::size_t finished = 0; // answered or lost
    Clock::time_point lastAnswerAt;
    HttpLoadResult result;

    void sendNext(Connection &c)
    {
        if (issued >= options.requests) {
            c.busy = false;
            return;
        }
        c.busy = true;
        c.index = issued++;
        c.out.clear();
        writer(c.index, c.out);
        c.sentAt = Clock::now();
        asio::async_write(c.socket, asio::buffer(c.out),
                          [this, &c](const boost::system::error_code &ec, std::size_t) {
                              if (ec)
                                  fail(c, "write: " + ec.message());
                              else
                                  readMore(c);
                          });
    }

    void readMore(Connection &c)
    {
        c.socket.async_read_some(asio::buffer(c.chunk),
                                 [this, &c](const boost::system::error_code &ec, std::size_t n) {
                                     if (ec) {
                                         fail(c, "read: " + ec.message());
                                         return;
                                     }
                                     c.in.append(c.chunk.data(), n);
                                     takeAnswer(c);
                                 });
    }

    void takeAnswer(Connection &c)
    {
        switch (c.parser.parse(c.in)) {
        case HttpResponseParser::Outcome::NeedMore:
            readMore(c);
            return;
        case HttpResponseParser::Outcome::Invalid:
            fail(c, c.parser.error());
            return;
        case HttpResponseParser::Outcome::Complete:
            break;
        }
        lastAnswerAt = Clock::now();
        result.latencies.add(lastAnswerAt - c.sentAt);
        if (c.parser.status() == options.expectedStatus) {
            ++result.ok;
            if (reader)
                reader(c.index, c.parser.body());
        } else {
            ++result.unexpected;
            if (result.firstProblem.empty()) {
                result.firstProblem = "HTTP " + std::to_string(c.parser.status()) + ": " +
                                      std::string(c.parser.body().substr(0, 300));
            }
        }
        const bool closes = c.parser.closes();
        c.parser.consume(c.in);
        ++finished;
        if (finished == options.requests) {
            c.busy = false;
            stopAll();
            return;
        }
        if (closes) {
            c.busy = false;
            fail(c, "the server closed a keep-alive connection");
            return;
        }
        sendNext(c);
    }

    void fail(Connection &c, const std::string &why)
    {
        if (result.firstProblem.empty())
            result.firstProblem = why;
        if (c.busy) {
            ++result.lost;
            ++finished;
            c.busy = false;
        }
        boost::system::error_code ignored;
        c.socket.close(ignored);
        const bool anyBusy = std::any_of(connections.begin(), connections.end(),
                                         [](const auto &other) { return other->busy; });
        if (finished >= options.requests || !anyBusy)
            stopAll();
    }

    void stopAll()
    {
        deadline.cancel();
        for (auto &c : connections) {
            boost::system::error_code ignored;
            c->socket.close(ignored);
        }
    }
};

// ---------------------------------------------------------------------------

HttpLoadGenerator::HttpLoadGenerator(HttpLoadOptions options, RequestWriter writer,
                                     AnswerReader reader)
    : m_options(std::move(options))
    , m_writer(std::move(writer))
    , m_reader(std::move(reader))
{
}

HttpLoadGenerator::~HttpLoadGenerator() = default;

HttpLoadResult HttpLoadGenerator::run()
{
    Run run(m_options, m_writer, m_reader);
    run.result.latencies.reserve(m_options.requests);
    if (m_options.requests == 0)
        return std::move(run.result);

    const tcp::endpoint endpoint(asio::ip::make_address(m_options.host), m_options.port);
    for (int i = 0; i < m_options.connections; ++i) {
        auto c = std::make_unique<Run::Connection>(run.io);
        boost::system::error_code ec;
        c->socket.connect(endpoint, ec);
        if (!ec)
            c->socket.set_option(tcp::no_delay(true), ec);
        if (ec) {
            run.result.firstProblem = "connect: " + ec.message();
            run.result.lost = m_options.requests;
            return std::move(run.result);
        }
        run.connections.push_back(std::move(c));
    }

    run.deadline.expires_after(m_options.deadline);
    run.deadline.async_wait([&run](const boost::system::error_code &ec) {
        if (ec)
            return; // cancelled: the run ended in time
        if (run.result.firstProblem.empty())
            run.result.firstProblem = "deadline reached";
        for (auto &c : run.connections) {
            if (c->busy) {
                ++run.result.lost;
                c->busy = false;
            }
        }
        run.stopAll();
    });

    const Clock::time_point start = Clock::now();
    run.result.startedAt = start;
    run.lastAnswerAt = start;
    for (auto &c : run.connections)
        run.sendNext(*c);
    run.io.run();
    // Requests never sent because every connection had failed.
    run.result.lost += m_options.requests - run.issued;
    run.result.seconds = std::chrono::duration<double>(run.lastAnswerAt - start).count();
    return std::move(run.result);
}

ScenarioFigures figuresOf(const std::string &name, const HttpLoadResult &result)
{
    ScenarioFigures f;
    f.name = name;
    f.count = result.ok;
    f.errors = result.unexpected + result.lost;
    f.seconds = result.seconds;
    f.latency = result.latencies.summary();
    return f;
}

} // namespace jobdesk::bench
