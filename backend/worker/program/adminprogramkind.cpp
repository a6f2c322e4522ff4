#include "adminprogramkind.h"

#include "jobcontext.h"
#include "programrun.h"
#include "workfolder.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMimeDatabase>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <algorithm>
#include <charconv>
#include <optional>

namespace jobdesk {

namespace {

constexpr std::string_view kProgressPrefix = "PROGRESS ";
constexpr std::string_view kResultPrefix = "RESULT ";

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

struct ProgressLine
{
    double pct = 0;
    QString message;
};

std::optional<ProgressLine> parseProgress(std::string_view rest)
{
    rest = trimmed(rest);
    const std::size_t space = rest.find_first_of(" \t");
    const std::string_view number = rest.substr(0, space);
    double pct = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), pct);
    if (ec != std::errc() || end != number.data() + number.size() || !(pct == pct))
        return std::nullopt;
    ProgressLine line;
    line.pct = std::clamp(pct, 0.0, 100.0);
    if (space != std::string_view::npos) {
        const std::string_view message = trimmed(rest.substr(space));
        line.message = QString::fromUtf8(message.data(), qsizetype(message.size()));
    }
    return line;
}

QString contentTypeFor(const QString &path)
{
    const QMimeType type = QMimeDatabase().mimeTypeForFile(path, QMimeDatabase::MatchExtension);
    return type.isValid() ? type.name() : QStringLiteral("application/octet-stream");
}

} // namespace

AdminProgramKind::AdminProgramKind(QString name, ProgramSpec spec)
    : m_name(std::move(name))
    , m_spec(std::move(spec))
{
}

KindOutcome AdminProgramKind::run(JobContext &ctx)
{
    workfolder::sweepAbandoned();
    QTemporaryDir workDir(workfolder::templateFor(QStringLiteral("job")));
    if (!workDir.isValid())
        return KindOutcome::jobError(
            QStringLiteral("cannot create a work folder: %1").arg(workDir.errorString()), true);

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("JOBDESK_JOB_ID"), ctx.jobId());
    env.insert(QStringLiteral("JOBDESK_ATTEMPT"), QString::number(ctx.attempt()));
    env.insert(QStringLiteral("JOBDESK_PARAMS"),
               QString::fromUtf8(QJsonDocument(ctx.params()).toJson(QJsonDocument::Compact)));
    env.insert(QStringLiteral("JOBDESK_WORK_DIR"), workDir.path());
    for (const auto &[name, value] : m_spec.environment)
        env.insert(name, value);

    GuardedProcess::Spec spec;
    spec.program = m_spec.program;
    spec.arguments = m_spec.expandArguments(ctx.params());
    spec.workingDirectory =
        m_spec.workingDirectory.isEmpty() ? workDir.path() : m_spec.workingDirectory;
    spec.environment = env.toStringList();

    QString resultPath;
    const auto onLine = [&](std::string_view line, bool truncated) {
        if (truncated)
            return; // a cut protocol line would say something it did not mean
        if (line.substr(0, kProgressPrefix.size()) == kProgressPrefix) {
            if (const auto progress = parseProgress(line.substr(kProgressPrefix.size())))
                ctx.setProgress(progress->pct, progress->message);
        } else if (line.substr(0, kResultPrefix.size()) == kResultPrefix) {
            const std::string_view path = trimmed(line.substr(kResultPrefix.size()));
            resultPath = QString::fromUtf8(path.data(), qsizetype(path.size()));
        }
    };

    QElapsedTimer clock;
    clock.start();
    ProgramRun program(ctx.cancelToken());
    QString error;
    if (!program.run(spec, onLine, &error, [&ctx] { ctx.flushProgress(); }))
        return KindOutcome::jobError(error, true);

    const auto withStderr = [&](KindOutcome outcome) {
        outcome.stderrTail = QString::fromUtf8(program.stderrTail());
        return outcome;
    };

    if (program.interrupted())
        return withStderr(ctx.interruptedOutcome());

    const GuardedProcess &process = program.process();
    if (process.ending() == GuardedProcess::Ending::NotStarted)
        return withStderr(KindOutcome::jobError(
            QStringLiteral("%1 %2").arg(m_spec.program, process.describeEnding()), false));
    if (process.ending() != GuardedProcess::Ending::Exited || process.exitCode() != 0) {
        QString message = QStringLiteral("the program %1").arg(process.describeEnding());
        if (const QString last = program.lastStderrLine(); !last.isEmpty())
            message += QStringLiteral(": ") + last;
        return withStderr(KindOutcome::jobError(message, true));
    }

    ResultSink &sink = ctx.result();
    if (resultPath.isEmpty()) {
        const QJsonObject summary{{QStringLiteral("kind"), m_name},
                                  {QStringLiteral("exit_code"), 0},
                                  {QStringLiteral("duration_s"), double(clock.elapsed()) / 1000.0}};
        sink.setFilename(QStringLiteral("result.json"));
        sink.setContentType(QStringLiteral("application/json"));
        if (!sink.write(QJsonDocument(summary).toJson(QJsonDocument::Compact)))
            return withStderr(KindOutcome::jobError(
                QStringLiteral("cannot write the result: %1").arg(sink.errorString()), false));
        return withStderr(KindOutcome::success());
    }

    const QString path = QDir(spec.workingDirectory).absoluteFilePath(resultPath);
    QFile file(path);
    if (!QFileInfo(path).isFile() || !file.open(QIODevice::ReadOnly))
        return withStderr(KindOutcome::jobError(
            QStringLiteral("RESULT names %1, which is not a readable file").arg(path), false));
    sink.setFilename(QFileInfo(path).fileName());
    sink.setContentType(contentTypeFor(path));
    QByteArray chunk(256 * 1024, Qt::Uninitialized);
    for (;;) {
        if (ctx.interrupted())
            return withStderr(ctx.interruptedOutcome());
        const qint64 n = file.read(chunk.data(), chunk.size());
        if (n < 0)
            return withStderr(KindOutcome::jobError(
                QStringLiteral("cannot read %1: %2").arg(path, file.errorString()), false));
        if (n == 0)
            break;
        if (!sink.write(chunk.constData(), std::size_t(n)))
            return withStderr(KindOutcome::jobError(
                QStringLiteral("cannot write the result: %1").arg(sink.errorString()), false));
    }
    return withStderr(KindOutcome::success());
}

} // namespace jobdesk
