#include "csvreader.h"

#include "utf8.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace jobdesk {

namespace {

constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

QString megabytes(std::size_t bytes)
{
    return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 0);
}

} // namespace

CsvReader::CsvReader(int fd, Options options)
    : m_fd(fd)
    , m_options(options)
    , m_buffer(std::max<std::size_t>(options.bufferBytes, 4))
{
    setDelimiter(',');
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

void CsvReader::setDelimiter(char delimiter)
{
    m_delimiter = delimiter;
    m_special.fill(false);
    m_special[static_cast<unsigned char>(delimiter)] = true;
    m_special['\r'] = true;
    m_special['\n'] = true;
}

bool CsvReader::fill()
{
    if (m_eof)
        return true;
    if (m_pos > 0) {
        std::memmove(m_buffer.data(), m_buffer.data() + m_pos, m_end - m_pos);
        m_end -= m_pos;
        m_asciiUntil = m_asciiUntil > m_pos ? m_asciiUntil - m_pos : 0;
        m_pos = 0;
    }
    if (m_end == m_buffer.size()) {
        // One record fills the whole buffer: grow, within the limit.
        if (m_buffer.size() >= m_options.maxRecordBytes) {
            m_error = QStringLiteral("line %1: a record longer than %2 (is a quote not closed?)")
                          .arg(m_line)
                          .arg(megabytes(m_options.maxRecordBytes));
            return false;
        }
        m_buffer.resize(std::min(m_buffer.size() * 2, m_options.maxRecordBytes));
    }
    for (;;) {
        const ssize_t n = ::read(m_fd, m_buffer.data() + m_end, m_buffer.size() - m_end);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            m_error = QStringLiteral("cannot read: %1").arg(errnoText(errno));
            m_readFailed = true;
            return false;
        }
        if (n == 0)
            m_eof = true;
        m_end += std::size_t(n);
        m_bytesRead += n;
        break;
    }
    if (!m_started && (m_end >= sizeof kBom || m_eof)) {
        m_started = true;
        if (m_end >= sizeof kBom && std::memcmp(m_buffer.data(), kBom, sizeof kBom) == 0) {
            m_bom = true;
            m_pos = sizeof kBom;
        }
    }
    return true;
}

std::string_view CsvReader::peek(std::size_t size)
{
    size = std::min(size, m_buffer.size() - sizeof kBom);
    while ((!m_started || m_end - m_pos < size) && !m_eof && m_error.isEmpty()) {
        if (!fill())
            break;
    }
    return std::string_view(m_buffer.data() + m_pos, std::min(size, m_end - m_pos));
}

CsvReader::Status CsvReader::next(CsvRecord &record)
{
    if (!m_error.isEmpty())
        return Status::Error;
    for (;;) {
        if (!m_started || m_pos == m_end) {
            if (m_eof && m_started)
                return Status::End;
            if (!fill())
                return Status::Error;
            continue;
        }
        std::size_t recordEnd = 0;
        switch (scan(record, recordEnd)) {
        case Scan::NeedMore:
            if (!fill())
                return Status::Error;
            continue;
        case Scan::Error:
            return Status::Error;
        case Scan::Complete:
            break;
        }
        const std::size_t start = m_pos;
        m_pos = recordEnd;
        // An empty line is no record (a one-column file's empty value would
        // be indistinguishable; such files are rare and pandas agrees).
        if (m_fieldCount == 1 && m_quotedCount == 0 && record.fields[0].empty())
            continue;
        record.invalidUtf8 = !isUtf8(start, recordEnd);
        finishFields(record);
        return Status::Record;
    }
}

CsvReader::Status CsvReader::nextBatch(std::vector<CsvRecord> &batch, std::size_t *count)
{
    *count = 0;
    if (!m_error.isEmpty())
        return Status::Error;
    while (*count < batch.size()) {
        if (!m_started || m_pos == m_end) {
            if (m_eof && m_started)
                break;
            // Refilling moves the buffer's contents: only between batches.
            if (*count > 0)
                break;
            if (!fill())
                return Status::Error;
            continue;
        }
        CsvRecord &record = batch[*count];
        std::size_t recordEnd = 0;
        const Scan result = scan(record, recordEnd);
        if (result == Scan::Error)
            return Status::Error;
        if (result == Scan::NeedMore) {
            if (*count > 0)
                break;
            if (!fill())
                return Status::Error;
            continue;
        }
        const std::size_t start = m_pos;
        m_pos = recordEnd;
        if (m_fieldCount == 1 && m_quotedCount == 0 && record.fields[0].empty())
            continue;
        record.invalidUtf8 = !isUtf8(start, recordEnd);
        finishFields(record);
        ++*count;
    }
    return *count > 0 ? Status::Record : Status::End;
}

CsvReader::Scan CsvReader::scan(CsvRecord &record, std::size_t &recordEnd)
{
    const char *b = m_buffer.data();
    const std::size_t end = m_end;
    const char delimiter = m_delimiter;
    std::size_t p = m_pos;
    long long newlinesInside = 0;
    m_fieldCount = 0;
    m_quotedCount = 0;
    // Use the whole capacity; finishFields() cuts it to the fields found.
    record.fields.resize(std::max<std::size_t>(record.fields.capacity(), 16));
    record.badQuoting = false;

    for (;;) {
        const std::size_t fieldBegin = p;
        std::size_t closingQuote = kNotQuoted;
        if (p < end && b[p] == '"') {
            ++p;
            for (;;) {
                const auto *q = static_cast<const char *>(std::memchr(b + p, '"', end - p));
                if (!q) {
                    if (!m_eof)
                        return Scan::NeedMore;
                    m_error = QStringLiteral("line %1: a quoted field is not closed before the end "
                                             "of the file")
                                  .arg(m_line + newlinesInside);
                    return Scan::Error;
                }
                const std::size_t at = std::size_t(q - b);
                newlinesInside += std::count(b + p, q, '\n');
                p = at + 1;
                if (p == end && !m_eof)
                    return Scan::NeedMore; // a doubled quote may continue in the next block
                if (p < end && b[p] == '"') {
                    ++p;
                    continue;
                }
                closingQuote = at;
                break;
            }
            if (p < end && !m_special[static_cast<unsigned char>(b[p])])
                record.badQuoting = true; // "ab"c: the rest is taken as it is
        }
        p = skipPlain(b, p, end);
        if (p == end) {
            if (!m_eof)
                return Scan::NeedMore;
            addField(record, fieldBegin, p, closingQuote);
            recordEnd = p;
            break;
        }
        addField(record, fieldBegin, p, closingQuote);
        if (b[p] == delimiter) {
            ++p;
            continue;
        }
        if (b[p] == '\r') {
            if (p + 1 == end && !m_eof)
                return Scan::NeedMore; // CR LF split across blocks
            p += (p + 1 < end && b[p + 1] == '\n') ? 2 : 1;
        } else {
            ++p; // LF
        }
        recordEnd = p;
        record.line = m_line;
        m_line += newlinesInside + 1;
        return Scan::Complete;
    }
    // The last record, without a line break.
    record.line = m_line;
    m_line += newlinesInside;
    return Scan::Complete;
}

std::size_t CsvReader::skipPlain(const char *b, std::size_t p, std::size_t end) const
{
#ifdef __SSE2__
    // Sixteen bytes at a time: where is the next delimiter, CR or LF?
    const __m128i delimiter = _mm_set1_epi8(m_delimiter);
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    while (p + 16 <= end) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(b + p));
        const __m128i hits =
            _mm_or_si128(_mm_cmpeq_epi8(v, delimiter),
                         _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        const int mask = _mm_movemask_epi8(hits);
        if (mask != 0)
            return p + std::size_t(__builtin_ctz(unsigned(mask)));
        p += 16;
    }
#endif
    while (p < end && !m_special[static_cast<unsigned char>(b[p])])
        ++p;
    return p;
}

bool CsvReader::isUtf8(std::size_t start, std::size_t end)
{
    // Most files are ASCII: find how far the buffer is, sixteen bytes at a
    // time, and validate only records that reach past that.
    if (end > m_asciiUntil) {
        const char *b = m_buffer.data();
        std::size_t p = std::max(m_asciiUntil, start);
#ifdef __SSE2__
        while (p + 16 <= m_end &&
               _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(b + p))) == 0)
            p += 16;
#endif
        while (p < m_end && static_cast<unsigned char>(b[p]) < 0x80)
            ++p;
        m_asciiUntil = p;
    }
    return end <= m_asciiUntil || isValidUtf8(m_buffer.data() + start, end - start);
}

void CsvReader::addField(CsvRecord &record, std::size_t begin, std::size_t end,
                         std::size_t closingQuote)
{
    if (m_fieldCount == record.fields.size())
        record.fields.resize(record.fields.size() * 2);
    const char *b = m_buffer.data();
    record.fields[m_fieldCount] = std::string_view(b + begin, end - begin);
    if (closingQuote != kNotQuoted) {
        if (m_quotedCount == m_quoted.size())
            m_quoted.resize(std::max<std::size_t>(16, m_quoted.size() * 2));
        // Member by member: a whole-struct copy from the stack stalls on
        // store forwarding in this, the reader's hottest loop.
        QuotedField &q = m_quoted[m_quotedCount++];
        q.field = m_fieldCount;
        q.begin = begin;
        q.end = end;
        q.closingQuote = closingQuote;
    }
    ++m_fieldCount;
}

void CsvReader::finishFields(CsvRecord &record)
{
    record.fields.resize(m_fieldCount);
    // Only quoted fields need work: unquote them in place. The text only
    // gets shorter, so writing never overtakes reading.
    char *b = m_buffer.data();
    for (std::size_t k = 0; k < m_quotedCount; ++k) {
        const QuotedField &q = m_quoted[k];
        std::size_t w = q.begin;
        for (std::size_t r = q.begin + 1; r < q.closingQuote; ++r) {
            b[w++] = b[r];
            if (b[r] == '"')
                ++r; // the second quote of a doubled pair
        }
        for (std::size_t r = q.closingQuote + 1; r < q.end; ++r)
            b[w++] = b[r];
        record.fields[q.field] = std::string_view(b + q.begin, w - q.begin);
    }
}

} // namespace jobdesk
