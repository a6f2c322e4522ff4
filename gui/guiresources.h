#pragma once

namespace jobdesk {

/// Registers the icons compiled into the jobdesk_gui library (a static
/// library's resources are not linked in unless something references them).
/// Safe to call more than once; the classes that use icons call it.
void initGuiResources();

} // namespace jobdesk
