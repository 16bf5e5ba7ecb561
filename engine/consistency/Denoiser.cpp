#include "Denoiser.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <cmath>

namespace ls::consistency {

Scalings scalingsAt(double sigma, Parameterisation parameterisation, const Edm& edm)
{
    if (parameterisation == Parameterisation::Consistency)
        return {cSkip(sigma, edm), cOut(sigma, edm), cIn(sigma, edm), cNoise(sigma)};
    const double variance = sigma * sigma + edm.sigmaData * edm.sigmaData;
    return {edm.sigmaData * edm.sigmaData / variance, sigma * edm.sigmaData / std::sqrt(variance), 1.0 / std::sqrt(variance), cNoise(sigma)};
}

DenoiserLayout denoiserLayout(const DenoiserSpec& spec)
{
    // The order parameters() lists: embed.0, embed.1, input, each block (norm, first, second),
    // output norm, output.
    DenoiserLayout layout;
    int next = 0;
    auto linear = [&](int in, int out) {
        const DenoiserLayout::Linear layer{next, in, out};
        next += 2;
        return layer;
    };
    layout.embedFirst = linear(2 * spec.embedding, spec.hidden);
    layout.embedSecond = linear(spec.hidden, spec.hidden);
    layout.input = linear(spec.latent, spec.hidden);
    for (int b = 0; b < spec.blocks; ++b) {
        DenoiserLayout::Block block;
        block.normBias = next++;
        block.first = linear(spec.hidden, spec.hidden);
        block.second = linear(spec.hidden, spec.hidden);
        layout.blocks.push_back(block);
    }
    layout.outputNormBias = next++;
    layout.output = linear(spec.hidden, spec.latent);
    return layout;
}

template <class S> struct DenoiserOf<S>::Layers {
    struct Block {
        NonScalingLayerNormOf<S> norm;
        LinearOf<S> first, second;
        ActivationOf<S> activation{ActivationKind::Silu};
    };
    LinearOf<S> embedFirst, embedSecond, inputLayer, outputLayer;
    ActivationOf<S> embedActivation{ActivationKind::Silu}, outputActivation{ActivationKind::Silu};
    NonScalingLayerNormOf<S> outputNorm;
    std::vector<Block> blocks;
    ParameterOf<S> classTable; // [classes, hidden]
    // From the last forward:
    MatrixOf<S> scaledOutput; // c_out per row, broadcast [B, d]
    std::vector<int> labels;

    Layers(const DenoiserSpec& spec)
        : embedFirst("denoiser.embed.0", 2 * spec.embedding, spec.hidden, spec.seed * 16 + 1),
          embedSecond("denoiser.embed.1", spec.hidden, spec.hidden, spec.seed * 16 + 2),
          inputLayer("denoiser.input", spec.latent, spec.hidden, spec.seed * 16 + 3),
          outputLayer("denoiser.output", spec.hidden, spec.latent, spec.seed * 16 + 4),
          outputNorm("denoiser.output_norm", spec.hidden)
    {
        for (int b = 0; b < spec.blocks; ++b) {
            const std::string name = "denoiser.blocks." + std::to_string(b);
            blocks.push_back({NonScalingLayerNormOf<S>(name + ".norm", spec.hidden),
                              LinearOf<S>(name + ".0", spec.hidden, spec.hidden, spec.seed * 16 + 5 + 2 * static_cast<std::uint64_t>(b)),
                              LinearOf<S>(name + ".1", spec.hidden, spec.hidden, spec.seed * 16 + 6 + 2 * static_cast<std::uint64_t>(b)),
                              ActivationOf<S>(ActivationKind::Silu)});
            // Residual branches start small (the second layer scaled down), so the initial network
            // is close to its input path, as in most diffusion MLPs.
            blocks.back().second.weight.value *= S(0.1);
        }
        classTable.name = "denoiser.class_embedding";
        classTable.value = MatrixOf<S>::Zero(std::max(spec.classes, 1), spec.hidden);
        for (Eigen::Index i = 0; i < classTable.value.size(); ++i)
            classTable.value.data()[i] = static_cast<S>(0.1f * rng::normal(spec.seed * 16 + 15, static_cast<std::uint64_t>(i), 31));
        classTable.zeroGrad();
    }
};

template <class S>
DenoiserOf<S>::DenoiserOf(const DenoiserSpec& spec, Parameterisation parameterisation, const Edm& edm)
    : spec_(spec), parameterisation_(parameterisation), edm_(edm)
{
    if (spec.latent < 1 || spec.hidden < 1 || spec.blocks < 0 || spec.embedding < 1 || spec.classes < 0)
        throw ArgumentError("the denoiser needs positive sizes");
    layers_ = std::make_unique<Layers>(spec);
}

template <class S> DenoiserOf<S>::~DenoiserOf() = default;
template <class S> DenoiserOf<S>::DenoiserOf(DenoiserOf&&) noexcept = default;
template <class S> DenoiserOf<S>& DenoiserOf<S>::operator=(DenoiserOf&&) noexcept = default;

template <class S> std::vector<ParameterOf<S>*> DenoiserOf<S>::parameters()
{
    Layers& l = *layers_;
    std::vector<ParameterOf<S>*> all;
    auto add = [&](std::vector<ParameterOf<S>*> some) { all.insert(all.end(), some.begin(), some.end()); };
    add(l.embedFirst.parameters());
    add(l.embedSecond.parameters());
    add(l.inputLayer.parameters());
    for (auto& block : l.blocks) {
        add(block.norm.parameters());
        add(block.first.parameters());
        add(block.second.parameters());
    }
    add(l.outputNorm.parameters());
    add(l.outputLayer.parameters());
    if (spec_.classes > 0)
        all.push_back(&l.classTable);
    return all;
}

template <class S>
MatrixOf<S> DenoiserOf<S>::forward(const MatrixOf<S>& x, const std::vector<double>& sigmas, const std::vector<int>& labels)
{
    Layers& l = *layers_;
    const Eigen::Index batch = x.rows();
    if (x.cols() != spec_.latent || static_cast<Eigen::Index>(sigmas.size()) != batch)
        throw ArgumentError("the denoiser takes [B, " + std::to_string(spec_.latent) + "] latents and one σ per row");
    MatrixOf<S> scaledInput(batch, spec_.latent), skip(batch, spec_.latent);
    l.scaledOutput.resize(batch, spec_.latent);
    MatrixOf<S> noiseFeatures(batch, 2 * spec_.embedding);
    for (Eigen::Index r = 0; r < batch; ++r) {
        const Scalings c = scalingsAt(sigmas[r], parameterisation_, edm_);
        scaledInput.row(r) = x.row(r) * static_cast<S>(c.in);
        skip.row(r) = x.row(r) * static_cast<S>(c.skip);
        l.scaledOutput.row(r).setConstant(static_cast<S>(c.out));
        for (int k = 0; k < spec_.embedding; ++k) { // transformer-style sinusoid of c_noise
            const double angle = c.noise * std::pow(10000.0, -static_cast<double>(k) / spec_.embedding);
            noiseFeatures(r, 2 * k) = static_cast<S>(std::sin(angle));
            noiseFeatures(r, 2 * k + 1) = static_cast<S>(std::cos(angle));
        }
    }
    MatrixOf<S> embedding = l.embedSecond.forward(l.embedActivation.forward(l.embedFirst.forward(noiseFeatures)));
    l.labels = labels;
    if (spec_.classes > 0)
        for (Eigen::Index r = 0; r < batch; ++r)
            if (r < static_cast<Eigen::Index>(labels.size()) && labels[r] >= 0 && labels[r] < spec_.classes)
                embedding.row(r) += l.classTable.value.row(labels[r]);
    MatrixOf<S> h = l.inputLayer.forward(scaledInput);
    for (auto& block : l.blocks) {
        MatrixOf<S> inner = block.first.forward(block.norm.forward(h)) + embedding;
        h += block.second.forward(block.activation.forward(inner));
    }
    const MatrixOf<S> network = l.outputLayer.forward(l.outputActivation.forward(l.outputNorm.forward(h)));
    return skip + l.scaledOutput.cwiseProduct(network);
}

template <class S> void DenoiserOf<S>::backward(const MatrixOf<S>& dOutput)
{
    Layers& l = *layers_;
    const MatrixOf<S> dNetwork = dOutput.cwiseProduct(l.scaledOutput);
    MatrixOf<S> dh = l.outputNorm.backward(l.outputActivation.backward(l.outputLayer.backward(dNetwork)));
    MatrixOf<S> dEmbedding = MatrixOf<S>::Zero(dOutput.rows(), spec_.hidden);
    for (auto block = l.blocks.rbegin(); block != l.blocks.rend(); ++block) {
        const MatrixOf<S> dInner = block->activation.backward(block->second.backward(dh));
        dEmbedding += dInner;
        dh += block->norm.backward(block->first.backward(dInner));
    }
    l.inputLayer.backward(dh); // the input's own gradient is not needed (x is data, not a parameter)
    if (spec_.classes > 0)
        for (Eigen::Index r = 0; r < dEmbedding.rows(); ++r)
            if (r < static_cast<Eigen::Index>(l.labels.size()) && l.labels[r] >= 0 && l.labels[r] < spec_.classes)
                l.classTable.grad.row(l.labels[r]) += dEmbedding.row(r);
    l.embedFirst.backward(l.embedActivation.backward(l.embedSecond.backward(dEmbedding)));
}

template class DenoiserOf<float>;
template class DenoiserOf<double>;

} // namespace ls::consistency
