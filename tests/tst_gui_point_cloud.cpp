// The 3D view with a cloud too big to draw at full detail while the camera moves: decimated during
// an orbit (signals and real mouse events), whole at rest, and never for a cloud under the budget.
#include "GuiSupport.h"
#include "TestSupport.h"

#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

#include <QApplication>
#include <QMouseEvent>

#include <algorithm>
#include <cmath>

using namespace ls;

class TestGuiPointCloud : public QObject {
    Q_OBJECT
private slots:
    void bigCloudsAreDecimatedWhileTheCameraMoves()
    {
        // 1M points: while the camera moves the view draws every 10th point, at rest all of them.
        // The render times (the overlay's "3D render") are printed, not asserted: timings here
        // depend on the machine. docs/architecture.md gives the measured numbers.
        PointCloud cloud;
        constexpr std::size_t kPoints = 1'000'000;
        Attribute height{"height", 1, {}};
        for (std::size_t i = 0; i < kPoints; ++i) {
            const float x = test::uniform(-10, 10), y = test::uniform(-10, 10), z = std::sin(x) * std::cos(y);
            cloud.positions.insert(cloud.positions.end(), {x, y, z});
            height.values.push_back(z);
        }
        cloud.attributes.push_back(height);
        views::PointCloudView view;
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showPointCloud(cloud, "1M points");
        auto* viewport = view.viewport();
        auto medianRenderMs = [&] {
            std::vector<double> ms;
            for (int i = 0; i < 7; ++i) {
                viewport->renderImage(1.0);
                ms.push_back(viewport->lastRenderMs());
            }
            std::sort(ms.begin(), ms.end());
            return ms[ms.size() / 2];
        };
        const double atRest = medianRenderMs();
        QVERIFY(!view.drawsSubset());
        emit viewport->interactionStarted(); // what an orbit drag sends
        QVERIFY(view.drawsSubset());
        const QImage moving = viewport->renderImage(1.0);
        const double whileMoving = medianRenderMs();
        QVERIFY2(countPixels(moving, [](const QColor& c) { return qGray(c.rgb()) > 110; }) > 1000, "the subset draws nothing");
        emit viewport->interactionEnded();
        QVERIFY(!view.drawsSubset());
        // A real orbit: press, drag, release.
        const QPointF from(500, 350), to(560, 380);
        QMouseEvent press(QEvent::MouseButtonPress, from, viewport->mapToGlobal(from), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &press);
        QMouseEvent move(QEvent::MouseMove, to, viewport->mapToGlobal(to), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &move);
        QVERIFY(view.drawsSubset());
        QMouseEvent release(QEvent::MouseButtonRelease, to, viewport->mapToGlobal(to), Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &release);
        QVERIFY(!view.drawsSubset());
        qInfo("1M points: 3D render %.1f ms at rest, %.1f ms while moving (every %zu-th point)", atRest, whileMoving,
              kPoints / views::PointCloudView::kInteractivePointBudget);
        // A cloud under the budget is never decimated.
        PointCloud small;
        small.positions.assign(cloud.positions.begin(), cloud.positions.begin() + 3 * 5000);
        view.showPointCloud(small, "5k points");
        emit viewport->interactionStarted();
        QVERIFY(!view.drawsSubset());
        emit viewport->interactionEnded();
    }
};

QTEST_MAIN(TestGuiPointCloud)
#include "tst_gui_point_cloud.moc"
