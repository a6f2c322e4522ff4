#include "pagejson.h"

#include "jobjson.h"

namespace jobdesk {

QJsonObject listPageToJson(const ListPage &page)
{
    QJsonArray items;
    for (const Job &job : page.items)
        items.append(jobToJson(job));
    return QJsonObject{{QStringLiteral("items"), items},
                       {QStringLiteral("next_cursor"), page.nextCursor.isEmpty()
                                                           ? QJsonValue(QJsonValue::Null)
                                                           : QJsonValue(page.nextCursor)}};
}

QJsonObject changesPageToJson(const ChangesPage &page)
{
    QJsonArray items;
    for (const JobChange &change : page.items) {
        if (change.deleted) {
            items.append(QJsonObject{{QStringLiteral("id"), change.job.id},
                                     {QStringLiteral("deleted"), true},
                                     {QStringLiteral("rev"), change.job.rev}});
        } else {
            items.append(jobToJson(change.job));
        }
    }
    return QJsonObject{{QStringLiteral("items"), items}, {QStringLiteral("rev"), page.rev}};
}

QJsonObject eventsToJson(const QList<JobEvent> &events)
{
    QJsonArray items;
    for (const JobEvent &e : events)
        items.append(e.toJson());
    return QJsonObject{{QStringLiteral("items"), items}};
}

} // namespace jobdesk
