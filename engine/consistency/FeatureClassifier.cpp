#include "FeatureClassifier.h"

#include "FashionMnist.h"

#include <cmath>

namespace ls::consistency {

FeatureClassifier::FeatureClassifier(std::uint64_t seed)
    : first_("classifier.0", kImagePixels, 256, seed * 8 + 1), second_("classifier.1", 256, kFeatures, seed * 8 + 2),
      output_("classifier.output", kFeatures, kClasses, seed * 8 + 3)
{
}

std::vector<Parameter*> FeatureClassifier::parameters()
{
    std::vector<Parameter*> all;
    for (Linear* layer : {&first_, &second_, &output_})
        for (Parameter* p : layer->parameters())
            all.push_back(p);
    return all;
}

Matrix FeatureClassifier::features(const Matrix& images)
{
    return secondActivation_.forward(second_.forward(firstActivation_.forward(first_.forward(images))));
}

Matrix FeatureClassifier::logits(const Matrix& images)
{
    return output_.forward(features(images));
}

double FeatureClassifier::trainStep(const Matrix& images, const std::vector<std::uint8_t>& labels, Adam& optimiser)
{
    optimiser.zeroGrad();
    const Matrix z = logits(images);
    Matrix dz(z.rows(), z.cols());
    double loss = 0;
    for (Eigen::Index r = 0; r < z.rows(); ++r) { // softmax cross-entropy, stable
        const float top = z.row(r).maxCoeff();
        const Eigen::RowVectorXf e = (z.row(r).array() - top).exp();
        const float total = e.sum();
        loss += std::log(total) + top - z(r, labels[r]);
        dz.row(r) = e / total;
        dz(r, labels[r]) -= 1.0f;
    }
    dz /= static_cast<float>(z.rows());
    first_.backward(firstActivation_.backward(second_.backward(secondActivation_.backward(output_.backward(dz)))));
    optimiser.step();
    return loss / static_cast<double>(z.rows());
}

std::vector<int> FeatureClassifier::predict(const Matrix& images)
{
    const Matrix z = logits(images);
    std::vector<int> classes(static_cast<std::size_t>(z.rows()));
    for (Eigen::Index r = 0; r < z.rows(); ++r)
        z.row(r).maxCoeff(&classes[r]);
    return classes;
}

double FeatureClassifier::accuracy(const Matrix& images, const std::vector<std::uint8_t>& labels)
{
    const auto classes = predict(images);
    std::size_t right = 0;
    for (std::size_t i = 0; i < classes.size(); ++i)
        right += classes[i] == labels[i];
    return classes.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(classes.size());
}

} // namespace ls::consistency
