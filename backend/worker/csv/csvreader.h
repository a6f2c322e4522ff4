#pragma once

#include <QString>
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace jobdesk {

/// One CSV record: its fields as views into the reader's buffer (quotes
/// already removed), valid until the next call of CsvReader::next().
struct CsvRecord
{
    std::vector<std::string_view> fields;
    long long line = 0;       // where the record starts, 1-based (the header is line 1)
    bool badQuoting = false;  // text after a closing quote, as in "ab"c
    bool invalidUtf8 = false; // bytes that are not UTF-8
};

/// Streams RFC 4180 records from a file descriptor in bounded memory: one
/// buffer (1 MiB by default) that grows only while a single record is longer
/// than it, up to `maxRecordBytes`. Quoted fields may hold delimiters,
/// doubled quotes and line breaks; lines end in LF, CRLF or CR; a UTF-8 BOM
/// is skipped; empty lines are skipped. Fields are views into the buffer and
/// quotes are removed in place, so reading allocates nothing per record or
/// per field.
class CsvReader
{
public:
    struct Options
    {
        std::size_t bufferBytes = 1024 * 1024;
        std::size_t maxRecordBytes = 64 * 1024 * 1024;
    };

    enum class Status
    {
        Record, // `record` holds the next record
        End,    // the file is done
        Error,  // errorString() says what and where; the reader is done
    };

    CsvReader(int fd, Options options);
    explicit CsvReader(int fd)
        : CsvReader(fd, Options{})
    {
    }

    /// Up to `size` bytes from the start of the file (after any BOM), read
    /// ahead without consuming them: for detecting the delimiter.
    std::string_view peek(std::size_t size);
    void setDelimiter(char delimiter);
    char delimiter() const { return m_delimiter; }

    Status next(CsvRecord &record);
    /// Up to `batch.size()` records at once, all valid together until the
    /// next call (a record that continues past the buffer ends the batch
    /// early). Sets `count`; Status::Record while records come.
    Status nextBatch(std::vector<CsvRecord> &batch, std::size_t *count);

    QString errorString() const { return m_error; }
    /// The error is the file's (a failed read), not its content's.
    bool readFailed() const { return m_readFailed; }
    bool hadBom() const { return m_bom; }
    /// Bytes of the file consumed so far (the records returned and the BOM).
    long long bytesConsumed() const { return m_bytesRead - (long long)(m_end - m_pos); }

private:
    enum class Scan
    {
        Complete,
        NeedMore,
        Error
    };

    bool fill();
    Scan scan(CsvRecord &record, std::size_t &recordEnd);
    /// The position of the next delimiter, CR or LF at or after `p`, or `end`.
    std::size_t skipPlain(const char *b, std::size_t p, std::size_t end) const;
    void addField(CsvRecord &record, std::size_t begin, std::size_t end, std::size_t closingQuote);
    bool isUtf8(std::size_t start, std::size_t end);
    void finishFields(CsvRecord &record);

    int m_fd = -1;
    Options m_options;
    char m_delimiter = ',';
    std::vector<char> m_buffer;
    std::size_t m_pos = 0;        // start of unconsumed data in m_buffer
    std::size_t m_end = 0;        // end of valid data in m_buffer
    std::size_t m_asciiUntil = 0; // every byte of m_buffer before it is ASCII
    long long m_bytesRead = 0;
    bool m_eof = false;
    bool m_started = false;
    bool m_bom = false;
    bool m_readFailed = false;
    long long m_line = 1; // the line the next record starts on
    QString m_error;

    // The quoted fields of the record being read, kept to reuse capacity.
    struct QuotedField
    {
        std::size_t field;
        std::size_t begin;
        std::size_t end;
        std::size_t closingQuote;
    };
    static constexpr std::size_t kNotQuoted = ~std::size_t(0);
    std::vector<QuotedField> m_quoted;
    std::size_t m_quotedCount = 0;
    std::size_t m_fieldCount = 0;
    std::array<bool, 256> m_special{}; // ends an unquoted field: delimiter, CR, LF
};

} // namespace jobdesk
