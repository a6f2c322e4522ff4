#include "http/apimetrics.h"
#include "http/labeledcounter.h"
#include "http/labeledhistogram.h"
#include "http/prometheuswriter.h"

#include <QTest>

using namespace jobdesk;

class tst_Prometheus : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void values_data();
    void values();
    void labelValuesEscaped();
    void counterFamily();
    void histogramIsCumulativeWithInf();
    void contractMetricNames();
};

void tst_Prometheus::values_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("integer") << 42.0 << QByteArray("42");
    QTest::newRow("fraction") << 0.25 << QByteArray("0.25");
    QTest::newRow("shortest round trip") << 0.005 << QByteArray("0.005");
    QTest::newRow("infinity") << qInf() << QByteArray("+Inf");
    QTest::newRow("not a number") << qQNaN() << QByteArray("NaN");
}

void tst_Prometheus::values()
{
    QFETCH(double, value);
    QFETCH(QByteArray, text);
    QCOMPARE(QByteArray::fromStdString(PrometheusWriter::formatValue(value)), text);
}

void tst_Prometheus::labelValuesEscaped()
{
    PrometheusWriter w;
    w.sample("m", {{"route", "a\"b\\c\nd"}}, 1);
    QCOMPARE(QByteArray::fromStdString(w.text()), QByteArray("m{route=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

void tst_Prometheus::counterFamily()
{
    LabeledCounter c("x_total", "Things.", {"kind", "status"});
    c.increment({"a", "OK"});
    c.increment({"a", "OK"}, 2);
    c.increment({"b", "FAILED"});
    QCOMPARE(c.value({"a", "OK"}), 3.0);
    QCOMPARE(c.value({"z", "OK"}), 0.0);
    PrometheusWriter w;
    c.writeTo(w);
    QCOMPARE(QByteArray::fromStdString(w.text()),
             QByteArray("# HELP x_total Things.\n# TYPE x_total counter\n"
                        "x_total{kind=\"a\",status=\"OK\"} 3\n"
                        "x_total{kind=\"b\",status=\"FAILED\"} 1\n"));
}

void tst_Prometheus::histogramIsCumulativeWithInf()
{
    LabeledHistogram h("d_seconds", "Durations.", {"route"}, {0.1, 1});
    h.observe({"/x"}, 0.05);
    h.observe({"/x"}, 0.1); // le is inclusive
    h.observe({"/x"}, 0.5);
    h.observe({"/x"}, 7);
    const LabeledHistogram::Series s = h.series({"/x"});
    QCOMPARE(s.count, 4u);
    QCOMPARE(s.buckets, (std::vector<std::uint64_t>{2, 1, 1}));
    PrometheusWriter w;
    h.writeTo(w);
    QCOMPARE(QByteArray::fromStdString(w.text()),
             QByteArray("# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n"
                        "d_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
                        "d_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
                        "d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
                        "d_seconds_sum{route=\"/x\"} 7.65\n"
                        "d_seconds_count{route=\"/x\"} 4\n"));
}

void tst_Prometheus::contractMetricNames()
{
    ApiMetrics metrics;
    metrics.jobsSubmitted.increment({"demo.sleep"});
    metrics.jobsFinished.increment({"demo.sleep", "COMPLETED"});
    metrics.jobDuration.observe({}, 2);
    metrics.httpRequests.increment({"/api/v1/jobs", "202"});
    metrics.httpDuration.observe({"/api/v1/jobs"}, 0.002);
    const QByteArray text = QByteArray::fromStdString(metrics.render(
        {{"jobdesk_queue_depth", "Queued.", 3}, {"jobdesk_workers_busy", "Busy.", 1}}));
    for (const char *line :
         {"# TYPE jobdesk_jobs_submitted_total counter",
          "jobdesk_jobs_submitted_total{kind=\"demo.sleep\"} 1",
          "jobdesk_jobs_finished_total{kind=\"demo.sleep\",status=\"COMPLETED\"} 1",
          "# TYPE jobdesk_queue_depth gauge", "jobdesk_queue_depth 3", "jobdesk_workers_busy 1",
          "# TYPE jobdesk_job_duration_seconds histogram",
          "jobdesk_job_duration_seconds_bucket{le=\"2.5\"} 1",
          "jobdesk_job_duration_seconds_count 1",
          "jobdesk_http_requests_total{route=\"/api/v1/jobs\",code=\"202\"} 1",
          "# TYPE jobdesk_http_request_duration_seconds histogram",
          "jobdesk_http_request_duration_seconds_bucket{route=\"/api/v1/jobs\",le=\"0.0025\"} 1"}) {
        QVERIFY2(text.contains(QByteArray(line) + '\n'), line);
    }
}

QTEST_APPLESS_MAIN(tst_Prometheus)
#include "tst_prometheus.moc"
