// Latency statistics against hand-computed values, the recorder's nesting and warm-up handling,
// and the Chrome trace / CSV / JSON exports.
#include "TestSupport.h"
#include "engine/core/LatencyExport.h"

#include "engine/core/Error.h"

#include <set>
#include <thread>

using namespace ls;

class TestLatency : public QObject {
    Q_OBJECT
private slots:
    void statisticsOfKnownSamples()
    {
        // 1..10 shuffled: NumPy gives median 5.5, p75 7.75, p90 9.1, p99 9.91, p99.9 9.991,
        // sample σ sqrt(82.5/9) = 3.0276503.
        std::vector<double> samples{7, 3, 10, 1, 9, 2, 8, 5, 4, 6};
        const SampleStats s = computeStats(samples);
        QCOMPARE(s.count, std::size_t(10));
        QCOMPARE(s.mean, 5.5);
        QCOMPARE(s.median, 5.5);
        QCOMPARE(s.min, 1.0);
        QCOMPARE(s.max, 10.0);
        QVERIFY(qFuzzyCompare(s.p75, 7.75));
        QVERIFY(qFuzzyCompare(s.p90, 9.1));
        QVERIFY(qFuzzyCompare(s.p99, 9.91));
        QVERIFY(qFuzzyCompare(s.p999, 9.991));
        QVERIFY(qAbs(s.stddev - 3.0276503540974917) < 1e-12);
        QVERIFY(qAbs(s.cv - 3.0276503540974917 / 5.5) < 1e-12);
    }

    void studentIntervalMatchesScipy()
    {
        // scipy.stats.t.ppf(0.975, dof), an independent implementation.
        const std::pair<int, double> quantiles[] = {{1, 12.706204736}, {2, 4.302652730}, {4, 2.776445105}, {9, 2.262157163},
                                                    {29, 2.045229642}, {40, 2.021075390}, {120, 1.979930405}, {1000, 1.962339081}};
        for (const auto& [dof, expected] : quantiles)
            QVERIFY2(std::abs(studentT975(dof) - expected) < 2e-3, qPrintable(QString("dof %1: %2").arg(dof).arg(studentT975(dof))));
        // scipy.stats.t.interval(0.95, 2, loc=mean, scale=sem) for 3.66, 3.20, 3.28: half-width 0.6105.
        const double values[] = {3.66, 3.20, 3.28};
        QVERIFY(std::abs(meanHalfWidth95(values) - 0.6105) < 1e-3);
        QCOMPARE(meanHalfWidth95(std::span<const double>(values, 1)), 0.0);
    }

    void statisticsOfEdgeCases()
    {
        QCOMPARE(computeStats({}).count, std::size_t(0));
        const SampleStats one = computeStats({4.0});
        QCOMPARE(one.median, 4.0);
        QCOMPARE(one.p999, 4.0);
        QCOMPARE(one.stddev, 0.0);
        // Random constant samples: every percentile equals the constant.
        const double value = test::uniform(0.1f, 100.f);
        const SampleStats flat = computeStats(std::vector<double>(static_cast<std::size_t>(test::uniformInt(2, 50)), value));
        QCOMPARE(flat.p90, value);
        QCOMPARE(flat.cv, 0.0);
    }

    void recorderNestsStagesAndDropsWarmup()
    {
        LatencyRecorder recorder;
        const int repeats = static_cast<int>(test::uniformInt(2, 5));
        for (int r = 0; r < repeats + 1; ++r) {
            recorder.beginRepeat(r == 0);
            {
                auto outer = recorder.stage("forward");
                {
                    auto inner = recorder.stage("attention");
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                }
                recorder.addMeasuredStage("kernel", "gpu", recorder.nowUs(), 42.0);
            }
            recorder.endRepeat();
        }
        const LatencyRecord record = recorder.takeRecord();
        QCOMPARE(record.warmupRepeats, 1);
        QCOMPARE(record.repeats, repeats);
        QCOMPARE(record.repeatTotalsUs.size(), std::size_t(repeats));
        QCOMPARE(record.stagePaths(), (std::vector<std::string>{"forward/attention", "forward/kernel", "forward"}));
        QCOMPARE(record.durationsUs("forward/attention").size(), std::size_t(repeats));
        QVERIFY(record.stageStats("forward/attention").min >= 200.0);
        QVERIFY(record.stageStats("forward").min >= record.stageStats("forward/attention").min);
        QCOMPARE(record.stageStats("forward/kernel").median, 42.0);
        for (const auto& sample : record.samples) {
            QVERIFY(sample.repeat >= 0 && sample.repeat < repeats);
            QCOMPARE(sample.depth, sample.path == "forward" ? 0 : 1);
        }
    }

    void stageNamesMustBeUsable()
    {
        LatencyRecorder recorder;
        recorder.beginRepeat(false);
        QVERIFY_THROWS_EXCEPTION(StudioError, recorder.stage("a/b"));
        QVERIFY_THROWS_EXCEPTION(StudioError, recorder.stage(""));
    }

    void chromeTraceHasCompleteEventsCountersAndMetadata()
    {
        LatencyRecord record;
        record.engineId = "test.engine";
        record.device = "cpu test";
        record.repeats = 2;
        record.repeatTotalsUs = {100, 120};
        record.samples = {{"a", 0, 0, "cpu", 0, 60}, {"a/b", 1, 0, "cpu", 5, 20}, {"k", 0, 0, "gpu", 10, 30},
                          {"a", 0, 1, "cpu", 130, 70}, {"a/b", 1, 1, "cpu", 140, 25}, {"k", 0, 1, "gpu", 150, 33}};
        const auto trace = toChromeTrace(record);
        int complete = 0, counters = 0, metadata = 0;
        std::set<int> threads;
        for (const auto& event : trace["traceEvents"]) {
            const auto phase = event["ph"].get<std::string>();
            complete += phase == "X";
            counters += phase == "C";
            metadata += phase == "M";
            if (phase == "X") {
                QVERIFY(event.contains("ts") && event.contains("dur") && event.contains("pid") && event.contains("tid"));
                threads.insert(event["tid"].get<int>());
            }
        }
        QCOMPARE(complete, 6);
        QCOMPARE(counters, 2);
        QCOMPARE(metadata, 3); // process name + CPU lane + GPU lane
        QCOMPARE(threads.size(), std::size_t(2));
        QCOMPARE(trace["displayTimeUnit"].get<std::string>(), std::string("ms"));
    }

    void csvAndJsonExports()
    {
        LatencyRecord record;
        record.engineId = "e";
        record.device = "cpu";
        record.startedAt = "2026-01-01T00:00:00Z";
        record.repeats = 3;
        for (int r = 0; r < 3; ++r) {
            const double d = test::uniform(1.f, 1000.f);
            record.samples.push_back({"stage, with comma", 0, r, "cpu", r * 2000.0, d});
            record.repeatTotalsUs.push_back(d + 1);
        }
        const std::string samples = samplesToCsv(record);
        QCOMPARE(std::count(samples.begin(), samples.end(), '\n'), 4L);
        QVERIFY(samples.find("\"stage, with comma\"") != std::string::npos);
        const std::string stats = statsToCsv(record);
        QVERIFY(stats.starts_with("stage,count,mean_us,median_us,stddev_us,cv,min_us,max_us,p75_us,p90_us,p99_us,p999_us\n"));

        const LatencyRecord back = latencyFromJson(latencyToJson(record), "memory");
        QCOMPARE(back.samples.size(), record.samples.size());
        QCOMPARE(back.samples[2].durationUs, record.samples[2].durationUs);
        QCOMPARE(back.repeatTotalsUs, record.repeatTotalsUs);
        auto broken = latencyToJson(record);
        broken.erase("samples");
        try {
            latencyFromJson(broken, "session.lstudio runs[0]");
            QFAIL("accepted a record without samples");
        } catch (const FormatError& error) {
            QVERIFY(QString(error.what()).contains("session.lstudio runs[0]: missing field 'samples'"));
        }
    }
};

QTEST_GUILESS_MAIN(TestLatency)
#include "tst_latency.moc"
