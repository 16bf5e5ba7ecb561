#pragma once
// What the studio's GUI suites share: a shown studio window with the build's plugins, and
// screenshots kept for people to look at.
#include "app/studio/MainWindow.h"

#include <QDir>
#include <QImage>
#include <QtTest>

namespace {

// Saves a screenshot when LATENCY_STUDIO_TEST_ARTIFACTS names a folder, for people to look at.
inline void keepArtifact(const QImage& image, const QString& name)
{
    const QString folder = qEnvironmentVariable("LATENCY_STUDIO_TEST_ARTIFACTS");
    if (!folder.isEmpty())
        QVERIFY(image.save(QDir(folder).filePath(name)));
}

// A studio window with the build's plugins, shown and exposed; it never asks before closing.
inline void showStudio(ls::studio::MainWindow& window)
{
    window.setPromptOnClose(false);
    window.loadPlugins({STUDIO_PLUGIN_DIR});
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
}

// Pixels of `image` for which `predicate(QColor)` holds, inside `region` (whole image if empty).
template <class Predicate>
int countPixels(const QImage& image, Predicate&& predicate, QRect region = {})
{
    if (region.isEmpty())
        region = image.rect();
    region &= image.rect();
    int n = 0;
    for (int y = region.top(); y <= region.bottom(); ++y)
        for (int x = region.left(); x <= region.right(); ++x)
            n += predicate(QColor(image.pixel(x, y)));
    return n;
}

} // namespace
