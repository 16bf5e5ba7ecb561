// Chrome trace import (the studio's own exports and other tools' B/E/X/C traces, malformed files)
// and the run comparison's verdict on hand-made cases.
#include "TestSupport.h"
#include "engine/core/ChromeTraceImport.h"
#include "engine/core/Error.h"
#include "engine/core/LatencyComparison.h"
#include "engine/core/LatencyExport.h"

using namespace ls;

namespace {

LatencyRecord randomRecord(int repeats)
{
    LatencyRecord record;
    record.engineId = "test.engine";
    record.device = "cpu test";
    record.startedAt = "2026-11-24T00:00:00Z";
    record.repeats = repeats;
    double t = 0;
    for (int r = 0; r < repeats; ++r) {
        const double outer = test::uniform(100, 200), inner = test::uniform(10, 90);
        record.samples.push_back({"forward", 0, r, "cpu", t, outer});
        record.samples.push_back({"forward/attention", 1, r, "cpu", t + 5, inner});
        record.samples.push_back({"kernel", 0, r, "gpu", t + 7, test::uniform(1, 9)});
        record.repeatTotalsUs.push_back(outer + 3);
        t += 250;
    }
    return record;
}

SampleStats statsOf(std::vector<double> samples)
{
    return computeStats(std::move(samples));
}

} // namespace

class TestTraceImport : public QObject {
    Q_OBJECT
private slots:
    void ownExportRoundTrips()
    {
        const LatencyRecord original = randomRecord(static_cast<int>(test::uniformInt(2, 20)));
        const ImportedTrace trace = importChromeTrace(toChromeTrace(original).dump(), "own.json");
        QCOMPARE(trace.records.size(), std::size_t(1));
        const LatencyRecord& back = trace.records.front();
        QCOMPARE(back.engineId, original.engineId);
        QCOMPARE(back.device, original.device);
        QCOMPARE(back.repeats, original.repeats);
        QCOMPARE(back.samples.size(), original.samples.size());
        for (const auto& path : original.stagePaths()) {
            auto a = original.durationsUs(path), b = back.durationsUs(path);
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            QCOMPARE(b.size(), a.size());
            for (std::size_t i = 0; i < a.size(); ++i)
                QVERIFY(std::abs(a[i] - b[i]) < 1e-6);
        }
        QCOMPARE(back.repeatTotalsUs.size(), original.repeatTotalsUs.size());
        QVERIFY(std::abs(back.repeatTotalsUs[0] - original.repeatTotalsUs[0]) < 1e-6);
        bool sawGpuLane = false;
        for (const auto& s : back.samples)
            sawGpuLane |= s.lane == "gpu";
        QVERIFY(sawGpuLane);
    }

    void beginEndPairsNestByThread()
    {
        // As other profilers write it: B/E pairs on two threads, an X inside, a counter, metadata.
        const std::string json = R"([
          {"ph":"M","pid":7,"tid":1,"name":"thread_name","args":{"name":"main"}},
          {"ph":"B","pid":7,"tid":1,"name":"frame","ts":1000},
          {"ph":"B","pid":7,"tid":1,"name":"update","ts":1010},
          {"ph":"E","pid":7,"tid":1,"ts":1050},
          {"ph":"X","pid":7,"tid":1,"name":"draw","ts":1060,"dur":30},
          {"ph":"E","pid":7,"tid":1,"ts":1100},
          {"ph":"B","pid":7,"tid":1,"name":"frame","ts":2000},
          {"ph":"E","pid":7,"tid":1,"ts":2120},
          {"ph":"X","pid":7,"tid":"worker","name":"decode","ts":1005,"dur":500},
          {"ph":"C","pid":7,"name":"memory","ts":1000,"args":{"MB":12.5}},
          {"ph":"i","pid":7,"tid":1,"name":"marker","ts":1500}
        ])";
        const ImportedTrace trace = importChromeTrace(json, "other.json");
        QCOMPARE(trace.records.size(), std::size_t(1));
        const LatencyRecord& record = trace.records.front();
        QCOMPARE(record.durationsUs("frame"), (std::vector<double>{100, 120}));
        QCOMPARE(record.durationsUs("frame/update"), (std::vector<double>{40}));
        QCOMPARE(record.durationsUs("frame/draw"), (std::vector<double>{30}));
        QCOMPARE(record.durationsUs("decode"), (std::vector<double>{500}));
        QCOMPARE(record.repeats, 2); // two 'frame' instances
        for (const auto& s : record.samples) {
            QCOMPARE(s.lane, std::string(s.path == "decode" ? "thread worker" : "main"));
            QCOMPARE(s.depth, s.path.starts_with("frame/") ? 1 : 0);
        }
        QCOMPARE(trace.counters.at("memory").front().second, 12.5);
    }

    void malformedTracesNameEventAndField_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("syntax") << "[\n{\"ph\":\"X\",\n \"ts\": }\n]" << "other.json: line 3";
        QTest::newRow("not a trace") << "{\"events\": []}" << "needs a 'traceEvents' array";
        QTest::newRow("no phase") << "[{\"ts\":1}]" << "traceEvents[0]: missing field 'ph'";
        QTest::newRow("no ts") << "[{\"ph\":\"X\",\"dur\":1}]" << "traceEvents[0]: missing field 'ts'";
        QTest::newRow("no dur") << "[{\"ph\":\"X\",\"ts\":1}]" << "missing field 'dur'";
        QTest::newRow("text ts") << "[{\"ph\":\"X\",\"ts\":\"1\",\"dur\":1}]" << "field 'ts' must be a number";
        QTest::newRow("negative dur") << "[{\"ph\":\"X\",\"ts\":1,\"dur\":-4}]" << "'dur' is negative";
        QTest::newRow("stray E") << "[{\"ph\":\"X\",\"ts\":1,\"dur\":1},{\"ph\":\"E\",\"ts\":2}]" << "traceEvents[1]: 'E' without a matching 'B'";
        QTest::newRow("open B") << "[{\"ph\":\"B\",\"name\":\"a\",\"ts\":1}]" << "traceEvents[0]: 'B' event 'a' is never ended";
        QTest::newRow("E before B") << "[{\"ph\":\"B\",\"name\":\"a\",\"ts\":5},{\"ph\":\"E\",\"ts\":2}]" << "before its 'B'";
    }
    void malformedTracesNameEventAndField()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        try {
            importChromeTrace(json.toStdString(), "other.json");
            QFAIL("accepted a malformed trace");
        } catch (const FormatError& error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains(expected), error.what());
        }
    }

    void verdictNeedsSeparatedSpreads()
    {
        // Hand cases: IQR of 10..20 is [12.5, 17.5].
        const SampleStats a = statsOf({10, 12, 14, 16, 18, 20, 11, 13, 15, 17, 19});
        QCOMPARE(compareSamples(a, statsOf({30, 31, 32, 33, 34, 35})), Verdict::Slower);
        QCOMPARE(compareSamples(a, statsOf({1, 2, 3, 4, 5, 6})), Verdict::Faster);
        QCOMPARE(compareSamples(a, statsOf({14, 15, 16, 17, 18, 19})), Verdict::WithinNoise);
        QCOMPARE(compareSamples(a, statsOf({30, 31, 32})), Verdict::NotComparable); // too few samples
        // A shift smaller than the spread is within noise even when the medians differ.
        std::vector<double> noisy, shifted;
        for (int i = 0; i < 200; ++i) {
            noisy.push_back(100 + test::uniform(-20, 20));
            shifted.push_back(103 + test::uniform(-20, 20));
        }
        QCOMPARE(compareSamples(statsOf(noisy), statsOf(shifted)), Verdict::WithinNoise);
    }

    void recordsAlignByStage()
    {
        const LatencyRecord a = randomRecord(10);
        LatencyRecord b = a;
        b.samples.push_back({"only in b", 0, 0, "cpu", 0, 5});
        for (auto& s : b.samples)
            if (s.path == "forward/attention")
                s.durationUs += 1000; // far beyond the spread of 10..90 µs
        const auto rows = compareRecords(a, b);
        QCOMPARE(rows.size(), std::size_t(5));
        QCOMPARE(rows[0].stage, std::string("forward"));
        QCOMPARE(rows[1].stage, std::string("forward/attention"));
        QCOMPARE(rows[1].verdict, Verdict::Slower);
        const double medianA = a.stageStats("forward/attention").median;
        QVERIFY(std::abs(rows[1].ratio - (medianA + 1000) / medianA) < 1e-9);
        QCOMPARE(rows[0].verdict, Verdict::WithinNoise); // unchanged stage
        QCOMPARE(rows[3].stage, std::string("only in b"));
        QCOMPARE(rows[3].verdict, Verdict::NotComparable);
        QCOMPARE(rows[4].stage, std::string("(repeat total)"));
    }
};

QTEST_GUILESS_MAIN(TestTraceImport)
#include "tst_trace_import.moc"
