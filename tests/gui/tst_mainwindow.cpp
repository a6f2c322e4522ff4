// The main window driven with QTest against a real jobdeskd: open the new job
// dialog, fill it, submit, see the row, cancel it; validation; notification
// and opening a result; state restored on the next start.

#include "backendprocess.h"
#include "jobdetailspane.h"
#include "jobfilterproxy.h"
#include "jobnotifier.h"
#include "jobsync.h"
#include "jobtablemodel.h"
#include "mainwindow.h"
#include "newjobdialog.h"
#include "paramsform.h"
#include "statusfiltertabs.h"
#include "urlcatcher.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>
#include <memory>

using namespace jobdesk;

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void submitFromTheDialogThenCancel();
    void invalidInputKeepsTheDialogOpen();
    void finishedJobNotifiesAndItsResultOpens();
    void closingTheDialogDuringASubmitKeepsTheJob();
    void filtersAndLayoutAreRestored();

private:
    std::unique_ptr<MainWindow> openWindow();
    NewJobDialog *openDialog(MainWindow &window);
    QString submitThroughDialog(MainWindow &window, const QString &duration);
    QAction *action(MainWindow &window, const char *name);

    std::unique_ptr<BackendProcess> m_backend;
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("jobdesk-tests"));
    QSettings().clear();
    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(2), qPrintable(m_backend->errorText()));
}

void TestMainWindow::cleanupTestCase()
{
    QCOMPARE(m_backend->stop(), 0);
}

QAction *TestMainWindow::action(MainWindow &window, const char *name)
{
    return window.findChild<QAction *>(QLatin1String(name));
}

std::unique_ptr<MainWindow> TestMainWindow::openWindow()
{
    auto window = std::make_unique<MainWindow>(
        ConnectionConfig{m_backend->controlEndpoint(),
                         {},
                         {},
                         m_backend->dataDir() + QStringLiteral("/api-token")},
        false);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return nullptr;
    if (!QTest::qWaitFor([&] { return window->sync()->snapshotComplete(); }, 10000))
        return nullptr;
    return window;
}

NewJobDialog *TestMainWindow::openDialog(MainWindow &window)
{
    QAction *newJob = action(window, "newJobAction");
    if (!newJob || !newJob->isEnabled())
        return nullptr;
    newJob->trigger();
    NewJobDialog *dialog = nullptr;
    const bool shown = QTest::qWaitFor(
        [&] {
            dialog = window.findChild<NewJobDialog *>(QStringLiteral("newJobDialog"));
            return dialog && dialog->isVisible();
        },
        5000);
    return shown ? dialog : nullptr;
}

QString TestMainWindow::submitThroughDialog(MainWindow &window, const QString &duration)
{
    NewJobDialog *dialog = openDialog(window);
    if (!dialog)
        return {};
    auto *kind = dialog->findChild<QComboBox *>(QStringLiteral("kind"));
    kind->setCurrentIndex(kind->findData(QStringLiteral("demo.sleep")));
    auto *line = qobject_cast<QLineEdit *>(dialog->form()->editor(QStringLiteral("duration_s")));
    line->clear();
    QTest::keyClicks(line, duration);
    const int rowsBefore = window.model()->rowCount();
    QPointer<NewJobDialog> open(dialog);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("submit")), Qt::LeftButton);
    // The dialog closes when the submit's reply came; the new job is then selected.
    if (!QTest::qWaitFor([&] { return !open || !open->isVisible(); }, 10000))
        return {};
    if (window.model()->rowCount() != rowsBefore + 1)
        return {};
    const QList<QModelIndex> rows = window.table()->selectionModel()->selectedRows();
    return rows.size() == 1 ? rows.first().data(JobTableModel::JobIdRole).toString() : QString();
}

void TestMainWindow::submitFromTheDialogThenCancel()
{
    auto window = openWindow();
    QVERIFY(window);
    QTRY_VERIFY(action(*window, "newJobAction")->isEnabled());
    auto *connection = window->findChild<QLabel *>(QStringLiteral("connectionLabel"));
    QVERIFY2(connection->text().contains(QStringLiteral("Connected")),
             qPrintable(connection->text()));

    const QString id = submitThroughDialog(*window, QStringLiteral("60"));
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY(!window->findChild<NewJobDialog *>(QStringLiteral("newJobDialog")));
    const Job *job = window->model()->job(id);
    QVERIFY(job);
    QCOMPARE(job->kind, QStringLiteral("demo.sleep"));
    QCOMPARE(job->params.value(QStringLiteral("duration_s")).toDouble(), 60.0);
    QVERIFY(window->notifier()->isWatching(id));

    // The selected job fills the details pane, timeline included.
    auto *details = window->findChild<JobDetailsPane *>(QStringLiteral("detailsPane"));
    QCOMPARE(details->jobId(), id);
    QTRY_VERIFY_WITH_TIMEOUT(details->timelineView()->topLevelItemCount() >= 1, 5000);

    // Actions: a running job can be cancelled, not retried, has no result.
    QTRY_VERIFY(action(*window, "cancelAction")->isEnabled());
    QVERIFY(!action(*window, "retryAction")->isEnabled());
    QVERIFY(!action(*window, "openResultAction")->isEnabled());

    action(*window, "copyCurlAction")->trigger();
    const QString curl = QApplication::clipboard()->text();
    QVERIFY2(curl.startsWith(QLatin1String("curl ")) &&
                 curl.endsWith(QStringLiteral("/api/v1/jobs/") + id) &&
                 curl.contains(QLatin1String("Authorization: Bearer $(cat ")),
             qPrintable(curl));

    action(*window, "cancelAction")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window->model()->job(id)->status, JobStatus::Cancelled, 15000);
    QTRY_VERIFY(!action(*window, "cancelAction")->isEnabled());
    QVERIFY(action(*window, "retryAction")->isEnabled());
    // The timeline caught up with the cancellation.
    QTRY_VERIFY_WITH_TIMEOUT(details->timelineView()
                                     ->findItems(QStringLiteral("CANCELLED"), Qt::MatchContains, 2)
                                     .size() >= 1,
                             5000);

    // A re-drive puts it back to work, and the window follows it again.
    QTRY_VERIFY(!window->notifier()->isWatching(id)); // it ended: no longer followed
    action(*window, "retryAction")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!isTerminal(window->model()->job(id)->status), 15000);
    QVERIFY(window->notifier()->isWatching(id));
    QTRY_VERIFY(action(*window, "cancelAction")->isEnabled());
    action(*window, "cancelAction")->trigger(); // leave no 60 s job running
    QTRY_COMPARE_WITH_TIMEOUT(window->model()->job(id)->status, JobStatus::Cancelled, 15000);
}

void TestMainWindow::invalidInputKeepsTheDialogOpen()
{
    auto window = openWindow();
    QVERIFY(window);
    QTRY_VERIFY(action(*window, "newJobAction")->isEnabled());
    NewJobDialog *dialog = openDialog(*window);
    QVERIFY(dialog);
    auto *line = qobject_cast<QLineEdit *>(dialog->form()->editor(QStringLiteral("duration_s")));
    line->clear();
    QTest::keyClicks(line, QStringLiteral("-5"));
    const int rows = window->model()->rowCount();
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("submit")), Qt::LeftButton);
    QTest::qWait(300);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->form()->findChild<QLabel *>(QStringLiteral("duration_sError"))->isVisible());
    QCOMPARE(window->model()->rowCount(), rows);
    dialog->reject();
}

void TestMainWindow::finishedJobNotifiesAndItsResultOpens()
{
    UrlCatcher catcher;
    QDesktopServices::setUrlHandler(QStringLiteral("file"), &catcher, "openUrl");
    auto unset = qScopeGuard([] { QDesktopServices::unsetUrlHandler(QStringLiteral("file")); });
    auto window = openWindow();
    QVERIFY(window);
    QTRY_VERIFY(action(*window, "newJobAction")->isEnabled());
    QSignalSpy notified(window->notifier(), &JobNotifier::notified);

    const QString id = submitThroughDialog(*window, QStringLiteral("0.3"));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 1, 15000);
    QCOMPARE(notified.at(0).at(0).toString(), id);
    QCOMPARE(notified.at(0).at(1).toString(), QStringLiteral("Job completed"));

    window->selectJob(id);
    QTRY_VERIFY(action(*window, "openResultAction")->isEnabled());
    QVERIFY(action(*window, "saveResultAction")->isEnabled());
    action(*window, "openResultAction")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(catcher.opened.size(), 1, 10000);
    QFile file(catcher.opened.first().toLocalFile());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const Job *job = window->model()->job(id);
    QCOMPARE(file.size(), job->result->size);
    QVERIFY(!QJsonDocument::fromJson(file.readAll()).isNull());

    // Opening again uses the cached copy.
    action(*window, "openResultAction")->trigger();
    QTRY_COMPARE(catcher.opened.size(), 2);
    QCOMPARE(catcher.opened[1], catcher.opened[0]);

    // Nothing opens it (no handler; offscreen has no desktop): the window
    // says where the file is and offers what works without one.
    QDesktopServices::unsetUrlHandler(QStringLiteral("file"));
    action(*window, "openResultAction")->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = window->findChild<QMessageBox *>(QStringLiteral("openResultFailedBox"))));
    const QString path = catcher.opened.first().toLocalFile();
    QVERIFY2(window->statusBar()->currentMessage().contains(path),
             qPrintable(window->statusBar()->currentMessage()));
    QStringList buttons;
    for (QAbstractButton *button : box->buttons())
        buttons.append(button->text());
    QVERIFY2(buttons.contains(QStringLiteral("Show in folder")) &&
                 buttons.contains(QStringLiteral("Save as…")),
             qPrintable(buttons.join(QLatin1Char(','))));
    box->reject();
    QCOMPARE(catcher.opened.size(), 2);
}

void TestMainWindow::closingTheDialogDuringASubmitKeepsTheJob()
{
    auto window = openWindow();
    QVERIFY(window);
    QTRY_VERIFY(action(*window, "newJobAction")->isEnabled());
    NewJobDialog *dialog = openDialog(*window);
    QVERIFY(dialog);
    auto *line = qobject_cast<QLineEdit *>(dialog->form()->editor(QStringLiteral("duration_s")));
    line->clear();
    QTest::keyClicks(line, QStringLiteral("30"));
    const int rows = window->model()->rowCount();
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("submit")), Qt::LeftButton);
    // Closed before the reply can have been read (it needs the event loop).
    QPointer<NewJobDialog> open(dialog);
    dialog->reject();
    QTRY_VERIFY(!open);
    QTRY_COMPARE_WITH_TIMEOUT(window->model()->rowCount(), rows + 1, 10000);
    const QList<QModelIndex> selected = window->table()->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    const QString id = selected.first().data(JobTableModel::JobIdRole).toString();
    QVERIFY(window->notifier()->isWatching(id));
    QVERIFY2(window->statusBar()->currentMessage().contains(QLatin1String("Submitted")),
             qPrintable(window->statusBar()->currentMessage()));
    QTRY_VERIFY(action(*window, "cancelAction")->isEnabled());
    action(*window, "cancelAction")->trigger(); // leave no 30 s job running
    QTRY_COMPARE_WITH_TIMEOUT(window->model()->job(id)->status, JobStatus::Cancelled, 15000);
}

void TestMainWindow::filtersAndLayoutAreRestored()
{
    {
        auto window = openWindow();
        QVERIFY(window);
        window->findChild<StatusFilterTabs *>(QStringLiteral("statusTabs"))->setCurrentIndex(3);
        window->findChild<QLineEdit *>(QStringLiteral("search"))->setText(QStringLiteral("demo"));
        window->table()->horizontalHeader()->setSortIndicator(JobTableModel::ProgressColumn,
                                                              Qt::AscendingOrder);
        window->close();
    }
    auto window = openWindow();
    QVERIFY(window);
    QCOMPARE(window->findChild<StatusFilterTabs *>(QStringLiteral("statusTabs"))->currentIndex(),
             3);
    QCOMPARE(window->proxy()->statusFilter(), QList<JobStatus>{JobStatus::Failed});
    QCOMPARE(window->findChild<QLineEdit *>(QStringLiteral("search"))->text(),
             QStringLiteral("demo"));
    QCOMPARE(window->proxy()->textFilter(), QStringLiteral("demo"));
    QCOMPARE(window->proxy()->sortColumn(), int(JobTableModel::ProgressColumn));
    QCOMPARE(window->proxy()->sortOrder(), Qt::AscendingOrder);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
