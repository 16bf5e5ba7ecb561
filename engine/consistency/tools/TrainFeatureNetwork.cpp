// ls-train-fd-features: trains the fixed feature network of the latent consistency engines' Fréchet
// distances (FeatureNetwork.h) and writes it as an .npz. Run once by scripts/make-fd-features, which
// also writes the checksum; the result is committed to assets/consistency/ and never retrained by a
// run. Seeded and single-threaded, but Eigen's GEMM blocking follows the CPU's caches, so another
// machine gives a network that differs in the last bits: that is why the file, not this program, is
// what the distances are defined by.
//
//   ls-train-fd-features OUT.npz [--steps N] [--seed S]
#include "engine/consistency/Adam.h"
#include "engine/consistency/FashionMnist.h"
#include "engine/consistency/FeatureNetwork.h"
#include "engine/consistency/LatentTraining.h"
#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>

using namespace ls;
using namespace ls::consistency;

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUT.npz [--steps N] [--seed S]\n", argv[0]);
        return 2;
    }
    FeatureNetworkFacts facts;
    facts.seed = 1;
    facts.steps = 6000;
    facts.batch = 128;
    facts.learningRate = 1e-3;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--steps")
            facts.steps = std::stoll(argv[i + 1]);
        else if (option == "--seed")
            facts.seed = std::stoull(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown option %s\n", option.c_str());
            return 2;
        }
    }
    try {
        const ImageSet train = loadFashionMnist(Split::Train), test = loadFashionMnist(Split::Test);
        facts.trainImages = static_cast<std::int64_t>(train.size());
        const Matrix pixels = pixelMatrix(train), testPixels = pixelMatrix(test);
        FeatureClassifier network(facts.seed);
        Adam adam(network.parameters(), static_cast<float>(facts.learningRate));
        // Each epoch visits the training images in a fresh seeded order.
        std::vector<Eigen::Index> order(train.size());
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        const auto batchesPerEpoch = static_cast<std::int64_t>(train.size()) / facts.batch;
        Matrix batch(facts.batch, pixels.cols());
        std::vector<std::uint8_t> labels(static_cast<std::size_t>(facts.batch));
        double loss = 0;
        for (std::int64_t step = 0; step < facts.steps; ++step) {
            const std::int64_t epoch = step / batchesPerEpoch, within = step % batchesPerEpoch;
            if (within == 0) {
                for (std::size_t i = order.size() - 1; i > 0; --i) // Fisher–Yates from the counter RNG
                    std::swap(order[i], order[static_cast<std::size_t>(rng::uniform(facts.seed, i, static_cast<std::uint32_t>(epoch)) * (i + 1)) % (i + 1)]);
            }
            for (int r = 0; r < facts.batch; ++r) {
                const Eigen::Index row = order[static_cast<std::size_t>(within * facts.batch + r)];
                batch.row(r) = pixels.row(row);
                labels[static_cast<std::size_t>(r)] = train.labels[static_cast<std::size_t>(row)];
            }
            loss += network.trainStep(batch, labels, adam);
            if ((step + 1) % 500 == 0) {
                std::printf("step %lld: mean loss %.4f\n", static_cast<long long>(step + 1), loss / 500);
                loss = 0;
            }
        }
        facts.testAccuracy = network.accuracy(testPixels, test.labels);
        std::printf("test accuracy %.4f on %zu images\n", facts.testAccuracy, test.size());
        writeNpz(argv[1], featureNetworkArchive(network, facts));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
    return 0;
}
