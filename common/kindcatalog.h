#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace jobdesk {

/// What a job kind is, as the `kinds` op and `GET /api/v1/kinds` describe it.
struct KindInfo
{
    QString name;
    QString title;
    QString description;
    QJsonObject paramsSchema;
    int defaultTimeoutS = 300;
    int defaultMaxAttempts = 3;

    QJsonObject toJson() const;
};

/// The kinds a backend accepts. The backend validates submits against it and
/// the worker validates again before it runs anything.
class KindCatalog
{
public:
    /// The kinds built into jobdesk-worker.
    static KindCatalog builtin();

    void add(KindInfo kind);
    const KindInfo *find(const QString &name) const;
    const QList<KindInfo> &kinds() const { return m_kinds; }
    QJsonArray toJson() const;

private:
    QList<KindInfo> m_kinds;
};

} // namespace jobdesk
