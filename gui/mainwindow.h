#pragma once

#include "appsettings.h"
#include "backendclient.h"
#include "kindcatalog.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;
class QToolButton;

namespace jobdesk {

class DashboardView;
class JobDetailsPane;
class JobFilterProxy;
class JobNotifier;
class JobSync;
class JobTableModel;
class LocalBackendLauncher;
class NewJobDialog;
class ResultDownloader;
class StatusFilterTabs;
struct DashboardJobFilter;
struct Job;

/// The jobdesk window: two pages, the jobs table (with its filters, the
/// details pane and the actions: new, cancel, retry, open/save result, copy
/// id/curl) and the dashboard; the connection in the status bar, and the
/// tray icon.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    /// `offerLocalBackend`: when nothing answers at the default endpoint,
    /// offer to start jobdeskd (only when jobdesk was started without flags).
    MainWindow(const ConnectionConfig &connection, bool offerLocalBackend,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    BackendClient *client() const { return m_client; }
    JobTableModel *model() const { return m_model; }
    JobFilterProxy *proxy() const { return m_proxy; }
    JobSync *sync() const { return m_sync; }
    JobNotifier *notifier() const { return m_notifier; }
    QTableView *table() const { return m_table; }
    DashboardView *dashboard() const { return m_dashboard; }

    enum Page
    {
        JobsPage,
        DashboardPage
    };
    void showPage(Page page);
    Page currentPage() const;
    /// The page named `name` ("jobs", "dashboard"), or nullopt.
    static std::optional<Page> pageNamed(const QString &name);
    /// Shows the jobs table filtered on what a dashboard tile counts; every
    /// kind and text, so the rows are the jobs the tile counted.
    void showJobs(const DashboardJobFilter &filter);

    /// Selects a job's row, clearing filters that hide it, and shows the window.
    void selectJob(const QString &id);
    /// Opens the new job dialog (fetching the kinds first if needed).
    void newJob();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createToolBar();
    void createCentralWidgets();
    void createStatusBar();
    void createTray();
    void restoreWindowState();
    void saveWindowState() const;
    void applySettings(const AppSettings &settings);

    void onStateChanged(ConnectionState state);
    void onConnected(const BackendInfo &info);
    void fetchKinds(std::function<void()> then = {});
    void offerToStartBackend();
    void updateKindFilter();
    void updateActions();
    void updateCounts();
    void updateEmptyHint();
    void onSelectionChanged();
    void onBatchApplied();
    void refreshTimeline();

    QList<const Job *> selectedJobs() const;
    const Job *currentJob() const;
    void openNewJobDialog();
    void cancelSelected();
    void retrySelected();
    /// Sends a job op (`cancel`, `retry`) for `id`; shows the job as the
    /// backend answers, or `refusal` (with %1 the job, %2 why).
    void sendJobOp(const QString &op, const QString &id, const QString &refusal,
                   std::function<void()> accepted);
    void openResult();
    void saveResultAs();
    void copyIds();
    void copyCurl();
    void showSettings();
    void showContextMenu(const QPoint &pos);
    void onDownloadFinished(const QString &jobId, const QString &path);
    /// Opens a downloaded result; when nothing opens it, says where it is
    /// and offers "Show in folder" and "Save as…".
    void openSavedResult(const QString &path);
    void saveCopyAs(const QString &path);
    void showMessage(const QString &text, int timeoutMs = 6000);
    void clearNarrowedStatus();

    AppSettings m_settings;
    ConnectionConfig m_connection;
    bool m_offerLocalBackend = false;
    bool m_offered = false;

    BackendClient *m_client = nullptr;
    JobTableModel *m_model = nullptr;
    JobFilterProxy *m_proxy = nullptr;
    JobSync *m_sync = nullptr;
    JobNotifier *m_notifier = nullptr;
    ResultDownloader *m_downloader = nullptr;
    std::unique_ptr<LocalBackendLauncher> m_launcher;
    QList<KindInfo> m_kinds;
    QPointer<NewJobDialog> m_newJobDialog;
    QHash<QString, bool> m_openWhenDownloaded; // job id -> open (true) or just save

    QTabWidget *m_pages = nullptr;
    DashboardView *m_dashboard = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_narrowedLabel = nullptr; // "Only dead letters", set from the dashboard
    QToolButton *m_clearNarrowed = nullptr;
    StatusFilterTabs *m_statusTabs = nullptr;
    QComboBox *m_kindFilter = nullptr;
    QLineEdit *m_search = nullptr;
    QSplitter *m_splitter = nullptr;
    JobDetailsPane *m_details = nullptr;
    QLabel *m_emptyHint = nullptr; // over the table while it shows no row
    QLabel *m_connectionLabel = nullptr;
    QLabel *m_countsLabel = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QTimer m_searchDebounce;
    QTimer m_clock; // redraws durations and ETAs of running jobs
    QTimer m_timelineDebounce;
    qint64 m_detailsRev = -1;
    QString m_timelineKey; // what in a job changes its timeline

    QAction *m_newAction = nullptr;
    QAction *m_cancelAction = nullptr;
    QAction *m_retryAction = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_copyIdAction = nullptr;
    QAction *m_copyCurlAction = nullptr;
    QAction *m_refreshAction = nullptr;
    QAction *m_settingsAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_quitAction = nullptr;
};

} // namespace jobdesk
