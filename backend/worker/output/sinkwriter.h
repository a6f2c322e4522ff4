#pragma once

#include <QByteArray>
#include <QString>
#include <string>
#include <string_view>

namespace jobdesk {

class ResultSink;

/// Buffers small writes (a cell, a tag) into blocks for a ResultSink, so a
/// report written piece by piece costs one sink call per block. Errors are
/// sticky, as in the sink: check ok() once at the end.
class SinkWriter
{
public:
    explicit SinkWriter(ResultSink &sink, std::size_t blockBytes = 64 * 1024);
    ~SinkWriter();

    SinkWriter(const SinkWriter &) = delete;
    SinkWriter &operator=(const SinkWriter &) = delete;

    void write(std::string_view text);
    void write(char c);
    void write(const QString &text);
    /// Hands what is buffered to the sink; false once the sink has failed.
    bool flush();
    bool ok() const;
    QString errorString() const;

private:
    ResultSink &m_sink;
    std::size_t m_blockBytes = 0;
    std::string m_buffer;
};

} // namespace jobdesk
