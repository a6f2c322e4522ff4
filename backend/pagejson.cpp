#include "pagejson.h"

#include "jobjson.h"
#include "jsonwriter.h"

namespace jobdesk {

void writeListPage(JsonWriter &w, const ListPage &page)
{
    w.key("items");
    w.beginArray();
    for (const Job &job : page.items)
        w.raw(jobToJsonBytes(job));
    w.endArray();
    w.key("next_cursor");
    if (page.nextCursor.isEmpty())
        w.null();
    else
        w.string(page.nextCursor);
}

void writeChangesPage(JsonWriter &w, const ChangesPage &page)
{
    w.key("items");
    w.beginArray();
    for (const JobChange &change : page.items) {
        if (!change.deleted) {
            w.raw(jobToJsonBytes(change.job));
            continue;
        }
        w.beginObject();
        w.key("deleted");
        w.boolean(true);
        w.key("id");
        w.string(change.job.id);
        w.key("rev");
        w.integer(change.job.rev);
        w.endObject();
    }
    w.endArray();
    w.key("more");
    w.boolean(page.more);
    w.key("rev");
    w.integer(page.rev);
}

namespace {

template <typename Page>
QByteArray wholeObject(const Page &page, void (*writeMembers)(JsonWriter &, const Page &))
{
    QByteArray out;
    JsonWriter w(out);
    w.beginObject();
    writeMembers(w, page);
    w.endObject();
    return out;
}

} // namespace

QByteArray listPageJson(const ListPage &page)
{
    return wholeObject(page, &writeListPage);
}

QByteArray changesPageJson(const ChangesPage &page)
{
    return wholeObject(page, &writeChangesPage);
}

QJsonObject eventsToJson(const QList<JobEvent> &events)
{
    QJsonArray items;
    for (const JobEvent &e : events)
        items.append(e.toJson());
    return QJsonObject{{QStringLiteral("items"), items}};
}

} // namespace jobdesk
