#include "kindlist.h"

#include "reliability.h"

namespace jobdesk {

QList<KindInfo> kindsFromJson(const QJsonArray &kinds)
{
    QList<KindInfo> out;
    for (const QJsonValue &v : kinds) {
        const QJsonObject o = v.toObject();
        KindInfo k;
        k.name = o.value(QStringLiteral("name")).toString();
        if (k.name.isEmpty())
            continue;
        k.title = o.value(QStringLiteral("title")).toString();
        k.description = o.value(QStringLiteral("description")).toString();
        k.paramsSchema = o.value(QStringLiteral("params_schema")).toObject();
        k.defaultTimeoutS =
            o.value(QStringLiteral("default_timeout_s")).toInt(reliability::kDefaultTimeoutS);
        k.defaultMaxAttempts =
            o.value(QStringLiteral("default_max_attempts")).toInt(reliability::kDefaultMaxAttempts);
        out.append(k);
    }
    return out;
}

} // namespace jobdesk
