#include "http/apiroute.h"

#include <QTest>

using namespace jobdesk;

Q_DECLARE_METATYPE(jobdesk::ApiResource)

namespace {
const QByteArray kId = "0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b";
}

class tst_ApiRoute : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void methods_data();
    void methods();
};

void tst_ApiRoute::parse_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<ApiResource>("resource");
    QTest::addColumn<QString>("jobId");
    QTest::addColumn<bool>("needsAuth");

    QTest::newRow("health") << QByteArray("/healthz") << ApiResource::Health << QString() << false;
    QTest::newRow("jobs") << QByteArray("/api/v1/jobs") << ApiResource::Jobs << QString() << true;
    QTest::newRow("job") << "/api/v1/jobs/" + kId << ApiResource::Job << QString(kId) << true;
    QTest::newRow("job_upper_case_id")
        << "/api/v1/jobs/" + kId.toUpper() << ApiResource::Job << QString(kId) << true;
    QTest::newRow("cancel") << "/api/v1/jobs/" + kId + "/cancel" << ApiResource::JobCancel
                            << QString(kId) << true;
    QTest::newRow("retry") << "/api/v1/jobs/" + kId + "/retry" << ApiResource::JobRetry
                           << QString(kId) << true;
    QTest::newRow("result") << "/api/v1/jobs/" + kId + "/result" << ApiResource::JobResult
                            << QString(kId) << true;
    QTest::newRow("events") << "/api/v1/jobs/" + kId + "/events" << ApiResource::JobEvents
                            << QString(kId) << true;
    QTest::newRow("kinds") << QByteArray("/api/v1/kinds") << ApiResource::Kinds << QString()
                           << true;
    QTest::newRow("stats") << QByteArray("/api/v1/stats") << ApiResource::Stats << QString()
                           << true;
    QTest::newRow("openapi") << QByteArray("/api/v1/openapi.json") << ApiResource::OpenApi
                             << QString() << true;
    QTest::newRow("readiness") << QByteArray("/readyz") << ApiResource::Ready << QString()
                               << false;
    QTest::newRow("metrics") << QByteArray("/metrics") << ApiResource::Metrics << QString()
                             << false;
    QTest::newRow("metrics_under_api")
        << QByteArray("/api/v1/metrics") << ApiResource::Unknown << QString() << true;

    QTest::newRow("api_root") << QByteArray("/api/v1") << ApiResource::Unknown << QString() << true;
    QTest::newRow("api_root_slash")
        << QByteArray("/api/v1/") << ApiResource::Unknown << QString() << true;
    QTest::newRow("unknown_under_api")
        << QByteArray("/api/v1/nope") << ApiResource::Unknown << QString() << true;
    QTest::newRow("unknown_job_action")
        << "/api/v1/jobs/" + kId + "/explode" << ApiResource::Unknown << QString() << true;
    QTest::newRow("too_deep") << "/api/v1/jobs/" + kId + "/result/x" << ApiResource::Unknown
                              << QString() << true;
    QTest::newRow("jobs_trailing_slash")
        << QByteArray("/api/v1/jobs/") << ApiResource::Unknown << QString() << true;
    QTest::newRow("double_slash") << "/api/v1//jobs/" + kId << ApiResource::Unknown << QString()
                                  << true;
    QTest::newRow("outside_api") << QByteArray("/etc/passwd") << ApiResource::Unknown << QString()
                                 << false;
    QTest::newRow("api_lookalike")
        << QByteArray("/api/v1jobs") << ApiResource::Unknown << QString() << false;
    QTest::newRow("root") << QByteArray("/") << ApiResource::Unknown << QString() << false;
    QTest::newRow("health_with_slash")
        << QByteArray("/healthz/") << ApiResource::Unknown << QString() << false;

    QTest::newRow("id_not_uuid") << QByteArray("/api/v1/jobs/42") << ApiResource::BadJobId
                                 << QString() << true;
    QTest::newRow("id_dot_dot") << QByteArray("/api/v1/jobs/..") << ApiResource::BadJobId
                                << QString() << true;
    QTest::newRow("id_dot_dot_then_kinds")
        << QByteArray("/api/v1/jobs/../kinds") << ApiResource::Unknown << QString() << true;
    QTest::newRow("id_with_encoded_slash")
        << QByteArray("/api/v1/jobs/..%2Fkinds") << ApiResource::BadJobId << QString() << true;
    QTest::newRow("id_percent_encoded") << "/api/v1/jobs/" + kId.toPercentEncoding("", "-")
                                        << ApiResource::BadJobId << QString() << true;
    QTest::newRow("id_without_hyphens") << "/api/v1/jobs/" + QByteArray(kId).replace("-", "")
                                        << ApiResource::BadJobId << QString() << true;
    QTest::newRow("id_bad_on_result")
        << QByteArray("/api/v1/jobs/x/result") << ApiResource::BadJobId << QString() << true;
}

void tst_ApiRoute::parse()
{
    QFETCH(QByteArray, path);
    QFETCH(ApiResource, resource);
    QFETCH(QString, jobId);
    QFETCH(bool, needsAuth);

    const ApiRoute route = parseApiRoute(path.toStdString());
    QCOMPARE(route.resource, resource);
    QCOMPARE(route.jobId, jobId);
    QCOMPARE(route.needsAuth, needsAuth);
}

void tst_ApiRoute::methods_data()
{
    QTest::addColumn<ApiResource>("resource");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("jobs_get") << ApiResource::Jobs << QByteArray("GET") << true;
    QTest::newRow("jobs_post") << ApiResource::Jobs << QByteArray("POST") << true;
    QTest::newRow("jobs_head") << ApiResource::Jobs << QByteArray("HEAD") << true;
    QTest::newRow("jobs_delete") << ApiResource::Jobs << QByteArray("DELETE") << false;
    QTest::newRow("job_post") << ApiResource::Job << QByteArray("POST") << false;
    QTest::newRow("cancel_post") << ApiResource::JobCancel << QByteArray("POST") << true;
    QTest::newRow("cancel_get") << ApiResource::JobCancel << QByteArray("GET") << false;
    QTest::newRow("retry_post") << ApiResource::JobRetry << QByteArray("POST") << true;
    QTest::newRow("retry_get") << ApiResource::JobRetry << QByteArray("GET") << false;
    QTest::newRow("method_is_case_sensitive") << ApiResource::Job << QByteArray("get") << false;
    QTest::newRow("partial_name") << ApiResource::Jobs << QByteArray("GE") << false;
    QTest::newRow("unknown_resource") << ApiResource::Unknown << QByteArray("GET") << false;
}

void tst_ApiRoute::methods()
{
    QFETCH(ApiResource, resource);
    QFETCH(QByteArray, method);
    QFETCH(bool, allowed);
    QCOMPARE(isMethodAllowed(resource, method.toStdString()), allowed);
}

QTEST_GUILESS_MAIN(tst_ApiRoute)
#include "tst_apiroute.moc"
