#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <optional>

namespace jobdesk {

/// How an admin-defined kind runs: a program started with arguments made
/// from the job's params, never through a shell.
struct ProgramSpec
{
    QString program;                            // absolute path of an executable
    QStringList arguments;                      // templates; "{name}" stands for the param `name`
    QString workingDirectory;                   // empty: a fresh temporary folder for each attempt
    QList<QPair<QString, QString>> environment; // added to the worker's environment

    /// The program's arguments for `params`. Each "{name}" is replaced by the
    /// param's value (strings as they are, numbers in their shortest form,
    /// booleans as true/false) and "{{" / "}}" stand for braces. A template
    /// always yields exactly one argument, never split into words; one that
    /// names a param the job does not have is left out.
    QStringList expandArguments(const QJsonObject &params) const;
    /// The param names a template refers to; sets `error` on a malformed one.
    static QStringList placeholders(const QString &argumentTemplate, QString *error);

    QJsonObject toJson() const;
    static ProgramSpec fromJson(const QJsonObject &o);
};

/// What a job kind is, as the `kinds` op and `GET /api/v1/kinds` describe it.
struct KindInfo
{
    QString name;
    QString title;
    QString description;
    QJsonObject paramsSchema;
    int defaultTimeoutS = 300;
    int defaultMaxAttempts = 3;
    /// Set for admin-defined kinds; never served to clients.
    std::optional<ProgramSpec> program;

    /// The public description: no program, no input roots.
    QJsonObject toJson() const;
};

/// The kinds a backend accepts. The backend validates submits against it and
/// the worker validates again before it runs anything.
///
/// The catalog also holds the input roots: the folders that file params
/// (`format: "path"`) must lie under. They are written into every kind's
/// schema (kInputRootsSchemaKey), so validateParams(kind->paramsSchema, ...)
/// enforces them wherever the catalog is used.
class KindCatalog
{
public:
    /// The kinds built into jobdesk-worker, with the home folder of the user
    /// running this process as the only input root.
    static KindCatalog builtin();

    void add(KindInfo kind);
    const KindInfo *find(const QString &name) const;
    const QList<KindInfo> &kinds() const { return m_kinds; }
    /// The public descriptions (see KindInfo::toJson()).
    QJsonArray toJson() const;

    /// Replaces the input roots; each is made canonical (symbolic links resolved).
    void setInputRoots(const QStringList &roots);
    const QStringList &inputRoots() const { return m_inputRoots; }

    /// What the `[kind.NAME]` sections of a config file say.
    struct Settings
    {
        /// Default timeout and attempts set for a built-in kind.
        struct Defaults
        {
            QString name;
            std::optional<int> timeoutS;
            std::optional<int> maxAttempts;
        };
        QList<KindInfo> adminKinds;
        /// A section naming a built-in kind may only set these two.
        QList<Defaults> builtinDefaults;
    };
    /// Reads the `[kind.NAME]` sections of an INI config file (see
    /// docs/kinds.md): admin-defined kinds, and defaults for built-in ones.
    /// On failure returns nullopt and sets `error` to a message naming the
    /// file, section and key.
    static std::optional<Settings> readSettings(const QString &configFile, QString *error);
    /// Sets the default timeout and attempts of a kind in the catalog; false
    /// when there is no such kind.
    bool setDefaults(const Settings::Defaults &defaults);

    /// Everything a worker needs to run exactly this catalog: every kind with
    /// its program, and the input roots. jobdeskd writes it to a private file
    /// that each worker reads at start (--catalog), so a worker never sees a
    /// config file edited after the backend read it.
    QJsonObject toWorkerJson() const;
    static std::optional<KindCatalog> fromWorkerJson(const QJsonObject &o, QString *error);
    /// Writes toWorkerJson() atomically, readable by the owner only.
    bool writeWorkerFile(const QString &path, QString *error) const;
    static std::optional<KindCatalog> readWorkerFile(const QString &path, QString *error);

private:
    QJsonObject withRoots(QJsonObject schema) const;

    QList<KindInfo> m_kinds;
    QStringList m_inputRoots;
};

} // namespace jobdesk
