// FlatFormer flattening: the order against an explicit snake walk over windows and cells (an
// independent statement of the definition), the four layer kinds, equal-size groups with padding
// (several samples, a sample smaller than one group, an empty one), and CUDA against the CPU.
#include "FlatFormerCases.h"
#include "GpuCheckSupport.h"
#include "TestSupport.h"
#include "engine/core/Device.h"
#include "engine/core/Error.h"
#include "engine/pointcloud/FlattenedWindows.h"
#include "engine/pointcloud/LayerOrders.h"
#if LS_HAS_CUDA
#include "engine/pointcloud/FlattenedWindowsCuda.h"
#endif

#include <set>
#include <tuple>

using namespace ls;
using namespace ls::pointcloud;
using namespace ls::test;

namespace {

// The definition walked out: window rows in order, the windows of a row forwards on even rows and
// backwards on odd ones; inside a window, columns forwards with cells up on even columns and down on
// odd ones — the whole inside order reversed in odd window rows. For the y axis, x and y swap roles.
std::vector<std::int32_t> snakeWalk(const RandomCloud& cloud, LayerKind kind)
{
    const bool alongX = kind.axis == SortAxis::X;
    const int major = alongX ? cloud.grid.ny : cloud.grid.nx, minor = alongX ? cloud.grid.nx : cloud.grid.ny;
    const int wMajor = alongX ? cloud.window.wy : cloud.window.wx, wMinor = alongX ? cloud.window.wx : cloud.window.wy;
    const int sMajor = kind.shifted ? wMajor / 2 : 0, sMinor = kind.shifted ? wMinor / 2 : 0;
    std::map<std::tuple<int, int, int>, std::int32_t> at; // (sample, minor, major) → pillar
    for (std::size_t i = 0; i < cloud.pillars.size(); ++i)
        at[{cloud.pillars.sample[i], alongX ? cloud.pillars.x[i] : cloud.pillars.y[i], alongX ? cloud.pillars.y[i] : cloud.pillars.x[i]}] =
            static_cast<std::int32_t>(i);
    std::vector<std::int32_t> order;
    for (int s = 0; s < cloud.samples; ++s)
        for (int row = 0; row * wMajor < major + sMajor; ++row) {
            const int windows = (minor + sMinor + wMinor - 1) / wMinor;
            for (int k = 0; k < windows; ++k) {
                const int column = row % 2 == 0 ? k : windows - 1 - k;
                std::vector<std::pair<int, int>> inside; // (minor offset, major offset)
                for (int a = 0; a < wMinor; ++a)
                    for (int b = 0; b < wMajor; ++b)
                        inside.emplace_back(a, a % 2 == 0 ? b : wMajor - 1 - b);
                if (row % 2 == 1)
                    std::reverse(inside.begin(), inside.end());
                for (const auto& [a, b] : inside) {
                    const int m = column * wMinor + a - sMinor, M = row * wMajor + b - sMajor;
                    if (const auto found = at.find({s, m, M}); found != at.end())
                        order.push_back(found->second);
                }
            }
        }
    return order;
}

std::vector<std::int32_t> samplesInOrder(const PillarCoords& pillars, const std::vector<std::int32_t>& order)
{
    std::vector<std::int32_t> samples;
    for (auto i : order)
        samples.push_back(pillars.sample[i]);
    return samples;
}

} // namespace

class TestFlatten : public QObject {
    Q_OBJECT
private slots:
    void orderFollowsTheSnakeWalk()
    {
        for (int trial = 0; trial < 20; ++trial) {
            const RandomCloud cloud = randomCloud();
            for (const LayerKind kind : kBlockLayers) {
                const auto order = flattenOrderCpu(cloud.pillars, cloud.grid, cloud.window, kind);
                QCOMPARE(order.size(), cloud.pillars.size());
                QVERIFY2(order == snakeWalk(cloud, kind),
                         qPrintable(QString("grid %1×%2, window %3×%4, axis %5%6")
                                        .arg(cloud.grid.nx).arg(cloud.grid.ny).arg(cloud.window.wx).arg(cloud.window.wy)
                                        .arg(kind.axis == SortAxis::X ? "x" : "y").arg(kind.shifted ? " shifted" : "")));
            }
        }
    }

    void alternationAndShiftChangeTheGroups()
    {
        RandomCloud cloud;
        cloud.grid = {64, 64};
        cloud.window = {8, 8};
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x) {
                cloud.pillars.sample.push_back(0);
                cloud.pillars.x.push_back(x);
                cloud.pillars.y.push_back(y);
            }
        // On a full grid with groups of one window, the x layer groups whole windows; the shifted
        // and the y layers group differently, and every layer covers every pillar once.
        std::set<std::vector<std::int32_t>> distinctOrders;
        for (const LayerKind kind : kBlockLayers) {
            const auto order = flattenOrderCpu(cloud.pillars, cloud.grid, cloud.window, kind);
            QCOMPARE(std::set<std::int32_t>(order.begin(), order.end()).size(), order.size());
            distinctOrders.insert(order);
        }
        QCOMPARE(distinctOrders.size(), std::size_t(4));
        const auto order = flattenOrderCpu(cloud.pillars, cloud.grid, cloud.window, kBlockLayers[0]);
        for (std::size_t g = 0; g < order.size() / 64; ++g) {
            std::set<std::pair<int, int>> windows;
            for (std::size_t i = g * 64; i < (g + 1) * 64; ++i)
                windows.insert({cloud.pillars.x[order[i]] / 8, cloud.pillars.y[order[i]] / 8});
            QCOMPARE(windows.size(), std::size_t(1));
        }
    }

    void samplesNeverInterleave()
    {
        // The reference's batch offset (sample·nx·ny·10) is too small here and mixes the samples.
        RandomCloud cloud;
        cloud.grid = {87, 43};
        cloud.window = {9, 7};
        for (int s = 0; s < 2; ++s)
            for (int y = 0; y < 43; ++y)
                for (int x = 0; x < 87; ++x) {
                    cloud.pillars.sample.push_back(s);
                    cloud.pillars.x.push_back(x);
                    cloud.pillars.y.push_back(y);
                }
        for (const LayerKind kind : kBlockLayers) {
            const auto samples = samplesInOrder(cloud.pillars, flattenOrderCpu(cloud.pillars, cloud.grid, cloud.window, kind));
            QVERIFY(std::is_sorted(samples.begin(), samples.end()));
        }
    }

    void groupsPadByRepeatingOneGroupEarlier()
    {
        // Hand case, groups of 4: sample 0 has 6 tokens, sample 1 none, sample 2 three.
        const std::vector<std::int32_t> samples{0, 0, 0, 0, 0, 0, 2, 2, 2};
        const Grouping grouping = groupEqualSize(samples, 3, 4);
        QCOMPARE(grouping.slotToOrder, (std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 2, 3, 6, 7, 8, 6}));
        QCOMPARE(grouping.sampleSlots, (std::vector<std::int64_t>{0, 8, 8, 12}));
        QCOMPARE(grouping.orderToSlot, (std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 8, 9, 10}));
        QCOMPARE(grouping.groupCount(), std::size_t(3));
        // Sample 2 has 3 tokens in a group of 4: its group attends to those 3 only.
        QCOMPARE(grouping.groupKeys, (std::vector<std::int32_t>{4, 4, 3}));
        QVERIFY(groupEqualSize({}, 2, 4).slotToOrder.empty()); // empty samples: no groups
        QVERIFY_THROWS_EXCEPTION(ArgumentError, groupEqualSize(samples, 3, 0));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, groupEqualSize(std::vector<std::int32_t>{1, 0}, 2, 4));
    }

    void groupsOfRandomBatches()
    {
        for (int trial = 0; trial < 50; ++trial) {
            const int sampleCount = static_cast<int>(test::uniformInt(1, 5));
            const int groupSize = static_cast<int>(test::uniformInt(1, 150));
            std::vector<std::int32_t> samples;
            std::vector<std::int64_t> counts;
            for (int s = 0; s < sampleCount; ++s) {
                // Sizes below, at and above multiples of the group size, and empty samples.
                const auto count = test::uniformInt(0, 3) == 0 ? 0 : test::uniformInt(1, 3 * groupSize + 1);
                counts.push_back(count);
                samples.insert(samples.end(), static_cast<std::size_t>(count), s);
            }
            const Grouping grouping = groupEqualSize(samples, sampleCount, groupSize);
            QCOMPARE(grouping.slotToOrder.size() % groupSize, std::size_t(0));
            std::int64_t begin = 0;
            for (int s = 0; s < sampleCount; ++s) {
                const std::int64_t first = grouping.sampleSlots[s], last = grouping.sampleSlots[s + 1];
                QCOMPARE((last - first) % groupSize, std::int64_t(0));
                QVERIFY(last - first >= counts[s] && last - first < counts[s] + groupSize);
                for (std::int64_t slot = first; slot < last; ++slot) {
                    const std::int32_t source = grouping.slotToOrder[slot];
                    QVERIFY(source >= begin && source < begin + counts[s]); // never another sample's token
                    if (slot - first >= counts[s] && counts[s] >= groupSize)
                        QCOMPARE(source, grouping.slotToOrder[slot - groupSize]);
                }
                begin += counts[s];
            }
            for (std::size_t i = 0; i < samples.size(); ++i) // each token's own result is read back once
                QCOMPARE(grouping.slotToOrder[grouping.orderToSlot[i]], static_cast<std::int32_t>(i));
        }
    }

    void curveCodesByHand()
    {
        // z-order: x in the even bits. (3, 5) = x 011, y 101 → bits y2 x2 y1 x1 y0 x0 = 1 0 0 1 1 1 = 39.
        QCOMPARE(zOrderCode(1, 0, 3), std::int64_t(1));
        QCOMPARE(zOrderCode(0, 1, 3), std::int64_t(2));
        QCOMPARE(zOrderCode(2, 0, 3), std::int64_t(4));
        QCOMPARE(zOrderCode(3, 5, 3), std::int64_t(39));
        // Hilbert on 2 × 2: up, right, down. On 4 × 4 the walk drawn by hand, code by code.
        QCOMPARE(hilbertCode(0, 0, 1), std::int64_t(0));
        QCOMPARE(hilbertCode(0, 1, 1), std::int64_t(1));
        QCOMPARE(hilbertCode(1, 1, 1), std::int64_t(2));
        QCOMPARE(hilbertCode(1, 0, 1), std::int64_t(3));
        const int walk4[16][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 2}, {0, 3}, {1, 3}, {1, 2},
                                  {2, 2}, {2, 3}, {3, 3}, {3, 2}, {3, 1}, {2, 1}, {2, 0}, {3, 0}};
        for (int d = 0; d < 16; ++d)
            QCOMPARE(hilbertCode(static_cast<std::uint32_t>(walk4[d][0]), static_cast<std::uint32_t>(walk4[d][1]), 2), std::int64_t(d));
        QCOMPARE(curveDepth(468), 9);
        QCOMPARE(curveDepth(512), 9);
        QCOMPARE(curveDepth(513), 10);
    }

    void curveCodesInvertAndWalkNeighbours()
    {
        for (const int depth : {1, 2, 3, 5, 9}) {
            const std::int64_t cells = std::int64_t(1) << (2 * depth);
            std::set<std::int64_t> zCodes, hCodes;
            std::uint32_t lastX = 0, lastY = 0;
            for (std::int64_t code = 0; code < cells; ++code) {
                std::uint32_t x, y;
                hilbertCell(code, depth, x, y);
                QCOMPARE(hilbertCode(x, y, depth), code);
                if (code > 0) // each step of the Hilbert curve moves to an edge neighbour
                    QCOMPARE(std::abs(int(x) - int(lastX)) + std::abs(int(y) - int(lastY)), 1);
                lastX = x;
                lastY = y;
                zOrderCell(code, depth, x, y);
                QCOMPARE(zOrderCode(x, y, depth), code);
                hCodes.insert(hilbertCode(x, y, depth));
                zCodes.insert(code);
            }
            QCOMPARE(std::int64_t(hCodes.size()), cells); // a bijection of the square onto [0, cells)
            QCOMPARE(*hCodes.rbegin(), cells - 1);
        }
    }

    void curveOrdersArePermutationsWithSamplesFirst()
    {
        for (int trial = 0; trial < 20; ++trial) {
            const RandomCloud cloud = randomCloud();
            for (const Curve curve : {Curve::ZOrder, Curve::Hilbert})
                for (const SortAxis axis : {SortAxis::X, SortAxis::Y}) {
                    const LayerKind kind{axis, false, curve};
                    const auto order = flattenOrderCpu(cloud.pillars, cloud.grid, cloud.window, kind);
                    std::vector<std::int32_t> sorted = order;
                    std::sort(sorted.begin(), sorted.end());
                    for (std::size_t i = 0; i < sorted.size(); ++i)
                        QCOMPARE(sorted[i], static_cast<std::int32_t>(i));
                    const auto samples = samplesInOrder(cloud.pillars, order);
                    QVERIFY(std::is_sorted(samples.begin(), samples.end()));
                    // Within a sample, codes increase along the order; transposed is the curve with x, y swapped.
                    const int depth = curveDepth(std::max(cloud.grid.nx, cloud.grid.ny));
                    for (std::size_t i = 1; i < order.size(); ++i) {
                        if (samples[i] != samples[i - 1])
                            continue;
                        auto code = [&](std::int32_t p) {
                            const auto x = static_cast<std::uint32_t>(cloud.pillars.x[p]), y = static_cast<std::uint32_t>(cloud.pillars.y[p]);
                            const auto a = axis == SortAxis::X ? x : y, b = axis == SortAxis::X ? y : x;
                            return curve == Curve::ZOrder ? zOrderCode(a, b, depth) : hilbertCode(a, b, depth);
                        };
                        QVERIFY(code(order[i - 1]) < code(order[i]));
                    }
                }
        }
    }

    void orderChoicesCycle()
    {
        QCOMPARE(orderChoices().front(), std::string(kWindowSnakeOrder));
        QCOMPARE(orderCycle(kWindowSnakeOrder).size(), std::size_t(4));
        const auto ptv3 = orderCycle("PTv3 (z, z transposed, hilbert, hilbert transposed)");
        QCOMPARE(ptv3.size(), std::size_t(4));
        QCOMPARE(layerKindName(ptv3[3]), std::string("hilbert transposed"));
        QCOMPARE(layerKindName(kBlockLayers[1]), std::string("x shifted"));
        for (const auto& choice : orderChoices())
            QVERIFY(!orderCycle(choice).empty());
        QVERIFY_THROWS_EXCEPTION(ArgumentError, orderCycle("peano"));
    }

    void groupLocalityByHand()
    {
        // Two groups of 2 on a row of 4 cells, 0.5 m pillars: each group spans 2 cells.
        PillarCoords pillars;
        pillars.sample = {0, 0, 0, 0};
        pillars.x = {0, 1, 2, 3};
        pillars.y = {0, 0, 0, 0};
        const std::vector<std::int32_t> order{0, 1, 2, 3};
        const Grouping grouping = groupEqualSize(std::vector<std::int32_t>(4, 0), 1, 2);
        const GroupLocality local = groupLocality(order, grouping, pillars, 0.5);
        QVERIFY(std::abs(local.rmsRadiusM - 0.25) < 1e-12);                     // ±0.5 cell from the centre
        QVERIFY(std::abs(local.boxDiagonalM - std::hypot(2.0, 1.0) * 0.5) < 1e-12); // 2 × 1 cells
        // Interleaved, each group spans the whole row.
        const GroupLocality spread = groupLocality({0, 2, 1, 3}, grouping, pillars, 0.5);
        QVERIFY(spread.rmsRadiusM > local.rmsRadiusM);
    }

    void cudaOrderMatchesCpu()
    {
    // The CUDA order against the CPU order: tests/gpu/PointCloudChecks.cpp.
    LS_RUN_GPU_CHECK("pointcloud.flatten");
}
};

QTEST_GUILESS_MAIN(TestFlatten)
#include "tst_flatten.moc"
