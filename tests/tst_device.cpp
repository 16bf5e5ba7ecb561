// Device selection: the forcing variable, fallbacks on machines without a GPU, bad values.
#include "TestSupport.h"
#include "engine/core/Device.h"
#include "engine/core/Error.h"
#if LS_HAS_CUDA
#include "engine/core/cuda/Workspace.h"
#endif

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

    void workspacePiecesAreAlignedAndApart()
    {
#if LS_HAS_CUDA
        // The carving a GPU workspace does, on a host array: the sizing pass and the real pass
        // agree, every piece is 256-byte aligned, holds its count and overlaps no other.
        std::vector<std::size_t> counts;
        for (int i = 0; i < 12; ++i)
            counts.push_back(static_cast<std::size_t>(test::uniformInt(0, 5000)));
        auto layOut = [&](cuda::Carver& carver) {
            std::vector<std::pair<std::uintptr_t, std::size_t>> pieces; // address, bytes
            for (std::size_t i = 0; i < counts.size(); ++i) {
                if (i % 3 == 0)
                    pieces.push_back({reinterpret_cast<std::uintptr_t>(carver.take<double>(counts[i])), counts[i] * sizeof(double)});
                else if (i % 3 == 1)
                    pieces.push_back({reinterpret_cast<std::uintptr_t>(carver.take<unsigned char>(counts[i])), counts[i]});
                else
                    pieces.push_back({reinterpret_cast<std::uintptr_t>(carver.take<float>(counts[i])), counts[i] * sizeof(float)});
            }
            return pieces;
        };
        cuda::Carver sizing(nullptr);
        layOut(sizing);
        std::vector<unsigned char> host(sizing.bytes() + 256);
        auto* base = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(host.data()) + 255) / 256 * 256);
        cuda::Carver real(base);
        const auto pieces = layOut(real);
        QCOMPARE(real.bytes(), sizing.bytes());
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            QCOMPARE(pieces[i].first % 256, std::uintptr_t{0});
            QVERIFY(pieces[i].first + pieces[i].second <= reinterpret_cast<std::uintptr_t>(base) + sizing.bytes());
            if (i > 0)
                QVERIFY(pieces[i - 1].first + pieces[i - 1].second <= pieces[i].first);
        }
#else
        QSKIP("this build has no CUDA: no device workspace to carve");
#endif
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
