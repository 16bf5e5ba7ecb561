#include "FashionMnist.h"

#include "IdxFiles.h"
#include "engine/core/Error.h"

namespace ls::consistency {

namespace {

// Debian ships the files gzipped; an unpacked copy (as the original site offers) works too.
std::filesystem::path findIdx(const std::filesystem::path& folder, const std::string& stem)
{
    for (const auto& candidate : {folder / (stem + ".gz"), folder / stem})
        if (std::filesystem::exists(candidate))
            return candidate;
    if (!std::filesystem::exists(folder))
        throw FileError(folder.string(), "no Fashion-MNIST here: install Debian's dataset-fashion-mnist (scripts/install-deps does)");
    throw FileError((folder / (stem + ".gz")).string(), "missing from the Fashion-MNIST folder");
}

} // namespace

ImageSet loadFashionMnist(Split split, std::size_t limit, const std::filesystem::path& folder)
{
    const std::string prefix = split == Split::Train ? "train" : "t10k";
    const auto imagesPath = findIdx(folder, prefix + "-images-idx3-ubyte");
    const auto labelsPath = findIdx(folder, prefix + "-labels-idx1-ubyte");
    const IdxArray images = readIdx(imagesPath);
    const IdxArray labels = readIdx(labelsPath);
    if (images.shape.size() != 3 || images.shape[1] != kImageSide || images.shape[2] != kImageSide)
        throw FormatError(imagesPath.string(), "images must be N × 28 × 28");
    if (labels.shape.size() != 1 || labels.shape[0] != images.shape[0])
        throw FormatError(labelsPath.string(), "holds " + std::to_string(labels.shape.empty() ? 0 : labels.shape[0]) + " labels for " +
                                                   std::to_string(images.shape[0]) + " images");
    const std::size_t count = limit > 0 ? std::min<std::size_t>(limit, images.shape[0]) : images.shape[0];
    ImageSet set;
    set.labels.assign(labels.values.begin(), labels.values.begin() + static_cast<std::ptrdiff_t>(count));
    for (std::size_t i = 0; i < count; ++i)
        if (set.labels[i] >= kClasses)
            throw FormatError(labelsPath.string(), "label " + std::to_string(set.labels[i]) + " at " + std::to_string(i) + " (0–9 expected)");
    set.pixels.resize(count * kImagePixels);
    for (std::size_t i = 0; i < set.pixels.size(); ++i)
        set.pixels[i] = static_cast<float>(images.values[i]) / 255.0f;
    return set;
}

const char* fashionMnistClassName(int label)
{
    static const char* const kNames[kClasses] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return label >= 0 && label < kClasses ? kNames[label] : "?";
}

} // namespace ls::consistency
