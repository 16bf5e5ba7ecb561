#include "Autoencoder.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"
#include "engine/core/Sigmoid.h"

#include <cmath>

namespace ls::consistency {

namespace {

// log(1 + e^x), stable for large |x|.
template <class S> S softplus(S x)
{
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

constexpr double kLogVarianceClamp = 12; // log σ² limits that keep exp() finite

} // namespace

template <class S>
AutoencoderOf<S>::AutoencoderOf(const AutoencoderSpec& spec)
    : spec_(spec), encoderHidden_("encoder.hidden", spec.inputs, spec.hidden, spec.seed * 4 + 0),
      encoderStatistics_("encoder.statistics", spec.hidden, 2 * spec.latent, spec.seed * 4 + 1),
      decoderHidden_("decoder.hidden", spec.latent, spec.hidden, spec.seed * 4 + 2),
      decoderOutput_("decoder.output", spec.hidden, spec.inputs, spec.seed * 4 + 3)
{
    if (spec.inputs < 1 || spec.hidden < 1 || spec.latent < 1)
        throw ArgumentError("the autoencoder needs positive sizes");
}

template <class S> std::vector<ParameterOf<S>*> AutoencoderOf<S>::parameters()
{
    std::vector<ParameterOf<S>*> all;
    for (LinearOf<S>* layer : {&encoderHidden_, &encoderStatistics_, &decoderHidden_, &decoderOutput_})
        for (ParameterOf<S>* p : layer->parameters())
            all.push_back(p);
    return all;
}

template <class S> AutoencoderLoss AutoencoderOf<S>::forwardBackward(const MatrixOf<S>& images, const MatrixOf<S>& epsilon)
{
    const Eigen::Index batch = images.rows(), d = spec_.latent;
    const S clamp = static_cast<S>(kLogVarianceClamp);
    const MatrixOf<S> statistics = encoderStatistics_.forward(encoderActivation_.forward(encoderHidden_.forward(images)));
    const MatrixOf<S> mean = statistics.leftCols(d);
    // log σ² clamped for the exponentials; its gradient is cut where the clamp bites.
    const MatrixOf<S> rawLogVariance = statistics.rightCols(d);
    const MatrixOf<S> logVariance = rawLogVariance.cwiseMax(-clamp).cwiseMin(clamp);
    const MatrixOf<S> std = (S(0.5) * logVariance.array()).exp().matrix();
    const MatrixOf<S> z = mean + std.cwiseProduct(epsilon);
    const MatrixOf<S> logits = decodeLogits(z);

    AutoencoderLoss loss;
    for (Eigen::Index i = 0; i < logits.size(); ++i) { // BCE with logits: softplus(l) − x·l
        const S l = logits.data()[i], x = images.data()[i];
        loss.reconstruction += static_cast<double>(softplus(l) - x * l);
    }
    loss.reconstruction /= static_cast<double>(batch);
    loss.kl = -0.5 * static_cast<double>((S(1) + logVariance.array() - mean.array().square() - logVariance.array().exp()).sum()) /
              static_cast<double>(batch);

    const S perSample = S(1) / static_cast<S>(batch), beta = static_cast<S>(spec_.klWeight);
    const MatrixOf<S> dLogits = (logits.unaryExpr(&sigmoid<S>) - images) * perSample;
    const MatrixOf<S> dz = decoderHidden_.backward(decoderActivation_.backward(decoderOutput_.backward(dLogits)));
    MatrixOf<S> dStatistics(batch, 2 * d);
    dStatistics.leftCols(d) = dz + beta * perSample * mean;
    for (Eigen::Index r = 0; r < batch; ++r)
        for (Eigen::Index c = 0; c < d; ++c) {
            const S inside = rawLogVariance(r, c) > -clamp && rawLogVariance(r, c) < clamp ? S(1) : S(0);
            dStatistics(r, d + c) = inside * (dz(r, c) * epsilon(r, c) * S(0.5) * std(r, c) +
                                              beta * perSample * S(0.5) * (std::exp(logVariance(r, c)) - S(1)));
        }
    encoderHidden_.backward(encoderActivation_.backward(encoderStatistics_.backward(dStatistics)));
    return loss;
}

template <class S>
AutoencoderLoss AutoencoderOf<S>::trainStep(const MatrixOf<S>& images, AdamOf<S>& optimiser, std::uint64_t noiseSeed)
{
    MatrixOf<S> epsilon(images.rows(), spec_.latent);
    for (Eigen::Index i = 0; i < epsilon.size(); ++i)
        epsilon.data()[i] = static_cast<S>(rng::normal(noiseSeed, static_cast<std::uint64_t>(i), 21));
    optimiser.zeroGrad();
    const AutoencoderLoss loss = forwardBackward(images, epsilon);
    optimiser.step();
    return loss;
}

template <class S> MatrixOf<S> AutoencoderOf<S>::encodeMean(const MatrixOf<S>& images)
{
    return encoderStatistics_.forward(encoderActivation_.forward(encoderHidden_.forward(images))).leftCols(spec_.latent);
}

template <class S> MatrixOf<S> AutoencoderOf<S>::decodeLogits(const MatrixOf<S>& latents)
{
    return decoderOutput_.forward(decoderActivation_.forward(decoderHidden_.forward(latents)));
}

template <class S> MatrixOf<S> AutoencoderOf<S>::decode(const MatrixOf<S>& latents)
{
    return decodeLogits(latents).unaryExpr(&sigmoid<S>);
}

template <class S> double AutoencoderOf<S>::reconstructionLoss(const MatrixOf<S>& images)
{
    const MatrixOf<S> logits = decodeLogits(encodeMean(images));
    double total = 0;
    for (Eigen::Index i = 0; i < logits.size(); ++i)
        total += static_cast<double>(softplus(logits.data()[i]) - images.data()[i] * logits.data()[i]);
    return total / static_cast<double>(images.rows());
}

template class AutoencoderOf<float>;
template class AutoencoderOf<double>;

double LatentStatistics::meanExcessKurtosis() const
{
    double sum = 0;
    for (float k : excessKurtosis)
        sum += k;
    return excessKurtosis.empty() ? 0.0 : sum / static_cast<double>(excessKurtosis.size());
}

LatentStatistics latentStatistics(const Matrix& latents)
{
    const Eigen::Index n = latents.rows(), d = latents.cols();
    if (n < 2)
        throw ArgumentError("latent statistics need at least two latents");
    LatentStatistics s;
    std::size_t outliers = 0;
    for (Eigen::Index c = 0; c < d; ++c) {
        const double mean = latents.col(c).cast<double>().mean();
        double m2 = 0, m4 = 0;
        for (Eigen::Index r = 0; r < n; ++r) {
            const double deviation = latents(r, c) - mean;
            m2 += deviation * deviation;
            m4 += deviation * deviation * deviation * deviation;
        }
        m2 /= static_cast<double>(n);
        m4 /= static_cast<double>(n);
        const double std = std::sqrt(m2);
        s.mean.push_back(static_cast<float>(mean));
        s.std.push_back(static_cast<float>(std > 0 ? std : 1.0));
        s.excessKurtosis.push_back(m2 > 0 ? static_cast<float>(m4 / (m2 * m2) - 3.0) : 0.0f);
        for (Eigen::Index r = 0; r < n; ++r)
            outliers += std > 0 && std::abs(latents(r, c) - mean) > 4 * std;
    }
    s.outlierFraction = static_cast<double>(outliers) / static_cast<double>(n * d);
    return s;
}

Matrix standardiseLatents(const Matrix& latents, const LatentStatistics& stats, float sigmaData)
{
    Matrix out(latents.rows(), latents.cols());
    for (Eigen::Index c = 0; c < latents.cols(); ++c)
        out.col(c) = (latents.col(c).array() - stats.mean[c]) / stats.std[c] * sigmaData;
    return out;
}

Matrix unstandardiseLatents(const Matrix& latents, const LatentStatistics& stats, float sigmaData)
{
    Matrix out(latents.rows(), latents.cols());
    for (Eigen::Index c = 0; c < latents.cols(); ++c)
        out.col(c) = latents.col(c).array() / sigmaData * stats.std[c] + stats.mean[c];
    return out;
}

} // namespace ls::consistency
