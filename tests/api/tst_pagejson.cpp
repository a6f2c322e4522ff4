// The pages of jobs that HTTP and ZeroMQ send (list and change feed) are
// written straight to bytes: they must say what the job objects say.

#include "controlprotocol.h"
#include "jobjson.h"
#include "pagejson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace jobdesk;

class tst_PageJson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void listPage();
    void changesPage();
};

namespace {

Job someJob(const QString &id, qint64 rev)
{
    Job job;
    job.id = id;
    job.kind = QStringLiteral("demo.sleep");
    job.params = QJsonObject{{QStringLiteral("duration_s"), 2}};
    job.message = QStringLiteral("step \"1\" of 2");
    job.createdAtMs = job.updatedAtMs = 1795000000123;
    job.rev = rev;
    return job;
}

QJsonObject parsed(const QByteArray &bytes)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    return error.error == QJsonParseError::NoError ? doc.object() : QJsonObject();
}

} // namespace

void tst_PageJson::listPage()
{
    ListPage page;
    page.items = {someJob(QStringLiteral("a"), 3), someJob(QStringLiteral("b"), 4)};
    page.nextCursor = QStringLiteral("Y3Vyc29y");
    const QJsonObject expected{
        {QStringLiteral("items"), QJsonArray{jobToJson(page.items[0]), jobToJson(page.items[1])}},
        {QStringLiteral("next_cursor"), page.nextCursor}};
    QCOMPARE(parsed(listPageJson(page)), expected);

    page.nextCursor.clear(); // the last page
    QVERIFY(parsed(listPageJson(page)).value(QStringLiteral("next_cursor")).isNull());
    QCOMPARE(parsed(listPageJson(ListPage{})).value(QStringLiteral("items")).toArray().size(), 0);

    // The ZeroMQ reply carries the same members beside its id and ok.
    const QJsonObject reply = parsed(
        encodeControlReply(QJsonValue(7), [&page](JsonWriter &w) { writeListPage(w, page); }));
    QCOMPARE(reply.value(QStringLiteral("id")).toInt(), 7);
    QVERIFY(reply.value(QStringLiteral("ok")).toBool());
    QCOMPARE(reply.value(QStringLiteral("items")), parsed(listPageJson(page)).value("items"));
}

void tst_PageJson::changesPage()
{
    ChangesPage page;
    JobChange purged;
    purged.deleted = true;
    purged.job.id = QStringLiteral("gone");
    purged.job.rev = 9;
    page.items = {JobChange{someJob(QStringLiteral("a"), 8), false}, purged};
    page.rev = 9;
    page.more = true;
    const QJsonObject expected{
        {QStringLiteral("items"),
         QJsonArray{jobToJson(page.items[0].job),
                    QJsonObject{{QStringLiteral("deleted"), true},
                                {QStringLiteral("id"), QStringLiteral("gone")},
                                {QStringLiteral("rev"), 9}}}},
        {QStringLiteral("more"), true},
        {QStringLiteral("rev"), 9}};
    QCOMPARE(parsed(changesPageJson(page)), expected);
}

QTEST_APPLESS_MAIN(tst_PageJson)
#include "tst_pagejson.moc"
