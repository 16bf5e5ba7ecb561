#include "Training.h"

#include "LinearAssignment.h"
#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>

namespace ls::consistency {

namespace {

// Draws an index from discrete probabilities with one uniform number.
std::size_t drawIndex(const std::vector<double>& probabilities, float uniform)
{
    double cumulative = 0;
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        cumulative += probabilities[i];
        if (uniform < cumulative)
            return i;
    }
    return probabilities.size() - 1;
}

} // namespace

Matrix normalNoise(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, std::uint32_t stream)
{
    Matrix noise(rows, cols);
    for (Eigen::Index i = 0; i < noise.size(); ++i)
        noise.data()[i] = rng::normal(seed, static_cast<std::uint64_t>(i), stream);
    return noise;
}

double distanceC(const ConsistencyRecipe& recipe, int discretisation, int dimensions)
{
    if (!recipe.adaptiveC)
        return recipe.fixedC;
    if (recipe.distance == Distance::PseudoHuber)
        return ictPseudoHuberC(dimensions);
    // sLCT keeps the fixed c through the curriculum's first stage and adapts it from the second on.
    return discretisation > recipe.curriculumStart + 1 ? adaptiveC(discretisation) : recipe.fixedC;
}

BatchLoss consistencyBatchLoss(const Matrix& student, const Matrix& teacher, const Matrix& clean, std::span<const double> teacherSigma,
                               std::span<const double> studentSigma, std::span<const char> early, const ConsistencyRecipe& recipe, double c)
{
    const Eigen::Index batch = student.rows(), d = student.cols();
    const auto rows = static_cast<std::size_t>(batch);
    if (teacher.rows() != batch || teacher.cols() != d || clean.rows() != batch || clean.cols() != d || teacherSigma.size() != rows ||
        studentSigma.size() != rows || early.size() != rows)
        throw ArgumentError("consistencyBatchLoss: the batch's student, teacher, clean latents, noise levels and early flags differ in size");
    // The diffusion term is a mean over the rows it applies to (LCT's), not over the whole batch: the
    // weight 5 then means what the paper says whatever share of the batch falls in the low quarter.
    const auto earlyRows = static_cast<double>(std::count_if(early.begin(), early.end(), [](char flag) { return flag != 0; }));
    BatchLoss result{0.0, Matrix(batch, d)};
    for (Eigen::Index r = 0; r < batch; ++r) {
        const double weight = pairWeight(teacherSigma[r], studentSigma[r]) / static_cast<double>(batch);
        const Eigen::RowVectorXf difference = student.row(r) - teacher.row(r);
        const std::span<const float> dRow(difference.data(), static_cast<std::size_t>(d));
        if (recipe.distance == Distance::Cauchy) {
            const double meanSquare = difference.squaredNorm() / static_cast<double>(d);
            result.value += weight * cauchyLoss(dRow, c);
            // d/dd_j ln(1 + m/(2c²)) = d_j / (D·c²·(1 + m/(2c²)))
            result.gradient.row(r) = difference * static_cast<float>(weight / (static_cast<double>(d) * c * c * (1 + meanSquare / (2 * c * c))));
        } else {
            result.value += weight * pseudoHuberLoss(dRow, c);
            result.gradient.row(r) = difference * static_cast<float>(weight / std::sqrt(difference.squaredNorm() + c * c));
        }
        if (early[r]) { // ‖f − x₀‖², EDM-weighted
            const double diffusionWeight_ = recipe.diffusionLossWeight * diffusionWeight(studentSigma[r]) / (earlyRows * static_cast<double>(d));
            const Eigen::RowVectorXf error = student.row(r) - clean.row(r);
            result.value += diffusionWeight_ * error.squaredNorm();
            result.gradient.row(r) += error * static_cast<float>(2 * diffusionWeight_);
        }
    }
    return result;
}

Matrix heunStep(Denoiser& diffusion, const Matrix& x, const std::vector<double>& sigma, const std::vector<double>& sigmaTo,
                const std::vector<int>& labels)
{
    const Eigen::Index rows = x.rows();
    if (sigma.size() != static_cast<std::size_t>(rows) || sigmaTo.size() != sigma.size())
        throw ArgumentError("heunStep: one σ and one σ_to per row");
    auto slope = [&](const Matrix& at, const std::vector<double>& levels) {
        Matrix s = at - diffusion.forward(at, levels, labels);
        for (Eigen::Index r = 0; r < rows; ++r)
            s.row(r) /= static_cast<float>(levels[static_cast<std::size_t>(r)]);
        return s;
    };
    const Matrix first = slope(x, sigma);
    Matrix euler = x;
    for (Eigen::Index r = 0; r < rows; ++r)
        euler.row(r) += static_cast<float>(sigmaTo[r] - sigma[r]) * first.row(r);
    const Matrix second = slope(euler, sigmaTo);
    Matrix out = x;
    for (Eigen::Index r = 0; r < rows; ++r)
        out.row(r) += static_cast<float>(0.5 * (sigmaTo[r] - sigma[r])) * (first.row(r) + second.row(r));
    return out;
}

ConsistencyTrainer::ConsistencyTrainer(Denoiser& model, const ConsistencyRecipe& recipe, std::int64_t totalIterations, float learningRate,
                                       std::uint64_t seed, int cudaDevice, Denoiser* teacher)
    : model_(model), teacher_(teacher), recipe_(recipe), totalIterations_(std::max<std::int64_t>(1, totalIterations)), seed_(seed),
      adam_(model.parameters(), learningRate, 0.9f, 0.995f), // iCT's β₂
      cudaDevice_(cudaDevice)
{
}

DenoiserBackend& ConsistencyTrainer::backend()
{
    if (!backend_)
        backend_ = makeDenoiserBackend(model_, adam_, cudaDevice_);
    return *backend_;
}

StepReport ConsistencyTrainer::step(const Matrix& latents, const std::vector<int>& labels)
{
    const Eigen::Index batch = latents.rows(), d = latents.cols();
    const std::uint64_t stepSeed = rng::mix64(seed_ ^ static_cast<std::uint64_t>(iteration_));
    StepReport report;
    if (recipe_.distillation && !teacher_)
        throw ArgumentError("consistency distillation needs the trained diffusion model as its teacher");
    report.discretisation = recipe_.distillation ? recipe_.distillationLevels
                                                 : curriculumSteps(iteration_, totalIterations_, recipe_.curriculumStart, recipe_.curriculumEnd);
    const auto sigmas = karrasSigmas(report.discretisation);
    const auto probabilities = lognormalIndexProbabilities(sigmas);
    report.c = distanceC(recipe_, report.discretisation, static_cast<int>(d));

    std::vector<float> noise = [&] {
        const Matrix z = normalNoise(batch, d, stepSeed, 1);
        return std::vector<float>(z.data(), z.data() + z.size());
    }();
    if (recipe_.otCoupling)
        coupleNoiseToData(std::span<const float>(latents.data(), static_cast<std::size_t>(latents.size())), noise, static_cast<int>(batch),
                          static_cast<int>(d));
    const Eigen::Map<const Matrix> z(noise.data(), batch, d);

    std::vector<std::size_t> index(static_cast<std::size_t>(batch));
    std::vector<double> teacherSigma(index.size()), studentSigma(index.size());
    for (std::size_t r = 0; r < index.size(); ++r) {
        index[r] = drawIndex(probabilities, rng::uniform(stepSeed, r, 2));
        teacherSigma[r] = sigmas[index[r]];
        studentSigma[r] = sigmas[index[r] + 1];
    }
    Matrix teacherInput(batch, d), studentInput(batch, d);
    for (Eigen::Index r = 0; r < batch; ++r) {
        teacherInput.row(r) = latents.row(r) + static_cast<float>(teacherSigma[r]) * z.row(r);
        studentInput.row(r) = latents.row(r) + static_cast<float>(studentSigma[r]) * z.row(r);
    }
    if (recipe_.distillation) // the teacher's ODE step from the student's point, not the same noise at σ_i
        teacherInput = heunStep(*teacher_, studentInput, studentSigma, teacherSigma, labels);
    // The teacher is the current model with its gradient stopped (no EMA): evaluated first, never
    // back-propagated; the student's forward is the one backward() sees.
    DenoiserBackend& network = backend();
    const Matrix teacher = network.forward(teacherInput, teacherSigma, labels);
    const Matrix student = network.forward(studentInput, studentSigma, labels);

    const std::size_t lowQuarter = (sigmas.size() - 1) / 4;
    std::vector<char> early(index.size());
    for (std::size_t r = 0; r < index.size(); ++r)
        early[r] = recipe_.diffusionLoss && index[r] < lowQuarter;
    const BatchLoss loss = consistencyBatchLoss(student, teacher, latents, teacherSigma, studentSigma, early, recipe_, report.c);
    network.gradients(loss.gradient);
    network.step();
    ++iteration_;
    report.loss = loss.value;
    return report;
}

DiffusionTrainer::DiffusionTrainer(Denoiser& model, float learningRate, std::uint64_t seed, int cudaDevice)
    : model_(model), seed_(seed), adam_(model.parameters(), learningRate, 0.9f, 0.999f), cudaDevice_(cudaDevice)
{
}

DenoiserBackend& DiffusionTrainer::backend()
{
    if (!backend_)
        backend_ = makeDenoiserBackend(model_, adam_, cudaDevice_);
    return *backend_;
}

StepReport DiffusionTrainer::step(const Matrix& latents, const std::vector<int>& labels)
{
    constexpr double kPMean = -1.2, kPStd = 1.2; // EDM's training noise distribution
    const Eigen::Index batch = latents.rows(), d = latents.cols();
    const std::uint64_t stepSeed = rng::mix64(seed_ ^ static_cast<std::uint64_t>(iteration_) ^ 0x5bd1e995u);
    const Matrix n = normalNoise(batch, d, stepSeed, 1);
    std::vector<double> sigmas(static_cast<std::size_t>(batch));
    Matrix noisy(batch, d);
    for (Eigen::Index r = 0; r < batch; ++r) {
        sigmas[r] = std::exp(kPMean + kPStd * rng::normal(stepSeed, static_cast<std::uint64_t>(r), 2));
        noisy.row(r) = latents.row(r) + static_cast<float>(sigmas[r]) * n.row(r);
    }
    DenoiserBackend& network = backend();
    const Matrix denoised = network.forward(noisy, sigmas, labels);
    Matrix dDenoised(batch, d);
    double total = 0;
    for (Eigen::Index r = 0; r < batch; ++r) {
        const double weight = diffusionWeight(sigmas[r]) / static_cast<double>(batch * d);
        const Eigen::RowVectorXf error = denoised.row(r) - latents.row(r);
        total += weight * error.squaredNorm();
        dDenoised.row(r) = error * static_cast<float>(2 * weight);
    }
    network.gradients(dDenoised);
    network.step();
    ++iteration_;
    return {total, 0, 0};
}

} // namespace ls::consistency
