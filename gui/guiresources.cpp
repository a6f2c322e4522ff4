#include "guiresources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initJobdeskResources()
{
    Q_INIT_RESOURCE(jobdesk);
}

namespace jobdesk {

void initGuiResources()
{
    static const bool done = [] {
        initJobdeskResources();
        return true;
    }();
    Q_UNUSED(done);
}

} // namespace jobdesk
