#pragma once

namespace jobdesk {

/// The command-line switch that makes jobdesk-worker a PDF renderer.
inline constexpr char kRenderPdfSwitch[] = "--render-pdf";

/// main() of `jobdesk-worker --render-pdf IN.html OUT.pdf`: creates a
/// QGuiApplication on the offscreen platform (so it needs no display), lays
/// the HTML out with QTextDocument on A4 pages and writes them with
/// QPdfWriter. Exit code 0 on success, 1 with a message on stderr otherwise.
int renderPdfMain(int argc, char *argv[]);

} // namespace jobdesk
