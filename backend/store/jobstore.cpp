#include "jobstore.h"

#include "timeformat.h"

namespace jobdesk {

QJsonObject JobEvent::toJson() const
{
    QJsonObject o = data;
    o.insert(QStringLiteral("seq"), seq);
    o.insert(QStringLiteral("at"), formatTimestamp(atMs));
    o.insert(QStringLiteral("type"), type);
    return o;
}

} // namespace jobdesk
