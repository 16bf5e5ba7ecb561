// The GSpaRC engine in the studio window under Xvfb: train on the bundled RFID sample, then drag
// the transmitter in the 3D view and check what a user sees: the orange handle, the spectrum the
// trained field predicts at each new position (in the overlay and in its tab), and its latency;
// spectrum maps with a layer per frequency.
#include "GuiSupport.h"
#include "TestSupport.h"

#include "views/ColourRamp.h"
#include "views/GridImageView.h"
#include "views/ParameterPanel.h"
#include "views/PointCloudView.h"
#include "views/SeriesView.h"
#include "views/VtkViewport.h"

#include <QSlider>
#include <QTabWidget>

using namespace ls;

namespace {

const Dataset* datasetNamed(const host::RunRecord& run, const std::string& name)
{
    for (const auto& dataset : run.datasets)
        if (dataset.name == name)
            return &dataset;
    return nullptr;
}

bool isHandleOrange(const QColor& c) { return c.red() > 200 && c.green() > 80 && c.green() < 190 && c.blue() < 90; }

} // namespace

class TestGuiRf : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void draggingTheTransmitterRerendersTheSpectrum()
    {
        studio::MainWindow window;
        showStudio(window);
        QVERIFY2(window.openSession(STUDIO_SAMPLE_SESSION), qPrintable(window.logText()));
        window.selectEngine("rf.gsparc-train");
        ParameterValues values = window.parameterPanel()->values();
        QVERIFY(std::get<std::string>(values["dataset"]).ends_with("rfid-s23")); // the sample's real spectra
        values["iterations"] = std::int64_t{30}; // a short training keeps the test to seconds
        values["spacing"] = 0.6;
        // While it trains, the loss and SSIM curves so far come to the front in a live tab.
        auto* tabs = window.findChild<QTabWidget*>();
        std::vector<std::size_t> livePoints;
        connect(tabs, &QTabWidget::currentChanged, this, [&](int index) {
            if (auto* curves = qobject_cast<views::SeriesView*>(tabs->widget(index)); curves && tabs->tabText(index) == "training curves (live)")
                livePoints.push_back(curves->series().x.size());
        });
        QVERIFY2(window.runEngineWith("rf.gsparc-train", values), qPrintable(window.logText()));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 90000);
        QVERIFY2(!livePoints.empty() && livePoints.front() >= 1 && livePoints.front() <= 3, qPrintable(QString::number(livePoints.size())));
        for (int i = 0; i < tabs->count(); ++i) // the run's own tabs replace the live one
            QVERIFY2(!tabs->tabText(i).contains("(live)"), qPrintable(tabs->tabText(i)));
        QCOMPARE(tabs->tabText(tabs->currentIndex()), QString("training curves")); // in its place in front
        for (int i = 0; i < tabs->count(); ++i) // where a user drags the transmitter
            if (tabs->tabText(i) == "3D view")
                tabs->setCurrentIndex(i);
        QCOMPARE(tabs->tabText(tabs->currentIndex()), QString("3D view"));
        QVERIFY2(!window.logText().contains("ERROR"), qPrintable(window.logText()));
        const int runId = window.session().runs.back().id;
        QCOMPARE(window.session().runs.back().engineId, std::string("rf.gsparc-train"));
        QVERIFY(!datasetNamed(window.session().runs.back(), "spectrum image")); // the drag makes it

        // The Gaussians can be drawn as their 1σ ellipsoids, coloured like the points: far more of
        // the view is coloured than by the points alone.
        auto* cloudView = window.pointCloudView();
        QVERIFY(cloudView->ellipsoidsAvailable());
        cloudView->viewport()->setOverlayVisible(false);
        const auto isColoured = [](const QColor& c) { return std::max({c.red(), c.green(), c.blue()}) - std::min({c.red(), c.green(), c.blue()}) > 60; };
        const int pointPixels = countPixels(cloudView->viewport()->renderImage(1.0), isColoured);
        cloudView->setShowEllipsoids(true);
        const QImage ellipsoids = cloudView->viewport()->renderImage(1.0);
        keepArtifact(ellipsoids, "gsparc-ellipsoids.png");
        qInfo("coloured pixels: %d as points, %d as ellipsoids", pointPixels, countPixels(ellipsoids, isColoured));
        QVERIFY(countPixels(ellipsoids, isColoured) > 2 * pointPixels);
        cloudView->setShowEllipsoids(false);

        // The transmitter is a handle, drawn as an orange sphere.
        QCOMPARE(window.shownDragHandles().size(), std::size_t(1));
        const DragHandle handle = window.shownDragHandles().front();
        QCOMPARE(handle.label, std::string("transmitter"));
        auto* view = window.pointCloudView();
        auto* viewport = view->viewport();
        viewport->setOverlayVisible(false);
        const QImage before = viewport->renderImage(1.0);
        QVERIFY2(countPixels(before, isHandleOrange) > 80, qPrintable(QString::number(countPixels(before, isHandleOrange))));
        const QVector3D start = view->pointPosition(handle.pointIndex);
        const double startWorld[3] = {start.x(), start.y(), start.z()};
        const QPoint grab = viewport->logicalPositionOf(startWorld).toPoint();
        QVERIFY2(viewport->rect().contains(grab), qPrintable(QString("%1,%2").arg(grab.x()).arg(grab.y())));
        // With the overlay on, its statistics window is folded to its title bar while there is a
        // handle to drag: the handle stays in sight (as many orange pixels around it as without).
        const QRect aroundHandle(grab - QPoint(12, 12), QSize(24, 24));
        viewport->setOverlayVisible(true);
        viewport->renderImage(1.0);
        const int orangeWithOverlay = countPixels(viewport->renderImage(1.0), isHandleOrange, aroundHandle);
        viewport->setOverlayVisible(false);
        qInfo("around the handle: %d orange pixels with the overlay on, %d with it off", orangeWithOverlay, countPixels(before, isHandleOrange, aroundHandle));
        QVERIFY2(countPixels(before, isHandleOrange, aroundHandle) > 40, qPrintable(QString::number(countPixels(before, isHandleOrange, aroundHandle))));
        QVERIFY(orangeWithOverlay > countPixels(before, isHandleOrange, aroundHandle) / 2);

        // Drag it with the mouse 60 px to the right: it moves on its horizontal plane and the field
        // renders the spectrum there.
        QTest::mousePress(viewport, Qt::LeftButton, {}, grab);
        for (int step = 1; step <= 6; ++step)
            QTest::mouseMove(viewport, grab + QPoint(10 * step, 0));
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, grab + QPoint(60, 0));
        window.waitForHandleFollow();
        const QVector3D dropped = view->pointPosition(handle.pointIndex);
        QVERIFY2((dropped - start).length() > 1e-3, "the drag did not move the transmitter");
        QCOMPARE(dropped.z(), start.z()); // on its horizontal plane
        const host::RunRecord& run = *window.session().findRun(runId);
        const auto& kept = std::get<PointCloud>(datasetNamed(run, handle.cloudName)->content);
        QCOMPARE(kept.positions[handle.pointIndex * 3], dropped.x()); // the session keeps where it was dropped
        const Dataset* map = datasetNamed(run, "spectrum image");
        QVERIFY2(map, qPrintable(window.logText()));
        const std::vector<float> firstMap = std::get<Grid>(map->content).values;
        QCOMPARE(firstMap.size(), std::size_t(360 * 90));
        QVERIFY(window.centralWidget()->findChild<views::GridImageView*>("image:spectrum image")); // its own tab too
        QVERIFY(window.handlePanel().follows >= 1);
        QCOMPARE(window.handlePanel().mapTitle, std::string("spectrum image"));

        // A position typed into the overlay (far across the room) renders a different spectrum.
        QVERIFY(window.moveHandleTo(handle.pointIndex, start + QVector3D(1.5f, -1.0f, 0.3f)));
        window.waitForHandleFollow();
        const auto& secondMap = std::get<Grid>(datasetNamed(*window.session().findRun(runId), "spectrum image")->content).values;
        QVERIFY(secondMap != firstMap);
        const int follows = window.handlePanel().follows;
        QVERIFY2(follows >= 2, qPrintable(QString::number(follows)));
        QVERIFY(window.handlePanel().lastFollowMs > 0);

        // The overlay's handle window shows the map in the heat ramp's colours at the bottom.
        viewport->setOverlayVisible(true);
        viewport->renderImage(1.0); // ImGui lays out a new auto-sized window in its first frame, draws it in the next
        const QImage shown = viewport->renderImage(1.0);
        keepArtifact(window.captureWindow(1.0), "gsparc-drag.png");
        const QRect bottomLeft(0, shown.height() / 2, shown.width(), shown.height() / 2);
        const auto isWarm = [](const QColor& c) { return c.red() > 120 && c.red() > c.blue() + 30 && c.red() > c.green(); };
        qInfo("heat-coloured pixels in the view's lower half: %d with the handle window, %d before", countPixels(shown, isWarm, bottomLeft),
              countPixels(before, isWarm, bottomLeft));
        QVERIFY2(countPixels(shown, isWarm, bottomLeft) > 500, qPrintable(QString::number(countPixels(shown, isWarm, bottomLeft))));
        QVERIFY2(countPixels(shown, isWarm, bottomLeft) > 3 * countPixels(before, isWarm, bottomLeft),
                 qPrintable(QString("%1 vs %2").arg(countPixels(shown, isWarm, bottomLeft)).arg(countPixels(before, isWarm, bottomLeft))));
    }

    void spectrumMapsStepThroughFrequencies()
    {
        // A map with a layer per frequency: a slider steps through them on one colour scale.
        Grid maps{6, 9, 3, {}, "normalised power", "azimuth", "elevation", true};
        for (int i = 0; i < 6 * 9 * 3; ++i)
            maps.values.push_back(static_cast<float>(test::uniform(0.1, 0.9)));
        maps.values[4] = 1.5f; // the brightest cell, on layer 1
        maps.heatColours = true;
        maps.layerLabel = "frequency";
        views::GridImageView view;
        view.resize(640, 400);
        view.setGrid(maps, "spectrum image");
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto* slider = view.findChild<QSlider*>("layer");
        QVERIFY(slider && slider->isVisible());
        QCOMPARE(slider->maximum(), 2);
        const QImage first = view.image();
        slider->setValue(1);
        QCOMPARE(view.layer(), 1);
        QVERIFY(view.image() != first);
        QCOMPARE(view.image(), views::GridImageView::toImage(maps, nullptr, nullptr, 1));
        QCOMPARE(view.image().pixel(1, 0), views::heatColour(1.0f)); // cell (0, 1), layer 1: the top of the scale
        keepArtifact(view.grab().toImage(), "spectrum-layers.png");
        // The colour bar beside the map: the ramp's top colour shows in the widget.
        const QImage shown = view.grab().toImage();
        QVERIFY(countPixels(shown, [](const QColor& c) { return c.rgb() == views::heatColour(1.0f); }) > 20);

        // A new grid keeps the layer the user chose; a one-layer grid hides the slider.
        view.setGrid(maps, "spectrum image");
        QCOMPARE(view.layer(), 1);
        Grid single = maps;
        single.channels = 1;
        single.layerLabel.clear();
        single.values.resize(6 * 9);
        view.setGrid(single, "one frequency");
        QVERIFY(!slider->isVisible());
    }
};

QTEST_MAIN(TestGuiRf)
#include "tst_gui_rf.moc"
