#include "blockinghttpclient.h"

#include "httploadgenerator.h"
#include "httpresponseparser.h"

#include <array>
#include <boost/asio/write.hpp>
#include <sys/socket.h>
#include <sys/time.h>

namespace jobdesk::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int kReceiveTimeoutS = 60;

} // namespace

BlockingHttpClient::BlockingHttpClient(std::string host, std::uint16_t port, std::string token)
    : m_host(std::move(host))
    , m_port(port)
    , m_token(std::move(token))
{
}

BlockingHttpClient::Answer BlockingHttpClient::get(std::string_view target)
{
    return exchange(httpRequestText("GET", target, m_host, m_token));
}

BlockingHttpClient::Answer BlockingHttpClient::postJson(std::string_view target,
                                                        std::string_view body)
{
    return exchange(httpRequestText("POST", target, m_host, m_token, body));
}

BlockingHttpClient::Answer BlockingHttpClient::exchange(const std::string &request)
{
    Answer answer;
    boost::system::error_code ec;
    if (!m_socket.is_open()) {
        m_in.clear();
        m_socket.connect(tcp::endpoint(asio::ip::make_address(m_host, ec), m_port), ec);
        if (ec) {
            answer.error = "connect: " + ec.message();
            m_socket.close(ec);
            return answer;
        }
        // A daemon that stops answering fails the bench instead of hanging it.
        const timeval timeout{kReceiveTimeoutS, 0};
        ::setsockopt(m_socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    asio::write(m_socket, asio::buffer(request), ec);
    HttpResponseParser parser;
    std::array<char, 64 * 1024> chunk{};
    while (!ec) {
        const HttpResponseParser::Outcome outcome = parser.parse(m_in);
        if (outcome == HttpResponseParser::Outcome::Complete) {
            answer.status = parser.status();
            answer.body = std::string(parser.body());
            parser.consume(m_in);
            if (parser.closes())
                m_socket.close(ec);
            return answer;
        }
        if (outcome == HttpResponseParser::Outcome::Invalid) {
            answer.error = parser.error();
            break;
        }
        const std::size_t n = m_socket.read_some(asio::buffer(chunk), ec);
        m_in.append(chunk.data(), n);
    }
    if (answer.error.empty())
        answer.error = ec.message();
    m_socket.close(ec);
    return answer;
}

} // namespace jobdesk::bench
