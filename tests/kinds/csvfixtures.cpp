#include "csvfixtures.h"

#include <QFile>
#include <cstdio>
#include <random>
#include <string>

namespace csvfixtures {

bool write(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.flush();
}

long long writeSales(const QString &path, long long targetBytes, unsigned seed)
{
    std::FILE *out = std::fopen(QFile::encodeName(path).constData(), "wb");
    if (!out)
        return -1;
    std::setvbuf(out, nullptr, _IOFBF, 1 << 20);
    static const char *const regions[] = {"north", "south", "east", "west", "central"};
    std::mt19937_64 rng(seed);
    std::string line;
    line.reserve(256);
    const char header[] = "id,region,amount,quantity,day,paid,customer,note\n";
    std::fputs(header, out);
    long long written = static_cast<long long>(sizeof header - 1);
    long long rows = 0;
    char buffer[64];
    while (written < targetBytes) {
        ++rows;
        const std::uint64_t r = rng();
        line.clear();
        line += std::to_string(rows);
        line += ',';
        line += regions[r % 5];
        line += ',';
        std::snprintf(buffer, sizeof buffer, "%.2f", double((r >> 8) % 1000000) / 100.0);
        line += buffer;
        line += ',';
        line += std::to_string((r >> 28) % 50 + 1);
        line += ',';
        const int day = int((r >> 34) % 365);
        std::snprintf(buffer, sizeof buffer, "2024-%02d-%02d", day / 31 % 12 + 1, day % 28 + 1);
        line += buffer;
        line += ',';
        line += (r >> 44) & 1 ? "true" : "false";
        line += ',';
        std::snprintf(buffer, sizeof buffer, "customer %05u", unsigned((r >> 45) % 50000));
        line += buffer;
        line += ',';
        switch ((r >> 61) & 3) {
        case 0:
            break; // missing
        case 1:
            line += "\"late, but \"\"fine\"\"\"";
            break;
        case 2:
            line += "on time";
            break;
        default:
            line += "\"two\nlines\"";
            break;
        }
        line += '\n';
        if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
            std::fclose(out);
            return -1;
        }
        written += static_cast<long long>(line.size());
    }
    return std::fclose(out) == 0 ? rows : -1;
}

} // namespace csvfixtures
