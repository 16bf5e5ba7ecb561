// The timeline view: lanes and nesting from a record, hit-testing, zoom around a point, stage
// selection, and drawing 100k stage instances.
#include "TestSupport.h"
#include "views/TimelineView.h"

#include <QElapsedTimer>
#include <QImage>

using namespace ls;

namespace {

// `repeats` repeats of: outer [0, 100) with inner [10, 60) on the CPU, and a GPU kernel [20, 80).
LatencyRecord nestedRecord(int repeats)
{
    LatencyRecord record;
    record.repeats = repeats;
    for (int r = 0; r < repeats; ++r) {
        const double t = r * 120.0;
        record.samples.push_back({"outer", 0, r, "cpu", t, 100});
        record.samples.push_back({"outer/inner", 1, r, "cpu", t + 10, 50});
        record.samples.push_back({"kernel", 0, r, "gpu", t + 20, 60});
    }
    return record;
}

int colouredPixels(const QImage& image, int fromX)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = fromX; x < image.width(); ++x)
            count += QColor(image.pixel(x, y)).hsvSaturation() > 60;
    return count;
}

} // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private slots:
    void drawsLanesAndFindsStages()
    {
        views::TimelineView view;
        view.resize(800, 200);
        view.setRecord(nestedRecord(1), "one repeat");
        QCOMPARE(view.instanceCount(), std::size_t(3));
        // Fitted view spans the run with a 1 % margin: time 50 µs is in the middle.
        const double x = 96 + (50 - view.visibleStartUs()) / (view.visibleEndUs() - view.visibleStartUs()) * (800 - 96 - 4);
        const int ruler = 24 + 18, row = 20;
        QCOMPARE(view.stageAt(QPoint(static_cast<int>(x), ruler + row / 2)), QString("outer"));
        QCOMPARE(view.stageAt(QPoint(static_cast<int>(x), ruler + row + row / 2)), QString("outer/inner"));
        QCOMPARE(view.stageAt(QPoint(static_cast<int>(x), ruler + 2 * row + 10 + row / 2)), QString("kernel"));
        QCOMPARE(view.stageAt(QPoint(40, ruler + row / 2)), QString()); // the label column

        QImage image(view.size(), QImage::Format_RGB32);
        view.render(&image);
        QVERIFY(colouredPixels(image, 96) > 3 * 200); // three bars of ~18 px height and wide extent
    }

    void zoomKeepsThePointUnderTheCursor()
    {
        views::TimelineView view;
        view.resize(800, 200);
        view.setRecord(nestedRecord(10), "ten repeats");
        const double span = view.visibleEndUs() - view.visibleStartUs();
        const QPointF cursor(400, 60);
        const double before = view.visibleStartUs() + (cursor.x() - 96) / (800 - 96 - 4) * span;
        QWheelEvent wheel(cursor, view.mapToGlobal(cursor), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(&view, &wheel);
        const double newSpan = view.visibleEndUs() - view.visibleStartUs();
        QVERIFY(newSpan < span * 0.8);
        const double after = view.visibleStartUs() + (cursor.x() - 96) / (800 - 96 - 4) * newSpan;
        QVERIFY(std::abs(after - before) < 1e-6 * span);
    }

    void clickingSelectsAStage()
    {
        views::TimelineView view;
        view.resize(800, 200);
        view.setRecord(nestedRecord(3), "three");
        QSignalSpy selected(&view, &views::TimelineView::stageSelected);
        view.selectStage("outer/inner");
        QCOMPARE(selected.count(), 1);
        QCOMPARE(view.selectedStage(), QString("outer/inner"));
        view.selectStage("outer/inner"); // no change, no signal
        QCOMPARE(selected.count(), 1);
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(40, 50)); // empty space clears
        QCOMPARE(view.selectedStage(), QString());
    }

    void hundredThousandInstancesDraw()
    {
        LatencyRecord record;
        const int count = 100000;
        double t = 0;
        for (int i = 0; i < count; ++i) {
            const double d = test::uniform(1, 20);
            record.samples.push_back({i % 3 ? "step" : "sync", 0, i, "cpu", t, d});
            t += d + 0.5;
        }
        views::TimelineView view;
        view.resize(1200, 160);
        view.setRecord(record, "many");
        QCOMPARE(view.instanceCount(), std::size_t(count));
        QImage image(view.size(), QImage::Format_RGB32);
        QElapsedTimer clock;
        clock.start();
        view.render(&image);
        qInfo("100k instances drawn in %lld ms (merged per pixel column)", static_cast<long long>(clock.elapsed()));
        // Densely packed bars fill nearly the whole row.
        QVERIFY(colouredPixels(image, 96) > (1200 - 96) * 14);
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
