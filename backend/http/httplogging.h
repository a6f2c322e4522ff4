#pragma once

#include <QLoggingCategory>

namespace jobdesk {

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

} // namespace jobdesk
