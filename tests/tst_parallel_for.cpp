// engine/core/ParallelFor.h: every item is visited exactly once, by the worker the split promises
// (contiguous chunks for parallelFor, every workers-th item for parallelForStrided), and a worker's
// exception reaches the caller.
#include "TestSupport.h"
#include "engine/core/ParallelFor.h"

#include <QtTest>

#include <atomic>
#include <stdexcept>
#include <vector>

class ParallelForTest : public QObject {
    Q_OBJECT
private slots:
    void threadCapIsReadOrRefused()
    {
        const QByteArray saved = qgetenv("LATENCY_STUDIO_THREADS");
        qputenv("LATENCY_STUDIO_THREADS", "1");
        QCOMPARE(ls::parallelWorkers(1000), 1);
        for (const char* bad : {"two", "0", "-3", "4x"}) {
            qputenv("LATENCY_STUDIO_THREADS", bad);
            QVERIFY_THROWS_EXCEPTION(ls::ArgumentError, ls::parallelWorkers(1000));
        }
        if (saved.isNull())
            qunsetenv("LATENCY_STUDIO_THREADS");
        else
            qputenv("LATENCY_STUDIO_THREADS", saved);
    }

    void chunksCoverEveryItemOnce()
    {
        const std::size_t count = ls::test::uniformInt(1, 5000);
        const int workers = ls::test::uniformInt(1, 8);
        std::vector<std::atomic<int>> visits(count);
        std::vector<int> chunkOf(count, -1);
        ls::parallelFor(count, workers, [&](std::size_t begin, std::size_t end, int worker) {
            for (std::size_t i = begin; i < end; ++i) {
                ++visits[i];
                chunkOf[i] = worker;
            }
        });
        for (std::size_t i = 0; i < count; ++i)
            QCOMPARE(visits[i].load(), 1);
        QVERIFY(std::is_sorted(chunkOf.begin(), chunkOf.end())); // contiguous chunks in worker order
    }

    void stridedGivesWorkerWEveryWorkersThItem()
    {
        const std::size_t count = ls::test::uniformInt(1, 5000);
        const int workers = ls::test::uniformInt(1, 8);
        std::vector<std::atomic<int>> visits(count);
        std::vector<int> workerOf(count, -1);
        ls::parallelForStrided(count, workers, [&](std::size_t item, int worker) {
            ++visits[item];
            workerOf[item] = worker;
        });
        const std::size_t used = std::min<std::size_t>(count, workers);
        for (std::size_t i = 0; i < count; ++i) {
            QCOMPARE(visits[i].load(), 1);
            QCOMPARE(workerOf[i], static_cast<int>(i % used));
        }
    }

    void aWorkersExceptionReachesTheCaller()
    {
        const std::size_t bad = ls::test::uniformInt(0, 99);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, ls::parallelForStrided(100, 3, [&](std::size_t item, int) {
            if (item == bad)
                throw std::runtime_error("item " + std::to_string(item));
        }));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, ls::parallelFor(100, 3, [&](std::size_t begin, std::size_t end, int) {
            if (begin <= bad && bad < end)
                throw std::runtime_error("chunk");
        }));
    }
};

QTEST_GUILESS_MAIN(ParallelForTest)
#include "tst_parallel_for.moc"
