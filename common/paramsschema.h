#pragma once

#include "apierror.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace jobdesk {

/// The schema key under which KindCatalog records the folders that
/// `format: "path"` values must lie under. It travels with the schema so that
/// every validateParams() call made with a catalog's schema (at submit, and
/// again in the worker) enforces it; KindInfo::toJson() leaves it out.
inline constexpr char kInputRootsSchemaKey[] = "x-input-roots";

/// Validates job params against a kind's `params_schema`, the JSON Schema
/// subset of the contract: an object with `properties` (each with `type`
/// string|number|integer|boolean, and optionally `enum`, `minimum`,
/// `maximum`, `default`, `format: "path"`), `required`, and no properties
/// beyond those declared. Field names in errors are prefixed `params.`.
///
/// When the schema carries input roots (kInputRootsSchemaKey), every
/// `format: "path"` value must be absolute and lie under one of them once
/// `..` and symbolic links are resolved (inputPathError()).
QList<FieldError> validateParams(const QJsonObject &schema, const QJsonObject &params);

/// `params` with every missing property that has a `default` filled in, so a
/// stored job shows the values it really runs with.
QJsonObject withDefaults(const QJsonObject &schema, const QJsonObject &params);

/// What is wrong with a params schema that validateParams() would have to
/// work with (admin-defined kinds come from a config file): an empty list
/// when it is an object schema of the supported subset.
QStringList schemaProblems(const QJsonObject &schema);

/// `path` with `..` and symbolic links resolved, as far as it exists (a file
/// that does not exist yet resolves through its folder). Empty when `path` is
/// not absolute or cannot be resolved.
QString resolveInputPath(const QString &path);

/// Why `path` may not be read as a job's input: not absolute, or not under
/// any of `roots` (canonical folders) once resolved. Empty when it may.
QString inputPathError(const QString &path, const QStringList &roots);

/// Whether the canonical `path` is `root` or lies below it.
bool isUnderRoot(const QString &path, const QString &root);

/// Paths that are never a job's input, whatever the roots say: jobdeskd's
/// own data (its database, API token, webhook secret, config). Set once at
/// start, before any thread reads it.
void setDeniedInputPaths(const QStringList &paths);
/// Whether the canonical `path` is, or lies below, a denied path.
bool isDeniedInputPath(const QString &path);

} // namespace jobdesk
