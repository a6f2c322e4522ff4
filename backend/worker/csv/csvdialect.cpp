#include "csvdialect.h"

#include <map>
#include <vector>

namespace jobdesk {

namespace {

constexpr int kSampleRecords = 50;

// Field counts of the complete records in `sample` for one delimiter.
std::vector<int> fieldCounts(std::string_view sample, char delimiter)
{
    std::vector<int> counts;
    int fields = 1;
    bool inQuotes = false;
    bool lineHasText = false;
    for (std::size_t i = 0; i < sample.size() && int(counts.size()) < kSampleRecords; ++i) {
        const char c = sample[i];
        if (c == '"') {
            inQuotes = !inQuotes; // a doubled quote toggles twice
            lineHasText = true;
        } else if (inQuotes) {
            continue;
        } else if (c == delimiter) {
            ++fields;
            lineHasText = true;
        } else if (c == '\n' || c == '\r') {
            if (lineHasText)
                counts.push_back(fields);
            fields = 1;
            lineHasText = false;
        } else {
            lineHasText = true;
        }
    }
    return counts; // the unfinished last record is left out
}

} // namespace

char detectCsvDelimiter(std::string_view sample)
{
    char best = kCsvDelimiters[0];
    double bestShare = 0;
    int bestFields = 1;
    for (const char candidate : kCsvDelimiters) {
        const std::vector<int> counts = fieldCounts(sample, candidate);
        if (counts.empty())
            continue;
        std::map<int, int> frequency;
        for (int n : counts)
            ++frequency[n];
        int modeFields = 1, modeCount = 0;
        for (const auto &[fields, count] : frequency) {
            if (count > modeCount || (count == modeCount && fields > modeFields)) {
                modeFields = fields;
                modeCount = count;
            }
        }
        if (modeFields < 2)
            continue;
        const double share = double(modeCount) / double(counts.size());
        if (share > bestShare + 1e-9 || (share > bestShare - 1e-9 && modeFields > bestFields)) {
            best = candidate;
            bestShare = share;
            bestFields = modeFields;
        }
    }
    return best;
}

} // namespace jobdesk
