// Device selection: the forcing variable, fallbacks on machines without a GPU, bad values.
#include "TestSupport.h"
#include "engine/core/Device.h"
#include "engine/core/Error.h"

using namespace ls;

class TestDevice : public QObject {
    Q_OBJECT
private slots:
    void cleanup() { qunsetenv(kDeviceEnvironmentVariable); }

    void forcedCpu()
    {
        qputenv(kDeviceEnvironmentVariable, "cpu");
        const auto selection = selectDevice();
        QVERIFY(!selection.device.isCuda());
        QVERIFY(QString::fromStdString(selection.reason).contains("LATENCY_STUDIO_DEVICE=cpu"));
        QCOMPARE(selection.device.id(), std::string("cpu"));
        QVERIFY(selection.device.memoryBytes > 0);
    }

    void explicitRequestWinsOverTheVariable()
    {
        qputenv(kDeviceEnvironmentVariable, "cuda:0");
        QVERIFY(!selectDevice("cpu").device.isCuda());
    }

    void cudaRequestFallsBackOrSelects()
    {
        const auto cuda = enumerateCudaDevices();
        qputenv(kDeviceEnvironmentVariable, "cuda:0");
        const auto selection = selectDevice();
        if (cuda.devices.empty()) {
            QVERIFY(!cuda.reason.empty());
            QVERIFY(!selection.device.isCuda());
            QVERIFY2(QString::fromStdString(selection.reason).contains("using the CPU"), selection.reason.c_str());
        } else {
            QVERIFY(selection.device.isCuda());
            QCOMPARE(selection.device.index, 0);
            QVERIFY(selection.device.computeMajor >= 7);
        }
        // An ordinal past the last device always falls back.
        const auto beyond = selectDevice("cuda:" + std::to_string(cuda.devices.size() + 3));
        QVERIFY(!beyond.device.isCuda());
    }

    void automaticChoiceExplainsItself()
    {
        const auto selection = selectDevice();
        QVERIFY(!selection.reason.empty());
        QCOMPARE(selection.device.isCuda(), !enumerateCudaDevices().devices.empty());
        if (!builtWithCuda())
            QVERIFY(QString::fromStdString(selection.reason).contains("no CUDA support"));
    }

    void malformedRequestsAreErrors()
    {
        for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "CPU "})
            QVERIFY_THROWS_EXCEPTION(ArgumentError, selectDevice(bad));
        qputenv(kDeviceEnvironmentVariable, "tpu:0");
        QVERIFY_THROWS_EXCEPTION(ArgumentError, selectDevice());
    }
};

QTEST_GUILESS_MAIN(TestDevice)
#include "tst_device.moc"
