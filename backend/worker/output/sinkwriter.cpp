#include "sinkwriter.h"

#include "resultsink.h"

namespace jobdesk {

SinkWriter::SinkWriter(ResultSink &sink, std::size_t blockBytes)
    : m_sink(sink)
    , m_blockBytes(blockBytes)
{
    m_buffer.reserve(blockBytes);
}

SinkWriter::~SinkWriter()
{
    flush();
}

void SinkWriter::write(std::string_view text)
{
    if (m_buffer.size() + text.size() > m_blockBytes) {
        flush();
        if (text.size() > m_blockBytes) {
            m_sink.write(text.data(), text.size());
            return;
        }
    }
    m_buffer.append(text);
}

void SinkWriter::write(char c)
{
    if (m_buffer.size() + 1 > m_blockBytes)
        flush();
    m_buffer.push_back(c);
}

void SinkWriter::write(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    write(std::string_view(utf8.constData(), std::size_t(utf8.size())));
}

bool SinkWriter::flush()
{
    if (!m_buffer.empty()) {
        m_sink.write(m_buffer.data(), m_buffer.size());
        m_buffer.clear();
    }
    return ok();
}

bool SinkWriter::ok() const
{
    return !m_sink.hasError();
}

QString SinkWriter::errorString() const
{
    return m_sink.errorString();
}

} // namespace jobdesk
