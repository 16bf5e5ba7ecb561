#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"
#include "app/host/Session.h"
#include "engine/core/Error.h"
#include "views/GlFormat.h"
#include "views/LatencyOverlay.h"
#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QImage>
#include <cstdio>

namespace ls::cli {

void prepareGraphicsFormat()
{
    views::setDefaultSurfaceFormat();
}

int screenshotCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription("Render the latest point cloud of a session to a PNG.");
    parser.addHelpOption();
    parser.addOptions({
        {"session", "Session file (.lstudio).", "file"},
        {"out", "PNG to write.", "file.png"},
        {"width", "3D view width in pixels, before --scale (default 1280).", "W", "1280"},
        {"height", "3D view height in pixels, before --scale (default 800).", "H", "800"},
        {"scale", "Resolution multiplier (default 1).", "K", "1"},
        {"color-by", "Attribute to colour by (default: the session's choice).", "name"},
        {"no-overlay", "Leave out the ImGui overlay."},
        {"from-above", "Look straight down the z axis (y up) instead of the default oblique view."},
    });
    if (const auto done = parseArguments(parser, arguments, "screenshot", {"session", "out"}))
        return *done;
    host::Session session;
    try {
        session = host::loadSession(parser.value("session").toStdString());
    } catch (const StudioError& error) {
        std::fprintf(stderr, "latency-studio-cli screenshot: %s\n", error.what());
        return kFileError;
    }
    const host::RunRecord* shown = nullptr;
    const PointCloud* cloud = nullptr;
    for (const auto& run : session.runs)
        for (const auto& dataset : run.datasets)
            if (const auto* c = std::get_if<PointCloud>(&dataset.content)) {
                shown = &run;
                cloud = c;
            }
    if (!cloud) {
        std::fprintf(stderr, "latency-studio-cli screenshot: %s holds no run with a point cloud\n",
                     qPrintable(parser.value("session")));
        return kFileError;
    }
    views::PointCloudView view;
    const QSize wanted(parser.value("width").toInt(), parser.value("height").toInt());
    view.resize(wanted);
    view.show();
    QApplication::processEvents();
    // --width/--height size the 3D view itself: grow the window by what its toolbar takes.
    view.resize(view.size() + (wanted - view.viewport()->size()));
    view.showPointCloud(*cloud, QString::fromStdString(shown->label));
    QString colorBy = parser.value("color-by");
    if (colorBy.isEmpty() && session.viewState.contains("pointCloud"))
        colorBy = QString::fromStdString(session.viewState["pointCloud"].value("colorBy", ""));
    if (!colorBy.isEmpty()) {
        if (!view.colorChoices().contains(colorBy)) {
            std::fprintf(stderr, "latency-studio-cli screenshot: no attribute '%s' (have: %s)\n", qPrintable(colorBy),
                         qPrintable(view.colorChoices().join(", ")));
            return kUsage;
        }
        view.setColorBy(colorBy);
    }
    view.viewport()->setOverlayContent([shown] { views::drawLatencyOverlay(shown->label, shown->latency); });
    view.viewport()->setOverlayVisible(!parser.isSet("no-overlay"));
    for (int i = 0; i < 10; ++i) // let the window map and the GL context come up
        QApplication::processEvents();
    if (parser.isSet("from-above"))
        view.viewport()->viewFromAbove();
    const QImage image = view.viewport()->renderImage(parser.value("scale").toDouble());
    if (image.isNull() || !image.save(parser.value("out"), "PNG")) {
        std::fprintf(stderr, "latency-studio-cli screenshot: could not render or write %s\n", qPrintable(parser.value("out")));
        return kFileError;
    }
    std::printf("%s: %dx%d, %zu points\n", qPrintable(parser.value("out")), image.width(), image.height(), view.pointCount());
    return kOk;
}

} // namespace ls::cli
