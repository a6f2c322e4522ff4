#pragma once

#include "apierror.h"

#include <QJsonObject>
#include <QList>

namespace jobdesk {

/// Validates job params against a kind's `params_schema`, the JSON Schema
/// subset of the contract: an object with `properties` (each with `type`
/// string|number|integer|boolean, and optionally `enum`, `minimum`,
/// `maximum`, `default`, `format: "path"`), `required`, and no properties
/// beyond those declared. Field names in errors are prefixed `params.`.
QList<FieldError> validateParams(const QJsonObject &schema, const QJsonObject &params);

/// `params` with every missing property that has a `default` filled in, so a
/// stored job shows the values it really runs with.
QJsonObject withDefaults(const QJsonObject &schema, const QJsonObject &params);

} // namespace jobdesk
