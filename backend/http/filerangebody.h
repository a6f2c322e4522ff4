#pragma once

// Internal to the HTTP transport.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <utility>

namespace jobdesk {

/// A Beast body that streams part of a file, `length` bytes from `offset`,
/// in small pieces, so a large result or a Range of it never sits whole in
/// memory (Beast's own file_body always sends a whole file).
struct FileRangeBody
{
    struct value_type
    {
        boost::beast::file file;
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };

    static std::uint64_t size(const value_type &body) { return body.length; }

    class writer
    {
    public:
        using const_buffers_type = boost::asio::const_buffer;

        template <bool isRequest, class Fields>
        writer(boost::beast::http::header<isRequest, Fields> &, value_type &body)
            : m_body(body)
            , m_remaining(body.length)
        {
        }

        void init(boost::beast::error_code &ec) { m_body.file.seek(m_body.offset, ec); }

        boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code &ec)
        {
            const std::size_t amount =
                static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, sizeof m_buffer));
            if (amount == 0) {
                ec = {};
                return boost::none;
            }
            const std::size_t read = m_body.file.read(m_buffer, amount, ec);
            if (ec)
                return boost::none;
            if (read == 0) {
                // The file shrank under us: fail rather than send short.
                ec = boost::asio::error::eof;
                return boost::none;
            }
            m_remaining -= read;
            return std::make_pair(const_buffers_type(m_buffer, read), m_remaining > 0);
        }

    private:
        value_type &m_body;
        std::uint64_t m_remaining;
        char m_buffer[16 * 1024];
    };
};

} // namespace jobdesk
