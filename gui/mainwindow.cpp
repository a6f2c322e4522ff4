#include "mainwindow.h"

#include "dashboardview.h"
#include "guiresources.h"
#include "jobdetailspane.h"
#include "jobfilterproxy.h"
#include "jobjson.h"
#include "jobnotifier.h"
#include "jobpresentation.h"
#include "jobprogressdelegate.h"
#include "jobsync.h"
#include "jobtablemodel.h"
#include "kindlist.h"
#include "localbackendlauncher.h"
#include "newjobdialog.h"
#include "resultdownloader.h"
#include "settingsdialog.h"
#include "statusfiltertabs.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>

Q_LOGGING_CATEGORY(lcWindow, "jobdesk.gui.window")

namespace jobdesk {

namespace {

QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/icons/%1.svg").arg(QLatin1String(name)));
}

// Single quotes for a POSIX shell.
QString shellQuote(const QString &s)
{
    QString out = s;
    out.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

} // namespace

MainWindow::MainWindow(const ConnectionConfig &connection, bool offerLocalBackend, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(AppSettings::load())
    , m_connection(connection)
    , m_offerLocalBackend(offerLocalBackend)
{
    initGuiResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Jobdesk"));
    setWindowIcon(icon("jobdesk"));

    m_client = new BackendClient(this);
    m_model = new JobTableModel(this);
    m_proxy = new JobFilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_sync = new JobSync(m_client, m_model, this);
    m_notifier = new JobNotifier(m_model, this);
    m_downloader = new ResultDownloader(this);

    createActions();
    createToolBar();
    createCentralWidgets();
    createStatusBar();
    createTray();
    restoreWindowState();
    applySettings(m_settings);

    connect(m_client, &BackendClient::stateChanged, this, &MainWindow::onStateChanged);
    connect(m_client, &BackendClient::connected, this, &MainWindow::onConnected);
    connect(m_model, &JobTableModel::countsChanged, this, &MainWindow::updateCounts);
    connect(m_model, &JobTableModel::kindsChanged, this, &MainWindow::updateKindFilter);
    connect(m_model, &JobTableModel::batchApplied, this, &MainWindow::onBatchApplied);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::onSelectionChanged);
    connect(m_notifier, &JobNotifier::jobActivated, this, &MainWindow::selectJob);
    connect(m_downloader, &ResultDownloader::finished, this, &MainWindow::onDownloadFinished);
    connect(m_downloader, &ResultDownloader::failed, this,
            [this](const QString &jobId, const QString &message) {
                m_openWhenDownloaded.remove(jobId);
                showMessage(tr("Download of %1 failed: %2").arg(shortJobId(jobId), message));
            });
    connect(m_sync, &JobSync::snapshotLoaded, this, [this] {
        // Something to look at in the details pane from the start.
        if (!m_table->selectionModel()->hasSelection() && m_proxy->rowCount() > 0)
            m_table->selectionModel()->setCurrentIndex(m_proxy->index(0, 0),
                                                       QItemSelectionModel::ClearAndSelect |
                                                           QItemSelectionModel::Rows);
    });
    connect(m_sync, &JobSync::pollFailed, this,
            [this](const QString &message) { showMessage(tr("Poll failed: %1").arg(message)); });

    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, [this, tick = 0]() mutable {
        if (m_model->countOf(JobStatus::Processing) > 0)
            m_table->viewport()->update();
        // Webhook deliveries are added to a finished job's timeline without
        // changing the job itself (its rev stays), so no change of the job
        // announces them: re-read the shown timeline now and then.
        const Job *job = currentJob();
        if (++tick % 5 == 0 && job && isTerminal(job->status) && !m_timelineDebounce.isActive())
            m_timelineDebounce.start();
    });
    m_clock.start();

    updateCounts();
    updateActions();
    onSelectionChanged();
    onStateChanged(m_client->state());
    m_client->connectTo(m_connection);
    if (m_offerLocalBackend && m_connection.control.startsWith(QLatin1String("ipc://")) &&
        !QFileInfo::exists(m_connection.control.mid(6))) {
        // No socket, no backend: offer at once rather than after the retries.
        QTimer::singleShot(0, this, [this] {
            if (m_client->state() != ConnectionState::Connected && !m_offered)
                offerToStartBackend();
        });
    }
}

MainWindow::~MainWindow() = default;

// ---------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------

void MainWindow::createActions()
{
    auto make = [this](const QString &text, const char *iconName, const QKeySequence &key,
                       const char *objectName, auto slot) {
        auto *action = new QAction(text, this);
        if (iconName)
            action->setIcon(icon(iconName));
        if (!key.isEmpty())
            action->setShortcut(key);
        action->setObjectName(QLatin1String(objectName));
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    m_newAction =
        make(tr("&New job…"), "job-new", QKeySequence::New, "newJobAction", &MainWindow::newJob);
    m_newAction->setToolTip(tr("Submit a new job (Ctrl+N)"));
    m_cancelAction = make(tr("&Cancel"), "job-cancel", QKeySequence::Delete, "cancelAction",
                          &MainWindow::cancelSelected);
    m_cancelAction->setToolTip(tr("Cancel the selected jobs (Del)"));
    m_retryAction = make(tr("&Retry"), "job-retry", QKeySequence(Qt::CTRL | Qt::Key_R),
                         "retryAction", &MainWindow::retrySelected);
    m_retryAction->setToolTip(tr("Run the selected failed or cancelled jobs again (Ctrl+R)"));
    m_openAction = make(tr("&Open result"), "result-open", QKeySequence::Open, "openResultAction",
                        &MainWindow::openResult);
    m_openAction->setToolTip(tr("Download the result and open it (Ctrl+O, Enter)"));
    m_saveAction = make(tr("&Save result as…"), "result-save", QKeySequence::Save,
                        "saveResultAction", &MainWindow::saveResultAs);
    m_copyIdAction =
        make(tr("Copy &id"), "edit-copy", QKeySequence::Copy, "copyIdAction", &MainWindow::copyIds);
    m_copyCurlAction = make(tr("Copy c&url command"), "copy-command",
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), "copyCurlAction",
                            &MainWindow::copyCurl);
    m_copyCurlAction->setToolTip(tr("Copy a curl command that fetches the job's status"));
    m_refreshAction =
        make(tr("Re&fresh"), "view-refresh", QKeySequence::Refresh, "refreshAction", [this] {
            m_sync->pollNow();
            fetchKinds();
        });
    m_settingsAction = make(tr("Se&ttings…"), "settings", QKeySequence(Qt::CTRL | Qt::Key_Comma),
                            "settingsAction", &MainWindow::showSettings);
    m_findAction = make(tr("&Find"), nullptr, QKeySequence::Find, "findAction", [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    m_quitAction =
        make(tr("&Quit"), nullptr, QKeySequence::Quit, "quitAction", [this] { close(); });
    // Table actions work where the table has focus, so Ctrl+C in the search
    // box still copies text.
    for (QAction *a : {m_cancelAction, m_copyIdAction, m_openAction})
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);

    QMenu *jobMenu = menuBar()->addMenu(tr("&Job"));
    jobMenu->addActions({m_newAction, m_cancelAction, m_retryAction});
    jobMenu->addSeparator();
    jobMenu->addActions({m_openAction, m_saveAction});
    jobMenu->addSeparator();
    jobMenu->addActions({m_copyIdAction, m_copyCurlAction});
    jobMenu->addSeparator();
    jobMenu->addAction(m_quitAction);
    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(tr("&Jobs"), QKeySequence(Qt::CTRL | Qt::Key_1), this,
                        [this] { showPage(JobsPage); });
    viewMenu->addAction(tr("&Dashboard"), QKeySequence(Qt::CTRL | Qt::Key_2), this,
                        [this] { showPage(DashboardPage); });
    viewMenu->addSeparator();
    viewMenu->addActions({m_refreshAction, m_findAction});
    viewMenu->addSeparator();
    viewMenu->addAction(m_settingsAction);
}

void MainWindow::createToolBar()
{
    QToolBar *bar = addToolBar(tr("Jobs"));
    bar->setObjectName(QStringLiteral("jobsToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_newAction);
    bar->addSeparator();
    bar->addActions({m_cancelAction, m_retryAction});
    bar->addSeparator();
    bar->addActions({m_openAction, m_saveAction});
    bar->addSeparator();
    bar->addActions({m_copyIdAction, m_copyCurlAction});
    auto *spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addActions({m_refreshAction, m_settingsAction});
}

void MainWindow::createCentralWidgets()
{
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 4, 6, 0);
    layout->setSpacing(4);

    auto *filters = new QHBoxLayout;
    m_statusTabs = new StatusFilterTabs(central);
    filters->addWidget(m_statusTabs);
    // A dashboard tile may ask for fewer jobs than a tab shows (only the
    // pending ones, only dead letters): said here, with a way back.
    m_narrowedLabel = new QLabel(central);
    m_narrowedLabel->setObjectName(QStringLiteral("narrowedFilter"));
    m_narrowedLabel->hide();
    filters->addWidget(m_narrowedLabel);
    m_clearNarrowed = new QToolButton(central);
    m_clearNarrowed->setObjectName(QStringLiteral("clearNarrowedFilter"));
    m_clearNarrowed->setText(tr("Show the whole tab"));
    m_clearNarrowed->setAutoRaise(true);
    m_clearNarrowed->hide();
    connect(m_clearNarrowed, &QToolButton::clicked, this, &MainWindow::clearNarrowedStatus);
    filters->addWidget(m_clearNarrowed);
    filters->addStretch(1);
    m_kindFilter = new QComboBox(central);
    m_kindFilter->setObjectName(QStringLiteral("kindFilter"));
    m_kindFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_kindFilter->addItem(tr("All kinds"), QString());
    filters->addWidget(m_kindFilter);
    m_search = new QLineEdit(central);
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search id, kind, params, message  (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(300);
    filters->addWidget(m_search);
    layout->addLayout(filters);

    m_splitter = new QSplitter(Qt::Horizontal, central);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_table = new QTableView(m_splitter);
    m_table->setObjectName(QStringLiteral("jobTable"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegateForColumn(JobTableModel::ProgressColumn,
                                      new JobProgressDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionsMovable(true);
    header->setHighlightSections(false);
    header->setStretchLastSection(false);
    header->setSectionResizeMode(JobTableModel::MessageColumn, QHeaderView::Stretch);
    const int widths[JobTableModel::ColumnCount] = {80, 110, 150, 130, 200, 80, 70, 80};
    for (int c = 0; c < JobTableModel::ColumnCount; ++c)
        header->resizeSection(c, widths[c]);
    header->setSortIndicator(JobTableModel::SubmittedColumn, Qt::DescendingOrder);
    m_table->addActions({m_cancelAction, m_copyIdAction, m_openAction});

    m_emptyHint = new QLabel(m_table->viewport());
    m_emptyHint->setObjectName(QStringLiteral("emptyHint"));
    m_emptyHint->setAlignment(Qt::AlignCenter);
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setForegroundRole(QPalette::PlaceholderText);
    auto *hintLayout = new QVBoxLayout(m_table->viewport());
    hintLayout->addWidget(m_emptyHint);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_proxy, signal, this, &MainWindow::updateEmptyHint);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &MainWindow::updateEmptyHint);

    m_details = new JobDetailsPane(m_splitter);
    m_details->setObjectName(QStringLiteral("detailsPane"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);
    layout->addWidget(m_splitter, 1);

    m_dashboard = new DashboardView(m_client);
    m_pages = new QTabWidget(this);
    m_pages->setObjectName(QStringLiteral("pages"));
    m_pages->setDocumentMode(true);
    m_pages->addTab(central, tr("Jobs"));
    m_pages->addTab(m_dashboard, tr("Dashboard"));
    m_pages->setTabToolTip(JobsPage, tr("The jobs, one per row (Ctrl+1)"));
    m_pages->setTabToolTip(DashboardPage, tr("The workload at a glance (Ctrl+2)"));
    setCentralWidget(m_pages);
    connect(m_dashboard, &DashboardView::jobsRequested, this, &MainWindow::showJobs);

    connect(m_statusTabs, &StatusFilterTabs::statusFilterChanged, m_proxy,
            &JobFilterProxy::setStatusFilter);
    connect(m_statusTabs, &StatusFilterTabs::statusFilterChanged, this,
            &MainWindow::clearNarrowedStatus);
    connect(m_kindFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_proxy->setKindFilter(m_kindFilter->currentData().toString()); });
    m_searchDebounce.setSingleShot(true);
    m_searchDebounce.setInterval(200);
    connect(m_search, &QLineEdit::textChanged, &m_searchDebounce, qOverload<>(&QTimer::start));
    connect(&m_searchDebounce, &QTimer::timeout, this,
            [this] { m_proxy->setTextFilter(m_search->text()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_table, &QTableView::doubleClicked, this, [this] {
        if (m_openAction->isEnabled())
            openResult();
    });
    connect(m_table, &QTableView::activated, this, [this] {
        if (m_openAction->isEnabled())
            openResult();
    });
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::showContextMenu);
    m_timelineDebounce.setSingleShot(true);
    m_timelineDebounce.setInterval(150);
    connect(&m_timelineDebounce, &QTimer::timeout, this, &MainWindow::refreshTimeline);
}

void MainWindow::createStatusBar()
{
    m_countsLabel = new QLabel(this);
    m_countsLabel->setObjectName(QStringLiteral("countsLabel"));
    m_connectionLabel = new QLabel(this);
    m_connectionLabel->setObjectName(QStringLiteral("connectionLabel"));
    m_connectionLabel->setTextFormat(Qt::RichText);
    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_connectionLabel);
}

void MainWindow::createTray()
{
    m_tray = new QSystemTrayIcon(icon("jobdesk"), this);
    m_tray->setToolTip(QStringLiteral("Jobdesk"));
    auto *menu = new QMenu(this);
    menu->addAction(tr("Show Jobdesk"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    menu->addAction(m_newAction);
    menu->addSeparator();
    menu->addAction(m_quitAction);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger) {
            showNormal();
            raise();
            activateWindow();
        }
    });
    if (QSystemTrayIcon::isSystemTrayAvailable())
        m_tray->show();
    else
        qCInfo(lcWindow) << "no system tray: job notifications will not be shown";
    m_notifier->setTrayIcon(m_tray);
}

void MainWindow::restoreWindowState()
{
    QSettings s;
    if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray())) {
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1280, 800);
        resize(available.size().boundedTo(QSize(1400, 860)));
    }
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    if (!m_splitter->restoreState(s.value(QStringLiteral("window/splitter")).toByteArray()))
        m_splitter->setSizes({width() * 7 / 10, width() * 3 / 10});
    QHeaderView *header = m_table->horizontalHeader();
    header->restoreState(s.value(QStringLiteral("window/header")).toByteArray());
    m_proxy->sort(header->sortIndicatorSection(), header->sortIndicatorOrder());

    m_statusTabs->setCurrentIndex(s.value(QStringLiteral("filters/status"), 0).toInt());
    m_proxy->setStatusFilter(m_statusTabs->currentStatuses());
    const QString kind = s.value(QStringLiteral("filters/kind")).toString();
    if (!kind.isEmpty()) {
        m_kindFilter->addItem(kind, kind);
        m_kindFilter->setCurrentIndex(m_kindFilter->count() - 1);
    }
    m_search->setText(s.value(QStringLiteral("filters/text")).toString());
    m_proxy->setTextFilter(m_search->text());
    showPage(pageNamed(s.value(QStringLiteral("window/page")).toString()).value_or(JobsPage));
}

void MainWindow::saveWindowState() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("window/header"), m_table->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("filters/status"), m_statusTabs->currentIndex());
    s.setValue(QStringLiteral("filters/kind"), m_kindFilter->currentData().toString());
    s.setValue(QStringLiteral("filters/text"), m_search->text());
    s.setValue(QStringLiteral("window/page"), currentPage() == DashboardPage
                                                  ? QStringLiteral("dashboard")
                                                  : QStringLiteral("jobs"));
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

void MainWindow::showPage(Page page)
{
    m_pages->setCurrentIndex(page);
}

MainWindow::Page MainWindow::currentPage() const
{
    return m_pages->currentIndex() == DashboardPage ? DashboardPage : JobsPage;
}

std::optional<MainWindow::Page> MainWindow::pageNamed(const QString &name)
{
    if (name == QLatin1String("jobs"))
        return JobsPage;
    if (name == QLatin1String("dashboard"))
        return DashboardPage;
    return std::nullopt;
}

void MainWindow::showJobs(const DashboardJobFilter &filter)
{
    // The tile counted every kind and every text: so does the table.
    m_kindFilter->setCurrentIndex(0);
    m_search->clear();
    m_searchDebounce.stop();
    m_proxy->setTextFilter({});

    // The tab that shows exactly these statuses, else the narrowest that
    // holds them all, narrowed further below.
    int tab = 0; // All
    bool exact = false;
    for (int t = 0; t < m_statusTabs->count() && !exact; ++t) {
        const QList<JobStatus> statuses = StatusFilterTabs::statusesOf(t);
        exact = statuses == filter.statuses;
        const bool holdsAll =
            !statuses.isEmpty() &&
            std::all_of(filter.statuses.begin(), filter.statuses.end(),
                        [&statuses](JobStatus s) { return statuses.contains(s); });
        const QList<JobStatus> chosen = StatusFilterTabs::statusesOf(tab);
        if (exact || (holdsAll && (chosen.isEmpty() || statuses.size() < chosen.size())))
            tab = t;
    }
    m_statusTabs->setCurrentIndex(tab);
    m_narrowedLabel->hide();
    m_clearNarrowed->hide();
    m_proxy->setStatusFilter(filter.statuses);
    m_proxy->setDeadLetterFilter(filter.deadLetterOnly);
    if (!exact || filter.deadLetterOnly) {
        QStringList names;
        for (JobStatus s : filter.statuses)
            names.append(statusTitle(s));
        m_narrowedLabel->setText(filter.deadLetterOnly
                                     ? tr("Only dead letters")
                                     : tr("Only %1").arg(names.join(QStringLiteral(", "))));
        m_narrowedLabel->show();
        m_clearNarrowed->show();
    }
    showPage(JobsPage);
    m_table->setFocus();
}

void MainWindow::clearNarrowedStatus()
{
    if (m_narrowedLabel->isHidden())
        return;
    m_narrowedLabel->hide();
    m_clearNarrowed->hide();
    m_proxy->setDeadLetterFilter(false);
    m_proxy->setStatusFilter(m_statusTabs->currentStatuses());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    if (m_tray)
        m_tray->hide();
    event->accept();
}

void MainWindow::applySettings(const AppSettings &settings)
{
    m_settings = settings;
    m_sync->setPollIntervals(std::chrono::milliseconds(settings.fastPollMs),
                             std::chrono::milliseconds(settings.idlePollMs));
    m_notifier->setNotifyOn(settings.notifyCompleted, settings.notifyFailed);
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

void MainWindow::onStateChanged(ConnectionState state)
{
    QString colour;
    QString text;
    switch (state) {
    case ConnectionState::Disconnected:
        colour = QStringLiteral("#808080");
        text = tr("Not connected");
        break;
    case ConnectionState::Connecting:
        colour = QStringLiteral("#c27a0e");
        text = tr("Connecting to %1…").arg(m_client->config().control);
        break;
    case ConnectionState::Connected:
        colour = QStringLiteral("#16803d");
        text = tr("Connected · jobdeskd %1").arg(m_client->info().version.toHtmlEscaped());
        break;
    case ConnectionState::Reconnecting:
        colour = QStringLiteral("#c27a0e");
        text = tr("Reconnecting…");
        break;
    case ConnectionState::Offline:
        colour = QStringLiteral("#c81e1e");
        text = tr("Offline");
        break;
    }
    m_connectionLabel->setText(
        QStringLiteral("<span style=\"color:%1\">&#9679;</span> %2").arg(colour, text));
    m_connectionLabel->setToolTip(state == ConnectionState::Offline ? m_client->lastError()
                                                                    : m_client->config().control);
    if (state == ConnectionState::Offline && m_offerLocalBackend && !m_offered)
        offerToStartBackend();
    updateActions();
    updateEmptyHint();
}

void MainWindow::onConnected(const BackendInfo &)
{
    onStateChanged(m_client->state()); // the version is known now
    fetchKinds();
}

void MainWindow::fetchKinds(std::function<void()> then)
{
    m_client->request(
        QStringLiteral("kinds"), {}, this, [this, then](const Result<QJsonObject> &reply) {
            if (reply) {
                m_kinds = kindsFromJson(reply.value().value(QStringLiteral("kinds")).toArray());
                updateKindFilter();
            } else {
                showMessage(tr("Cannot read the job kinds: %1").arg(reply.error().detail));
            }
            if (then)
                then();
        });
}

void MainWindow::offerToStartBackend()
{
    m_offered = true;
    const QString program = LocalBackendLauncher::program();
    auto *box = new QMessageBox(this);
    box->setObjectName(QStringLiteral("startBackendBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(QMessageBox::Question);
    box->setWindowTitle(tr("No backend"));
    box->setText(tr("No jobdeskd is answering at %1.").arg(m_client->config().control));
    if (program.isEmpty()) {
        box->setInformativeText(tr("jobdeskd was not found next to jobdesk or on PATH. Start it "
                                   "yourself, or point jobdesk at a running one in Settings."));
        box->setStandardButtons(QMessageBox::Close);
    } else {
        box->setInformativeText(
            tr("Start a local one now? It keeps running after jobdesk closes, so your jobs carry "
               "on; its log goes to %1.")
                .arg(LocalBackendLauncher::logFile()));
        box->addButton(tr("&Start jobdeskd"), QMessageBox::AcceptRole);
        box->addButton(QMessageBox::Cancel);
    }
    connect(box, &QMessageBox::finished, this, [this, box] {
        if (box->buttonRole(box->clickedButton()) != QMessageBox::AcceptRole)
            return;
        m_launcher = std::make_unique<LocalBackendLauncher>();
        QString error;
        if (!m_launcher->start(&error)) {
            QMessageBox::warning(this, tr("Cannot start jobdeskd"), error);
            return;
        }
        showMessage(tr("Started jobdeskd (pid %1); connecting…").arg(m_launcher->pid()));
        m_client->connectTo(m_connection);
    });
    box->open();
}

// ---------------------------------------------------------------------------
// Table, filters, details
// ---------------------------------------------------------------------------

void MainWindow::updateKindFilter()
{
    QStringList kinds = m_model->kinds();
    for (const KindInfo &k : std::as_const(m_kinds)) {
        if (!kinds.contains(k.name))
            kinds.append(k.name);
    }
    const QString current = m_kindFilter->currentData().toString();
    if (!current.isEmpty() && !kinds.contains(current))
        kinds.append(current);
    kinds.sort();
    QSignalBlocker block(m_kindFilter);
    m_kindFilter->clear();
    m_kindFilter->addItem(tr("All kinds"), QString());
    for (const QString &k : kinds)
        m_kindFilter->addItem(k, k);
    m_kindFilter->setCurrentIndex(std::max(0, m_kindFilter->findData(current)));
}

void MainWindow::updateCounts()
{
    m_statusTabs->updateCounts(*m_model);
    const int running = m_model->countOf(JobStatus::Processing);
    const int waiting =
        m_model->countOf(JobStatus::Pending) + m_model->countOf(JobStatus::Retrying);
    m_countsLabel->setText(
        tr("%1 jobs · %2 running · %3 waiting").arg(m_model->rowCount()).arg(running).arg(waiting));
}

void MainWindow::updateEmptyHint()
{
    if (m_proxy->rowCount() > 0) {
        m_emptyHint->hide();
        return;
    }
    if (m_model->rowCount() > 0)
        m_emptyHint->setText(tr("No job matches the filters."));
    else if (m_client->state() == ConnectionState::Connected)
        m_emptyHint->setText(tr("No jobs yet.\nNew job… (Ctrl+N) submits one."));
    else
        m_emptyHint->setText(tr("Not connected to a backend."));
    m_emptyHint->show();
}

QList<const Job *> MainWindow::selectedJobs() const
{
    QList<const Job *> jobs;
    for (const QModelIndex &proxyIndex : m_table->selectionModel()->selectedRows()) {
        const QModelIndex source = m_proxy->mapToSource(proxyIndex);
        if (source.isValid())
            jobs.append(&m_model->jobAt(source.row()));
    }
    return jobs;
}

const Job *MainWindow::currentJob() const
{
    const QList<const Job *> selected = selectedJobs();
    if (selected.size() == 1)
        return selected.first();
    return nullptr;
}

void MainWindow::updateActions()
{
    const bool online = m_client->state() == ConnectionState::Connected ||
                        m_client->state() == ConnectionState::Reconnecting;
    const QList<const Job *> jobs = selectedJobs();
    bool cancellable = false;
    bool retryable = false;
    for (const Job *job : jobs) {
        cancellable |= !isTerminal(job->status) && !job->cancelRequested;
        retryable |= job->status == JobStatus::Failed || job->status == JobStatus::Cancelled;
    }
    const Job *one = currentJob();
    const bool hasResult = one && one->status == JobStatus::Completed && one->result &&
                           !m_client->httpBase().isEmpty();
    m_newAction->setEnabled(online);
    m_cancelAction->setEnabled(online && cancellable);
    m_retryAction->setEnabled(online && retryable);
    m_openAction->setEnabled(hasResult && !m_downloader->isDownloading(one->id));
    m_saveAction->setEnabled(hasResult && !m_downloader->isDownloading(one->id));
    m_copyIdAction->setEnabled(!jobs.isEmpty());
    m_copyCurlAction->setEnabled(one && !m_client->httpBase().isEmpty());
    m_refreshAction->setEnabled(online);
    m_cancelAction->setText(jobs.size() > 1 ? tr("&Cancel %1 jobs").arg(jobs.size())
                                            : tr("&Cancel"));
}

void MainWindow::onSelectionChanged()
{
    updateActions();
    const Job *job = currentJob();
    m_details->showJob(job);
    m_detailsRev = job ? job->rev : -1;
    m_timelineKey.clear();
    if (job)
        m_timelineDebounce.start();
}

void MainWindow::onBatchApplied()
{
    updateActions();
    const Job *job = currentJob();
    if (!job || job->id != m_details->jobId() || job->rev == m_detailsRev)
        return;
    m_detailsRev = job->rev;
    m_details->showJob(job);
    // Progress ticks do not change the timeline: only refresh it on what does.
    const QString key = QStringLiteral("%1/%2/%3/%4")
                            .arg(int(job->status))
                            .arg(job->attempt)
                            .arg(job->cancelRequested)
                            .arg(job->deadLetter);
    if (key != m_timelineKey || isTerminal(job->status))
        m_timelineDebounce.start();
}

void MainWindow::refreshTimeline()
{
    const Job *job = currentJob();
    if (!job)
        return;
    const QString id = job->id;
    m_timelineKey = QStringLiteral("%1/%2/%3/%4")
                        .arg(int(job->status))
                        .arg(job->attempt)
                        .arg(job->cancelRequested)
                        .arg(job->deadLetter);
    m_client->request(QStringLiteral("events"), {{QStringLiteral("id"), id}}, this,
                      [this, id](const Result<QJsonObject> &reply) {
                          if (reply)
                              m_details->showTimeline(
                                  id, reply.value().value(QStringLiteral("items")).toArray());
                          else
                              m_details->showTimelineError(id, reply.error().detail);
                      });
}

void MainWindow::selectJob(const QString &id)
{
    showNormal();
    raise();
    activateWindow();
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        // Hidden by a filter: show everything rather than nothing.
        m_statusTabs->setCurrentIndex(0);
        m_kindFilter->setCurrentIndex(0);
        m_search->clear();
        m_proxy->setTextFilter({});
        index = m_proxy->mapFromSource(m_model->index(row, 0));
    }
    if (!index.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    m_table->setFocus();
}

void MainWindow::showContextMenu(const QPoint &pos)
{
    QMenu menu(this);
    menu.addActions({m_openAction, m_saveAction});
    menu.addSeparator();
    menu.addActions({m_copyIdAction, m_copyCurlAction});
    menu.addSeparator();
    menu.addActions({m_cancelAction, m_retryAction});
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void MainWindow::showMessage(const QString &text, int timeoutMs)
{
    statusBar()->showMessage(text, timeoutMs);
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

void MainWindow::newJob()
{
    if (m_newJobDialog) {
        m_newJobDialog->raise();
        m_newJobDialog->activateWindow();
        return;
    }
    if (m_kinds.isEmpty())
        fetchKinds([this] { openNewJobDialog(); });
    else
        openNewJobDialog();
}

void MainWindow::openNewJobDialog()
{
    if (m_newJobDialog)
        return;
    auto *dialog = new NewJobDialog(m_kinds, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString kind = m_kindFilter->currentData().toString();
    if (!kind.isEmpty())
        dialog->setKind(kind);
    m_newJobDialog = dialog;
    connect(dialog, &NewJobDialog::submitRequested, this,
            [this, dialog](const QJsonObject &fields) {
                // The window, not the dialog, receives the reply: a job made
                // after the dialog was closed still shows up (and is watched).
                QPointer<NewJobDialog> shownIn = dialog;
                m_client->submit(fields, this, [this, shownIn](const Result<QJsonObject> &reply) {
                    auto fail = [this, shownIn](const ApiError &error) {
                        if (shownIn)
                            shownIn->submitFailed(error);
                        else
                            showMessage(tr("Submit failed: %1").arg(error.detail));
                    };
                    if (!reply) {
                        fail(reply.error());
                        return;
                    }
                    Job job;
                    QString error;
                    if (!jobFromJson(reply.value().value(QStringLiteral("job")).toObject(), &job,
                                     &error)) {
                        fail(ApiError::make(ErrorCode::Internal, error));
                        return;
                    }
                    m_model->applyBatch({job}); // in the table at once, as PENDING
                    m_notifier->watch(job.id);
                    if (shownIn)
                        shownIn->submitSucceeded();
                    selectJob(job.id);
                    showMessage(tr("Submitted %1 (%2)").arg(shortJobId(job.id), job.kind));
                });
            });
    dialog->open();
}

void MainWindow::cancelSelected()
{
    QStringList ids;
    for (const Job *job : selectedJobs()) {
        if (!isTerminal(job->status) && !job->cancelRequested)
            ids.append(job->id);
    }
    for (const QString &id : ids)
        sendJobOp(QStringLiteral("cancel"), id, tr("Cannot cancel %1: %2"), [] {});
    if (!ids.isEmpty())
        showMessage(ids.size() == 1 ? tr("Cancelling %1").arg(shortJobId(ids.first()))
                                    : tr("Cancelling %1 jobs").arg(ids.size()));
}

void MainWindow::retrySelected()
{
    // The ids first, as for cancel: the rows may change once requests go out.
    QStringList ids;
    for (const Job *job : selectedJobs()) {
        if (job->status == JobStatus::Failed || job->status == JobStatus::Cancelled)
            ids.append(job->id);
    }
    for (const QString &id : std::as_const(ids)) {
        sendJobOp(QStringLiteral("retry"), id, tr("Cannot retry %1: %2"), [this, id] {
            m_notifier->watch(id);
            showMessage(tr("Retrying %1").arg(shortJobId(id)));
        });
    }
}

void MainWindow::sendJobOp(const QString &op, const QString &id, const QString &refusal,
                           std::function<void()> accepted)
{
    m_client->request(
        op, {{QStringLiteral("id"), id}}, this,
        [this, id, refusal, accepted](const Result<QJsonObject> &reply) {
            if (!reply) {
                showMessage(refusal.arg(shortJobId(id), reply.error().detail));
                return;
            }
            // The job as the backend answered it, without
            // waiting for the next sync.
            Job job;
            if (jobFromJson(reply.value().value(QStringLiteral("job")).toObject(), &job))
                m_model->applyBatch({job});
            accepted();
        });
}

void MainWindow::openResult()
{
    const Job *job = currentJob();
    if (!job || !job->result)
        return;
    const QString cached = ResultDownloader::cachePath(*job);
    const QFileInfo info(cached);
    if (info.exists() && info.size() == job->result->size) {
        openSavedResult(cached);
        return;
    }
    m_openWhenDownloaded.insert(job->id, true);
    if (m_downloader->download(*job, m_client->httpBase(), m_client->token(), cached))
        showMessage(
            tr("Downloading %1 (%2)…").arg(job->result->filename, formatBytes(job->result->size)));
    updateActions();
}

void MainWindow::saveResultAs()
{
    const Job *job = currentJob();
    if (!job || !job->result)
        return;
    const Job copy = *job; // the dialog runs an event loop: the row may change
    QSettings settings;
    const QString folder =
        settings
            .value(QStringLiteral("results/lastFolder"),
                   QStandardPaths::writableLocation(QStandardPaths::DownloadLocation))
            .toString();
    const QString target = QFileDialog::getSaveFileName(this, tr("Save result as"),
                                                        folder + QLatin1Char('/') +
                                                            ResultDownloader::safeFileName(copy));
    if (target.isEmpty())
        return;
    settings.setValue(QStringLiteral("results/lastFolder"), QFileInfo(target).absolutePath());
    m_openWhenDownloaded.insert(copy.id, false);
    if (m_downloader->download(copy, m_client->httpBase(), m_client->token(), target))
        showMessage(tr("Downloading %1…").arg(copy.result->filename));
    updateActions();
}

void MainWindow::onDownloadFinished(const QString &jobId, const QString &path)
{
    const bool open = m_openWhenDownloaded.take(jobId);
    updateActions();
    if (open)
        openSavedResult(path);
    else
        showMessage(tr("Saved %1").arg(path));
}

void MainWindow::openSavedResult(const QString &path)
{
    if (QDesktopServices::openUrl(QUrl::fromLocalFile(path)))
        return;
    // No application for this type, or no desktop to ask: the file is still
    // there, so say where and offer what works without one.
    showMessage(tr("Cannot open the result; it is saved at %1").arg(path), 0);
    auto *box = new QMessageBox(QMessageBox::Information, tr("Open result"),
                                tr("No application could open the result. It is saved at:\n%1")
                                    .arg(QDir::toNativeSeparators(path)),
                                QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("openResultFailedBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *showInFolder = box->addButton(tr("Show in folder"), QMessageBox::ActionRole);
    QPushButton *saveAs = box->addButton(tr("Save as…"), QMessageBox::ActionRole);
    connect(showInFolder, &QPushButton::clicked, this, [this, path] {
        const QString folder = QFileInfo(path).absolutePath();
        if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
            showMessage(tr("Cannot open the folder %1").arg(folder), 0);
    });
    connect(saveAs, &QPushButton::clicked, this, [this, path] { saveCopyAs(path); });
    box->open();
}

void MainWindow::saveCopyAs(const QString &path)
{
    QSettings settings;
    const QString folder =
        settings
            .value(QStringLiteral("results/lastFolder"),
                   QStandardPaths::writableLocation(QStandardPaths::DownloadLocation))
            .toString();
    const QString target = QFileDialog::getSaveFileName(
        this, tr("Save result as"), folder + QLatin1Char('/') + QFileInfo(path).fileName());
    if (target.isEmpty())
        return;
    settings.setValue(QStringLiteral("results/lastFolder"), QFileInfo(target).absolutePath());
    // The dialog asked before overwriting; QFile::copy never overwrites.
    if (QFileInfo::exists(target) && !QFile::remove(target)) {
        showMessage(tr("Cannot replace %1").arg(target), 0);
        return;
    }
    if (!QFile::copy(path, target)) {
        showMessage(tr("Cannot save %1 as %2").arg(path, target), 0);
        return;
    }
    showMessage(tr("Saved %1").arg(target));
}

void MainWindow::copyIds()
{
    QStringList ids;
    for (const Job *job : selectedJobs())
        ids.append(job->id);
    if (ids.isEmpty())
        return;
    QApplication::clipboard()->setText(ids.join(QLatin1Char('\n')));
    showMessage(ids.size() == 1 ? tr("Copied %1").arg(ids.first())
                                : tr("Copied %1 ids").arg(ids.size()),
                3000);
}

void MainWindow::copyCurl()
{
    const Job *job = currentJob();
    if (!job)
        return;
    // The token stays in its file: the command reads it when it runs.
    QString command = QStringLiteral("curl -sS ");
    if (m_client->info().authRequired || m_client->state() != ConnectionState::Connected)
        command += QStringLiteral("-H \"Authorization: Bearer $(cat %1)\" ")
                       .arg(shellQuote(m_client->config().tokenFile));
    command += m_client->httpBase() + jobStatusPath(job->id);
    QApplication::clipboard()->setText(command);
    showMessage(tr("Copied: %1").arg(command), 5000);
}

void MainWindow::showSettings()
{
    AppSettings shown = m_settings;
    shown.connection = m_connection; // what is in use, flags included
    auto *dialog = new SettingsDialog(shown, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const AppSettings chosen = dialog->settings();
        AppSettings saved = chosen;
        if (chosen.connection == m_connection) {
            saved.connection = m_settings.connection; // untouched: keep flags out of the file
        } else {
            // Store defaults as empty, so they follow $XDG_RUNTIME_DIR and friends.
            const ConnectionConfig defaults = ConnectionConfig::defaults();
            if (saved.connection.control == defaults.control)
                saved.connection.control.clear();
            if (saved.connection.tokenFile == defaults.tokenFile)
                saved.connection.tokenFile.clear();
        }
        saved.save();
        applySettings(saved);
        const ConnectionConfig connection = chosen.effectiveConnection();
        if (connection != m_connection) {
            m_connection = connection;
            m_sync->restart();
            m_client->connectTo(m_connection);
        }
    });
    dialog->open();
}

} // namespace jobdesk
