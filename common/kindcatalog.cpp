#include "kindcatalog.h"

#include <QJsonDocument>

namespace jobdesk {

namespace {

QJsonObject parseSchema(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

KindInfo demoSleep()
{
    KindInfo k;
    k.name = QStringLiteral("demo.sleep");
    k.title = QStringLiteral("Sleep (demo)");
    k.description = QStringLiteral(
        "Sleeps for a while with progress. Can fail, crash or ignore cancellation "
        "on request: for demos and tests.");
    k.paramsSchema = parseSchema(R"json({
        "type": "object",
        "properties": {
            "duration_s": {"type": "number", "minimum": 0, "maximum": 86400, "default": 5,
                           "title": "Duration (s)"},
            "steps": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 20,
                      "title": "Progress steps"},
            "fail_at": {"type": "number", "minimum": 0, "maximum": 100,
                        "title": "Fail at percent",
                        "description": "The attempt fails with a retryable job_error on reaching this progress"},
            "crash_at": {"type": "number", "minimum": 0, "maximum": 100,
                         "title": "Crash at percent",
                         "description": "The worker process dies on reaching this progress"},
            "ignore_cancel": {"type": "boolean", "default": false,
                              "title": "Ignore cancellation"}
        },
        "required": []
    })json");
    k.defaultTimeoutS = 300;
    k.defaultMaxAttempts = 3;
    return k;
}

} // namespace

QJsonObject KindInfo::toJson() const
{
    return QJsonObject{
        {QStringLiteral("name"), name},
        {QStringLiteral("title"), title},
        {QStringLiteral("description"), description},
        {QStringLiteral("params_schema"), paramsSchema},
        {QStringLiteral("default_timeout_s"), defaultTimeoutS},
        {QStringLiteral("default_max_attempts"), defaultMaxAttempts},
    };
}

KindCatalog KindCatalog::builtin()
{
    KindCatalog catalog;
    catalog.add(demoSleep());
    return catalog;
}

void KindCatalog::add(KindInfo kind)
{
    m_kinds.append(std::move(kind));
}

const KindInfo *KindCatalog::find(const QString &name) const
{
    for (const KindInfo &k : m_kinds) {
        if (k.name == name)
            return &k;
    }
    return nullptr;
}

QJsonArray KindCatalog::toJson() const
{
    QJsonArray out;
    for (const KindInfo &k : m_kinds)
        out.append(k.toJson());
    return out;
}

} // namespace jobdesk
