// Benchmark: batches of 1,000 changes applied to a 100,000-row JobTableModel
// through JobFilterProxy with dynamic sorting on. Prints ms per batch (the
// target is one frame, 16 ms) and heap bytes per row. A program, not a test.

#include "guiresources.h"
#include "jobfactory.h"
#include "jobfilterproxy.h"
#include "jobprogressdelegate.h"
#include "jobtablemodel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QRandomGenerator>
#include <QTableView>
#include <algorithm>
#include <cstdio>
#include <malloc.h>
#include <unistd.h>

using namespace jobdesk;

namespace {

constexpr int kRows = 100'000;
constexpr int kBatch = 1'000;
constexpr int kBatches = 30;

// Heap in use: the arena (uordblks) plus blocks malloc mmapped on their own
// (hblkhd): large arrays such as the model's row vector and hash live there.
size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

// Resident set size: an upper bound (memory freed to the arena stays resident).
size_t residentBytes()
{
    long pages = 0;
    long resident = 0;
    if (FILE *statm = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(statm);
    }
    return size_t(resident) * size_t(sysconf(_SC_PAGESIZE));
}

QList<Job> initialJobs()
{
    QList<Job> jobs;
    jobs.reserve(kRows);
    const JobStatus mix[] = {JobStatus::Completed, JobStatus::Completed, JobStatus::Completed,
                             JobStatus::Failed,    JobStatus::Cancelled, JobStatus::Processing,
                             JobStatus::Pending,   JobStatus::Pending};
    for (int i = 0; i < kRows; ++i) {
        Job job = jobfactory::make(i, mix[i % 8], i + 1,
                                   i % 3 ? QStringLiteral("demo.sleep")
                                         : QStringLiteral("report.csv_summary"));
        job.id = QUuid::createUuid().toString(QUuid::WithoutBraces); // real-looking, unshared
        if (job.status == JobStatus::Processing) {
            job.progress = double(i % 100);
            job.message = QStringLiteral("step %1 of 20").arg(i % 20);
            job.etaS = 12.5;
        }
        jobs.append(job);
    }
    return jobs;
}

// 1,000 distinct random rows: progress moves, some finish, some get a message.
QList<Job> nextBatch(const JobTableModel &model, qint64 *rev)
{
    auto *rng = QRandomGenerator::global();
    QList<Job> batch;
    batch.reserve(kBatch);
    QSet<int> taken;
    while (batch.size() < kBatch) {
        const int row = int(rng->bounded(model.rowCount()));
        if (taken.contains(row))
            continue;
        taken.insert(row);
        Job j = model.jobAt(row);
        j.rev = ++*rev;
        j.status = rng->bounded(10u) == 0 ? JobStatus::Completed : JobStatus::Processing;
        j.progress = j.status == JobStatus::Completed ? 100.0 : double(rng->bounded(1000)) / 10.0;
        j.message = QStringLiteral("step %1 of 20").arg(rng->bounded(20));
        j.etaS = double(rng->bounded(100));
        batch.append(j);
    }
    return batch;
}

struct Figures
{
    double median = 0, worst = 0, mean = 0;
};

Figures run(JobTableModel &model, qint64 *rev, QTableView *view)
{
    std::vector<double> ms;
    for (int b = 0; b < kBatches; ++b) {
        const QList<Job> batch = nextBatch(model, rev); // not timed: arrives from the network
        QElapsedTimer t;
        t.start();
        model.applyBatch(batch);
        if (view) {
            // Include what the view does with it: layout and one paint.
            QCoreApplication::processEvents();
            view->viewport()->repaint();
        }
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    Figures f;
    f.median = ms[ms.size() / 2];
    f.worst = ms.back();
    for (double v : ms)
        f.mean += v / double(ms.size());
    return f;
}

void print(const char *what, const Figures &f)
{
    std::printf("  %-52s median %6.2f ms  mean %6.2f ms  worst %6.2f ms\n", what, f.median, f.mean,
                f.worst);
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    initGuiResources();
    std::printf("JobTableModel + JobFilterProxy: %d rows, batches of %d changes, %d batches\n",
                kRows, kBatch, kBatches);

    const size_t heapBefore = heapInUse();
    const size_t rssBefore = residentBytes();
    QList<Job> jobs = initialJobs();
    JobTableModel model;
    QElapsedTimer load;
    load.start();
    for (int from = 0; from < kRows; from += 1000)
        model.applyBatch(jobs.mid(from, 1000)); // the snapshot, in pages of 1,000
    const double loadMs = load.nsecsElapsed() / 1e6;
    jobs.clear();
    jobs.squeeze();
    const size_t heapModel = heapInUse();
    const size_t rssModel = residentBytes();
    std::printf("  snapshot load (100 pages of 1,000):                 %8.1f ms\n", loadMs);
    std::printf("  model memory: %.0f bytes per row (heap incl. mmapped: job, strings, params, "
                "id hash); RSS %.0f bytes per row\n",
                double(heapModel - heapBefore) / kRows, double(rssModel - rssBefore) / kRows);

    JobFilterProxy proxy;
    proxy.setSourceModel(&model);
    QElapsedTimer sortTimer;
    sortTimer.start();
    proxy.sort(JobTableModel::ProgressColumn, Qt::DescendingOrder);
    std::printf("  first full sort by progress:                        %8.1f ms\n",
                sortTimer.nsecsElapsed() / 1e6);
    std::printf("  proxy memory: %.0f bytes per row (heap incl. mmapped); RSS %.0f bytes per row\n",
                double(heapInUse() - heapModel) / kRows,
                double(residentBytes() - rssModel) / kRows);

    {
        QElapsedTimer t;
        t.start();
        proxy.setTextFilter(QStringLiteral("step 1"));
        const double filterMs = t.nsecsElapsed() / 1e6;
        const int matched = proxy.rowCount();
        t.restart();
        proxy.setTextFilter({});
        std::printf("  text filter over all rows: %.1f ms (%d match), cleared in %.1f ms\n",
                    filterMs, matched, t.nsecsElapsed() / 1e6);
    }

    qint64 rev = kRows + 1;
    print("sorted by progress (every change moves its row)", run(model, &rev, nullptr));
    proxy.sort(JobTableModel::SubmittedColumn, Qt::DescendingOrder);
    print("sorted by submitted (changes do not move rows)", run(model, &rev, nullptr));
    proxy.sort(JobTableModel::ProgressColumn, Qt::DescendingOrder);
    proxy.setStatusFilter({JobStatus::Pending, JobStatus::Processing, JobStatus::Retrying});
    print("sorted by progress, filtered to active jobs", run(model, &rev, nullptr));
    proxy.setStatusFilter({});

    QTableView view;
    view.setModel(&proxy);
    view.setItemDelegateForColumn(JobTableModel::ProgressColumn, new JobProgressDelegate(&view));
    view.verticalHeader()->hide(); // as in the main window
    view.setSortingEnabled(true);
    view.resize(1200, 800);
    view.show();
    QCoreApplication::processEvents();
    {
        // What one frame of the view costs with no change at all.
        std::vector<double> ms;
        for (int i = 0; i < kBatches; ++i) {
            QElapsedTimer t;
            t.start();
            QCoreApplication::processEvents();
            view.viewport()->repaint();
            ms.push_back(t.nsecsElapsed() / 1e6);
        }
        std::sort(ms.begin(), ms.end());
        std::printf("  %-52s median %6.2f ms\n", "a repaint of the shown view alone (baseline)",
                    ms[ms.size() / 2]);
    }
    print("with a shown QTableView, sorted by progress", run(model, &rev, &view));
    proxy.sort(JobTableModel::SubmittedColumn, Qt::DescendingOrder);
    print("with a shown QTableView, sorted by submitted", run(model, &rev, &view));
    return 0;
}
