// The multipath simulator (engine/rf): line of sight against the closed form (power and delay),
// a first-order wall reflection against its image source, the Bartlett spectrum's peak in the
// source's direction, occlusion by a box, scene files with errors naming the field, and a written
// dataset that the RFID loader reads back.
#include "TestSupport.h"

#include "engine/core/Error.h"
#include "engine/rf/MultipathSimulator.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ls;
using namespace ls::rf;

class MultipathTest : public QObject {
    Q_OBJECT

private slots:
    void lineOfSightMatchesTheClosedForm();
    void wallReflectionComesFromItsImage();
    void spectrumPeaksTowardsTheSource();
    void boxesBlockPaths();
    void badScenesNameTheField_data();
    void badScenesNameTheField();
    void writtenDatasetLoadsBack();
};

namespace {
// An 8 × 6 × 3 m room, receiver facing up (identity orientation), no boxes.
std::string roomJson(int order, const std::string& extra = "")
{
    return R"({"room": {"min": [0, 0, 0], "max": [8, 6, 3], "material": "wall"},
               "materials": {"wall": {"reflection": [-0.5, 0.1]}, "metal": {"reflection": [-0.9, 0]}},
               "receiver": {"position": [4, 3, 0.5], "orientation": [0, 0, 0, 1]},
               "frequenciesHz": [915e6, 920e6],
               "reflectionOrder": )" + std::to_string(order) + R"(,
               "transmitters": {"min": [1, 1, 2], "max": [7, 5, 2.5], "count": [3, 2, 1]},
               "map": {"width": 180, "height": 45})" + extra + "}";
}
} // namespace

void MultipathTest::lineOfSightMatchesTheClosedForm()
{
    const MultipathScene scene = parseMultipathScene(roomJson(0), "room.json");
    const std::array<float, 3> tx{test::uniform(1, 7), test::uniform(1, 5), test::uniform(1.5f, 2.8f)};
    const auto paths = tracePaths(scene, tx);
    QCOMPARE(paths.size(), std::size_t{1});
    const double distance = std::hypot(tx[0] - 4.0, tx[1] - 3.0, tx[2] - 0.5);
    QVERIFY(std::abs(paths[0].lengthMetres - distance) < 1e-6);
    const auto h = channelResponse(paths, scene.frequenciesHz);
    for (std::size_t f = 0; f < scene.frequenciesHz.size(); ++f) {
        const double wavelength = kSpeedOfLight / scene.frequenciesHz[f];
        const double power = std::norm(h[f]), expectedPower = std::pow(wavelength / (4 * kPi * distance), 2); // Friis, unit gains
        QVERIFY2(std::abs(power - expectedPower) <= 1e-9 * expectedPower, qPrintable(QString("power %1 vs %2").arg(power).arg(expectedPower)));
        // Delay from the phase slope across the two subcarriers: τ = −Δφ/(2πΔf) = d/c.
    }
    const double slope = -std::arg(h[1] / h[0]) / (2 * kPi * (scene.frequenciesHz[1] - scene.frequenciesHz[0]));
    // The phase difference is only known mod 2π: compare delays modulo 1/Δf.
    const double period = 1.0 / (scene.frequenciesHz[1] - scene.frequenciesHz[0]);
    const double expectedDelay = distance / kSpeedOfLight;
    const double difference = std::remainder(slope - expectedDelay, period);
    QVERIFY2(std::abs(difference) < 1e-12, qPrintable(QString("delay %1 s vs %2 s").arg(slope).arg(expectedDelay)));
}

void MultipathTest::wallReflectionComesFromItsImage()
{
    const MultipathScene scene = parseMultipathScene(roomJson(1), "room.json");
    const std::array<float, 3> tx{2.0f, 2.0f, 2.0f};
    const auto paths = tracePaths(scene, tx);
    QCOMPARE(paths.size(), std::size_t{7}); // line of sight and one bounce off each of the six walls
    bool foundFloor = false;
    for (const auto& path : paths)
        if (path.order == 1 && std::abs(path.imageSource[2] + 2.0) < 1e-9) { // the floor mirrors z = 2 to −2
            foundFloor = true;
            QVERIFY(std::abs(path.lengthMetres - std::hypot(2.0, 1.0, 2.5)) < 1e-9);
            QVERIFY(std::abs(path.reflection - std::complex<double>(-0.5, 0.1)) < 1e-12);
        }
    QVERIFY(foundFloor);
    const auto second = tracePaths(parseMultipathScene(roomJson(2), "room.json"), tx);
    QVERIFY(second.size() > paths.size());
}

void MultipathTest::spectrumPeaksTowardsTheSource()
{
    // Line of sight only: the Bartlett map's maximum sits in the transmitter's direction (within
    // the 4×4 array's beamwidth, ~15° at 0.16 m and 915 MHz; the map is 2° per pixel).
    const MultipathScene scene = parseMultipathScene(roomJson(0), "room.json");
    const double azimuth = test::uniform(20, 340), elevation = test::uniform(30, 70);
    const double a = azimuth * kPi / 180, e = elevation * kPi / 180;
    const std::array<float, 3> tx{static_cast<float>(4 + 2 * std::cos(e) * std::cos(a)), static_cast<float>(3 + 2 * std::cos(e) * std::sin(a)),
                                  static_cast<float>(0.5 + 2 * std::sin(e))};
    const auto spectrum = bartlettSpectrum(scene, tracePaths(scene, tx));
    const auto peak = std::max_element(spectrum.begin(), spectrum.end()) - spectrum.begin();
    const double peakAzimuth = (peak % 180 + 1) * 2.0, peakElevation = (peak / 180 + 1) * 2.0;
    QVERIFY2(std::abs(std::remainder(peakAzimuth - azimuth, 360.0)) < 15 && std::abs(peakElevation - elevation) < 15,
             qPrintable(QString("peak at (%1°, %2°), source at (%3°, %4°)").arg(peakAzimuth).arg(peakElevation).arg(azimuth).arg(elevation)));
    QCOMPARE(*std::max_element(spectrum.begin(), spectrum.end()), 1.0f);
    QCOMPARE(*std::min_element(spectrum.begin(), spectrum.end()), 0.0f);
}

void MultipathTest::boxesBlockPaths()
{
    // A metal box between the transmitter and the receiver: no line of sight, but a reflection off it.
    const MultipathScene open = parseMultipathScene(roomJson(1), "room.json");
    const MultipathScene blocked = parseMultipathScene(roomJson(1, R"(, "boxes": [{"min": [3.5, 2.5, 1.0], "max": [4.5, 3.5, 1.5], "material": "metal"}])"),
                                                       "room.json");
    const std::array<float, 3> tx{4.0f, 3.0f, 2.5f}; // straight above the receiver
    const auto openPaths = tracePaths(open, tx), blockedPaths = tracePaths(blocked, tx);
    QVERIFY(std::any_of(openPaths.begin(), openPaths.end(), [](const PropagationPath& p) { return p.order == 0; }));
    QVERIFY(std::none_of(blockedPaths.begin(), blockedPaths.end(), [](const PropagationPath& p) { return p.order == 0; }));
}

void MultipathTest::badScenesNameTheField_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("syntax") << "{\"room\": " << "room.json";
    QTest::newRow("no receiver") << R"({"room": {"min": [0,0,0], "max": [1,1,1], "material": "w"}, "materials": {"w": {"reflection": [0, 0]}}})"
                                 << "missing field 'receiver'";
    QTest::newRow("unknown material") << R"({"room": {"min": [0,0,0], "max": [1,1,1], "material": "glass"}, "materials": {"w": {"reflection": [0, 0]}}})"
                                      << "'glass'";
    QTest::newRow("active surface") << R"({"room": {"min": [0,0,0], "max": [1,1,1], "material": "w"}, "materials": {"w": {"reflection": [2, 0]}}})"
                                    << "materials.w";
    QTest::newRow("inverted box") << R"({"room": {"min": [0,0,0], "max": [-1,1,1], "material": "w"}, "materials": {"w": {"reflection": [0, 0]}}})"
                                  << "room: field 'max' must exceed 'min'";
    QTest::newRow("bad order") << QString::fromStdString(roomJson(9)) << "reflectionOrder";
}

void MultipathTest::badScenesNameTheField()
{
    QFETCH(QString, json);
    QFETCH(QString, expected);
    try {
        parseMultipathScene(json.toStdString(), "room.json");
        QFAIL("a bad scene parsed");
    } catch (const FormatError& error) {
        QVERIFY2(QString(error.what()).contains("room.json") && QString(error.what()).contains(expected), error.what());
    }
}

void MultipathTest::writtenDatasetLoadsBack()
{
    const MultipathScene scene = parseMultipathScene(roomJson(1), "room.json");
    const SimulatedDataset simulated = simulateDataset(scene, {}, {});
    QCOMPARE(simulated.dataset.samples.size(), std::size_t{6});
    QCOMPARE(simulated.dataset.test.size(), std::size_t{1}); // 20 % of 6, the largest x
    QTemporaryDir temporary;
    const std::filesystem::path folder = temporary.path().toStdString();
    writeSimulatedDataset(simulated, folder / "sim");
    const RfDataset loaded = loadRfDataset(folder / "sim");
    QCOMPARE(loaded.samples.size(), std::size_t{6});
    QCOMPARE(loaded.test.size(), std::size_t{1});
    QCOMPARE(loaded.mapping.width, 180);
    QVERIFY(std::abs(loaded.receiver.orientation[0] - 1.0) < 1e-9);
    for (std::size_t i = 0; i < loaded.samples.size(); ++i) {
        const auto& original = simulated.dataset.samples[loaded.samples[i].number - 1];
        for (int axis = 0; axis < 3; ++axis)
            QVERIFY(std::abs(loaded.samples[i].movingEnd[axis] - original.movingEnd[axis]) < 1e-5f);
        for (std::size_t p = 0; p < original.spectrum.size(); ++p) // 8-bit PNG: within half a step
            QVERIFY(std::abs(loaded.samples[i].spectrum[p] - original.spectrum[p]) <= 0.5f / 255 + 1e-6f);
    }
    const NpyArray csi = readNpy(folder / "sim" / "csi.npy");
    QCOMPARE(csi.shape, (std::vector<std::int64_t>{6, 2, 2}));
}

QTEST_GUILESS_MAIN(MultipathTest)
#include "tst_multipath.moc"
