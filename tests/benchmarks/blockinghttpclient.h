#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace jobdesk::bench {

/// One keep-alive connection for the few requests around a measurement
/// (occupying the worker, sweeping the change feed): blocking and simple,
/// never used for the measured load.
class BlockingHttpClient final
{
public:
    struct Answer
    {
        int status = 0; // 0 when the request failed; error says why
        std::string body;
        std::string error;
    };

    BlockingHttpClient(std::string host, std::uint16_t port, std::string token);

    Answer get(std::string_view target);
    Answer postJson(std::string_view target, std::string_view body);

private:
    Answer exchange(const std::string &request);

    std::string m_host;
    std::uint16_t m_port;
    std::string m_token;
    boost::asio::io_context m_io;
    boost::asio::ip::tcp::socket m_socket{m_io};
    std::string m_in;
};

} // namespace jobdesk::bench
