#pragma once

#include "job.h"

#include <QByteArray>
#include <QJsonObject>

namespace jobdesk {

class JsonWriter;

/// The one serializer of the job object: HTTP bodies, ZeroMQ replies, events
/// and webhooks all go through it. Internal fields are never written.
/// The bytes are the serializer; the object form is read back from them.
QByteArray jobToJsonBytes(const Job &job);
QJsonObject jobToJson(const Job &job);

/// Reads a job object as a client receives it (internal fields stay default).
/// Returns false and sets `error` when a required field is missing or mistyped.
bool jobFromJson(const QJsonObject &json, Job *job, QString *error = nullptr);

QJsonObject resultInfoToJson(const ResultInfo &result);
/// The result object as resultInfoToJson() has it, written in place.
void writeResultInfo(JsonWriter &w, const ResultInfo &result);
/// A job's params: the bytes kept from the submit when there are any, else
/// the object written out. Shared by the job object and the worker messages.
void writeParams(JsonWriter &w, const QJsonObject &params, const QByteArray &paramsJson);
QJsonObject jobErrorToJson(const JobError &error);

/// The HTTP path of a job and of its result.
QString jobStatusPath(const QString &id);
QString jobResultPath(const QString &id);

} // namespace jobdesk
