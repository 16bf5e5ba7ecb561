// The CPU composite's eight-pixel lanes (engine/rf/CompositeLanes.h): their exponential against
// double exp, each lane against the same walk for one pixel (to the bit, forward), and the lanes'
// render and gradients against the scalar walk they replaced (RenderSettings::scalarComposite), on
// maps whose width leaves ragged groups at the right edge and seam-straddling splats.
#include "GsparcScenes.h"
#include "TestSupport.h"

#include "engine/rf/CompositeLanes.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>

LS_LANES_BEGIN // eight-float vectors pass between always-inlined functions only (PixelLanes.h)

using namespace ls;
using namespace ls::rf;
using ls::test::differenceAndNorm;

class GsparcLanesTest : public QObject {
    Q_OBJECT

private slots:
    void exponentialIsWithinTwoUlpOfExp();
    void reachHoldsEveryPixelThePowerTestKeeps();
    void eachLaneIsThePixelsOwnWalk_data();
    void eachLaneIsThePixelsOwnWalk();
    void lanesRenderWhatTheScalarWalkRenders();
    void lanesGradientsAreTheScalarWalks();
};

namespace {

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct Scene {
    ReceiverPose receiver;
    GaussianField field;
    std::vector<std::array<float, 3>> positions;
};

// Larger splats than the default scenes (several per tile and pixel, pixels that saturate) on a
// map `width` wide, so groups at the right edge hold fewer than eight pixels.
Scene randomScene(int count, int frequencies)
{
    Scene scene;
    scene.receiver = test::randomReceiver();
    scene.field = test::randomField(scene.receiver, count, frequencies, 4, 0.4f);
    for (float& logit : scene.field.opacityLogits)
        logit = test::uniform(-2.0f, 4.0f); // up to o ≈ 0.98: many pixels stop at T < 1e-4
    scene.positions = test::randomPositions(static_cast<int>(test::uniformInt(1, 3)));
    return scene;
}

} // namespace

void GsparcLanesTest::exponentialIsWithinTwoUlpOfExp()
{
    // Random arguments over the range compositing uses (α ≥ 1/255 needs x ≥ −5.5; the threshold-0
    // gradient checks reach further), the ends of the reduction interval, and the clamp at −87.
    std::vector<float> arguments = {0.0f, -0.0f, -1e-30f, -1e-7f, -0.34657359f, -0.34657360f, -0.69314718f, -5.5451774f, -87.0f};
    for (int i = 0; i < 200000; ++i)
        arguments.push_back(i % 2 ? test::uniform(-6.0f, 0.0f) : test::uniform(-87.0f, 0.0f));
    double worstUlps = 0;
    float worstAt = 0;
    for (std::size_t first = 0; first + lanes::kLanes <= arguments.size(); first += lanes::kLanes) {
        lanes::Floats x;
        for (int i = 0; i < lanes::kLanes; ++i)
            x[i] = arguments[first + i];
        const lanes::Floats eight = lanes::exponential(x);
        for (int i = 0; i < lanes::kLanes; ++i) {
            const float argument = arguments[first + i], one = lanes::exponential(argument);
            QVERIFY2(sameBits(one, eight[i]), qPrintable(QString("lane %1 of e^%2: %3 vs %4").arg(i).arg(argument).arg(eight[i]).arg(one)));
            const double exact = std::exp(static_cast<double>(argument));
            // One ulp of the exact value: the spacing of floats at it.
            const double ulp = std::nextafter(static_cast<float>(exact), 2.0f) - static_cast<float>(exact);
            const double ulps = std::abs(one - exact) / ulp;
            if (ulps > worstUlps) {
                worstUlps = ulps;
                worstAt = argument;
            }
        }
    }
    qInfo("worst error %.2f ulp at x = %.8g over %zu arguments", worstUlps, worstAt, arguments.size());
    QVERIFY2(worstUlps <= 2.0, qPrintable(QString("%1 ulp at %2").arg(worstUlps).arg(worstAt)));
}

void GsparcLanesTest::reachHoldsEveryPixelThePowerTestKeeps()
{
    // A group skips a splat whose reach (splatCuts) its pixels lie beyond, so no offset outside the
    // reach may pass the walk's power test, computed in float as the lanes compute it. Random
    // covariances down to nearly degenerate ones (|ρ| up to 0.999), opacities and offsets.
    const int count = 3000;
    RenderState state;
    state.opacity.resize(count);
    state.conic.resize(count * 3);
    for (int g = 0; g < count; ++g) {
        const double sx = test::uniform(0.3f, 40), sy = test::uniform(0.3f, 40), rho = test::uniform(-0.999f, 0.999f);
        const double covA = sx * sx, covC = sy * sy, covB = rho * sx * sy, det = covA * covC - covB * covB;
        state.conic[g * 3] = static_cast<float>(covC / det);
        state.conic[g * 3 + 1] = static_cast<float>(-covB / det);
        state.conic[g * 3 + 2] = static_cast<float>(covA / det);
        state.opacity[g] = test::uniform(0.001f, 0.99f);
    }
    const SplatCuts cuts = splatCuts(state, kMinAlpha);
    int kept = 0, outside = 0;
    for (int g = 0; g < count; ++g) {
        const float columns = cuts.reach[g * 2], rows = cuts.reach[g * 2 + 1];
        if (state.opacity[g] < kMinAlpha) {
            QVERIFY(columns < 0 && rows < 0);
            continue;
        }
        QVERIFY(columns >= 1 && rows >= 1 && std::isfinite(columns) && std::isfinite(rows));
        for (int probe = 0; probe < 200; ++probe) {
            const float dx = std::round(test::uniform(-1.3f, 1.3f) * columns), dy = std::round(test::uniform(-1.3f, 1.3f) * rows);
            const float power = lanes::power<float>(state.conic[g * 3], state.conic[g * 3 + 1], state.conic[g * 3 + 2], dx, dy);
            const bool passes = power >= cuts.minPower[g], inside = std::abs(dx) <= columns && std::abs(dy) <= rows;
            kept += passes;
            outside += !inside;
            QVERIFY2(inside || !passes, qPrintable(QString("splat %1 kept at (%2, %3) beyond its reach ±%4 × ±%5").arg(g).arg(dx).arg(dy).arg(columns).arg(rows)));
        }
    }
    qInfo("%d probes passed the power test, %d lay beyond the reach", kept, outside);
    QVERIFY(kept > 10000 && outside > 10000); // both kinds of offset were probed
    // No cut (the gradient checks' threshold 0): every pixel walks every splat.
    QVERIFY(std::isinf(splatCuts(state, 0.0f).reach[0]));
}

void GsparcLanesTest::eachLaneIsThePixelsOwnWalk_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::newRow("360 x 90 (the RFID map)") << 360 << 90;
    QTest::newRow("100 x 30 (ragged groups of 4 at the right edge)") << 100 << 30;
    QTest::newRow("45 x 20 (groups of 5 and a one-tile-wide map)") << 45 << 20;
}

void GsparcLanesTest::eachLaneIsThePixelsOwnWalk()
{
    // The same template body run for one pixel (V = float) and for eight (the built lanes, the AVX2
    // clone on this machine if it has AVX2): every channel value, final transmittance and
    // contributor count must be equal to the bit (no fused multiply-add on either side).
    QFETCH(int, width);
    QFETCH(int, height);
    const Scene scene = randomScene(static_cast<int>(test::uniformInt(150, 500)), static_cast<int>(test::uniformInt(1, 2)));
    const RenderSettings settings{{width, height}, SpectrumQuantity::Magnitude};
    const RenderResult result = renderCpu(scene.field, scene.receiver, scene.positions, settings);
    const RenderState& state = result.state;
    const int outputs = static_cast<int>(scene.positions.size()) * scene.field.outputs();
    const std::size_t pixels = static_cast<std::size_t>(width) * height;
    std::vector<float> channels(outputs * pixels, -1.0f), transmittance(pixels, -1.0f);
    std::vector<std::uint32_t> contributors(pixels, 12345);
    const SplatCuts cuts = splatCuts(state, settings.alphaThreshold);
    TileSplats<float> splats;
    std::vector<std::int32_t> rowList, weightedSplats;
    std::vector<float> weights;
    std::size_t saturated = 0;
    for (std::size_t tile = 0; tile < state.bins.tileBegin.size(); ++tile) {
        splats.stage(state, cuts.minPower, state.bins.tileBegin[tile], state.bins.tileEnd[tile], outputs);
        splats.stageReach(cuts.reach);
        rowList.resize(splats.ids.size());
        ForwardLaneTile one;
        describeTile(one, settings, tile, splats, outputs, rowList);
        weightedSplats.resize(splats.ids.size() + 1);
        weights.resize(splats.ids.size() + 1);
        one.weightedSplats = weightedSplats.data();
        one.channels = channels.data();
        one.finalTransmittance = transmittance.data();
        one.contributors = contributors.data();
        compositeTileForward<float>(one, weights.data());
    }
    for (std::size_t p = 0; p < pixels; ++p) {
        QVERIFY2(sameBits(transmittance[p], state.finalTransmittance[p]),
                 qPrintable(QString("pixel %1: T %2 vs %3").arg(p).arg(state.finalTransmittance[p]).arg(transmittance[p])));
        QCOMPARE(state.contributors[p], contributors[p]);
        saturated += transmittance[p] < 2 * kMinTransmittance ? 1 : 0;
    }
    for (std::size_t i = 0; i < channels.size(); ++i)
        QVERIFY2(sameBits(channels[i], result.channels[i]), qPrintable(QString("channel value %1: %2 vs %3").arg(i).arg(result.channels[i]).arg(channels[i])));
    const auto lit = std::count_if(result.channels.begin(), result.channels.end(), [](float v) { return v != 0.0f; });
    qInfo("%zu pixels, %zu of them nearly opaque, %lld of %zu channel values non-zero", pixels, saturated, static_cast<long long>(lit),
          result.channels.size());
    QVERIFY2(lit > static_cast<long long>(result.channels.size() / 4), "the scene must light most of the map");
}

void GsparcLanesTest::lanesRenderWhatTheScalarWalkRenders()
{
    // Only the exponential differs (lanes::exponential vs libm's expf, each within 2 ulp), so the
    // maps agree to float rounding: norm-wise relative error ≤ 1e-5. A splat whose α lands within
    // rounding of the 1/255 cut may be kept by one and skipped by the other at a pixel; that moves
    // the pixel by at most α·e ≈ 0.4 % of an emission, rare enough to stay inside the norm bound.
    const Scene scene = randomScene(static_cast<int>(test::uniformInt(300, 800)), static_cast<int>(test::uniformInt(1, 3)));
    RenderSettings settings{{360, 90}, SpectrumQuantity::Magnitude};
    const RenderResult lanesResult = renderCpu(scene.field, scene.receiver, scene.positions, settings);
    settings.scalarComposite = true;
    const RenderResult scalarResult = renderCpu(scene.field, scene.receiver, scene.positions, settings);
    const auto [difference, norm] = differenceAndNorm(scalarResult.channels, lanesResult.channels);
    qInfo("channels: |lanes - scalar| / |scalar| = %.3g", difference / norm);
    QVERIFY(norm > 0);
    QVERIFY2(difference <= 1e-5 * norm, qPrintable(QString("relative difference %1").arg(difference / norm)));
    std::size_t differentCounts = 0;
    for (std::size_t p = 0; p < lanesResult.state.contributors.size(); ++p)
        differentCounts += lanesResult.state.contributors[p] != scalarResult.state.contributors[p] ? 1 : 0;
    QVERIFY2(differentCounts <= lanesResult.state.contributors.size() / 1000,
             qPrintable(QString("%1 pixels with different contributor counts").arg(differentCounts)));
}

void GsparcLanesTest::lanesGradientsAreTheScalarWalks()
{
    // The lanes walk in float (as the CUDA walk), the scalar one in double: every gradient group
    // agrees norm-wise to 3e-4. Float recovers T by dividing through walks of up to hundreds of
    // splats from a final T near 1e-4, and a splat whose α lands within rounding of 1/255 can be
    // kept by one walk and cut by the other: typically 3e-7 to 1e-6, the worst of 40 seeds 3.3e-5.
    // (The GPU check allows the CUDA walk 1e-3.)
    const Scene scene = randomScene(static_cast<int>(test::uniformInt(300, 800)), static_cast<int>(test::uniformInt(1, 3)));
    RenderSettings settings{{static_cast<int>(test::uniformInt(0, 1)) ? 360 : 100, 60}, SpectrumQuantity::Magnitude};
    const RenderResult result = renderCpu(scene.field, scene.receiver, scene.positions, settings);
    const int outputs = static_cast<int>(scene.positions.size()) * scene.field.outputs();
    std::vector<double> upstream(result.channels.size());
    for (double& g : upstream)
        g = test::uniform(-1, 1);
    const CompositeGradients lanesGradients = compositeBackwardCpu(settings, outputs, result.state, upstream);
    settings.scalarComposite = true;
    const CompositeGradients scalarGradients = compositeBackwardCpu(settings, outputs, result.state, upstream);
    for (const auto& [name, lanesGroup, scalarGroup] :
         {std::tuple{"centre", &lanesGradients.centre, &scalarGradients.centre}, {"conic", &lanesGradients.conic, &scalarGradients.conic},
          {"opacity", &lanesGradients.opacity, &scalarGradients.opacity}, {"emission", &lanesGradients.emission, &scalarGradients.emission}}) {
        const auto [difference, norm] = differenceAndNorm(*scalarGroup, *lanesGroup);
        qInfo("%s: |lanes - scalar| / |scalar| = %.3g", name, difference / norm);
        QVERIFY2(norm > 0, name);
        QVERIFY2(difference <= 3e-4 * norm, qPrintable(QString("%1: relative difference %2").arg(name).arg(difference / norm)));
    }
}

QTEST_GUILESS_MAIN(GsparcLanesTest)
#include "tst_gsparc_lanes.moc"
